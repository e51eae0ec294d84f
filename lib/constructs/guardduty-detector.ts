import * as guardduty from 'aws-cdk-lib/aws-guardduty';
import { Construct } from 'constructs';

/**
 * Every GuardDuty protection on. S3, RDS and ECS Fargate runtime monitoring cover what the cell
 * runs; the rest cost nothing without EKS, EC2 or Lambda workloads, and leaving them off would
 * fail the GuardDuty controls of the Security Hub standards and page the breach contacts.
 */
export function guardDutyDetector(scope: Construct, id: string): guardduty.CfnDetector {
  const enabled = (name: string, additional: string[] = []): guardduty.CfnDetector.CFNFeatureConfigurationProperty => ({
    name,
    status: 'ENABLED',
    additionalConfiguration: additional.length > 0 ? additional.map((a) => ({ name: a, status: 'ENABLED' })) : undefined,
  });
  return new guardduty.CfnDetector(scope, id, {
    enable: true,
    findingPublishingFrequency: 'FIFTEEN_MINUTES',
    features: [
      enabled('S3_DATA_EVENTS'),
      enabled('RDS_LOGIN_EVENTS'),
      // GuardDuty manages the Fargate security agent itself: no task definition changes.
      enabled('RUNTIME_MONITORING', ['ECS_FARGATE_AGENT_MANAGEMENT', 'EC2_AGENT_MANAGEMENT', 'EKS_ADDON_MANAGEMENT']),
      enabled('LAMBDA_NETWORK_LOGS'),
      enabled('EKS_AUDIT_LOGS'),
      enabled('EBS_MALWARE_PROTECTION'),
    ],
  });
}

/**
 * The AWS-owned account that publishes the GuardDuty runtime agent for ECS Fargate, per region of
 * our jurisdictions (`<account>.dkr.ecr.<region>.amazonaws.com/aws-guardduty-agent-fargate`).
 * https://docs.aws.amazon.com/guardduty/latest/ug/ecs-runtime-agent-ecr-image-uri.html
 */
export const GUARDDUTY_FARGATE_AGENT_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '593207742271',
  'us-east-2': '307168627858',
  'us-west-1': '684579721401',
  'us-west-2': '733349766148',
  'eu-central-1': '323658145986',
  'eu-west-1': '694911143906',
  'eu-west-3': '665651866788',
  'eu-north-1': '591436053604',
  'eu-south-1': '266869475730',
  'eu-south-2': '919611009337',
};

/** The account that publishes the GuardDuty Fargate agent in a region; refuses a region we do not know. */
export function guardDutyFargateAgentAccount(region: string): string {
  const account = GUARDDUTY_FARGATE_AGENT_ACCOUNTS[region];
  if (!account) throw new Error(`no known GuardDuty runtime agent account for region ${region}: add it from https://docs.aws.amazon.com/guardduty/latest/ug/ecs-runtime-agent-ecr-image-uri.html`);
  return account;
}
