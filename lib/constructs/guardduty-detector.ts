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
