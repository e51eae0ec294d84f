import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { rendered } from './rendered';

/**
 * The condition keys each AWS service is documented to send when it assumes a role of ours, with
 * the page that documents the role's trust policy. A service validates the role when the
 * resource is created (CloudTrail at CreateTrail, for example); a condition it does not send
 * makes that call, and the stack, fail.
 */
export const DOCUMENTED_TRUST_CONDITIONS: Readonly<Record<string, { keys: readonly string[]; source: string }>> = {
  // CloudTrail's CloudWatch Logs role: the documented trust has no condition.
  'cloudtrail.amazonaws.com': { keys: [], source: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html' },
  // S3 replication role: the documented trust has no condition.
  's3.amazonaws.com': { keys: [], source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html' },
  // AWS Backup service role: the documented default role's trust has no condition.
  'backup.amazonaws.com': { keys: [], source: 'https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html' },
  'monitoring.rds.amazonaws.com': {
    keys: ['aws:SourceAccount', 'aws:SourceArn'],
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html',
  },
  'firehose.amazonaws.com': { keys: ['sts:ExternalId'], source: 'https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html' },
  'ecs-tasks.amazonaws.com': {
    keys: ['aws:SourceAccount', 'aws:SourceArn'],
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html',
  },
  'vpc-flow-logs.amazonaws.com': {
    keys: ['aws:SourceAccount', 'aws:SourceArn'],
    source: 'https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html',
  },
  // CloudWatch Logs subscription filters into Firehose, per region (logs.<region>.amazonaws.com).
  'logs.amazonaws.com': {
    keys: ['aws:SourceAccount', 'aws:SourceArn'],
    source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html',
  },
};

/** The documented entry of a service principal; `logs.<region>.amazonaws.com` uses the `logs` entry. */
function documented(service: string) {
  return DOCUMENTED_TRUST_CONDITIONS[service.replace(/^logs\.[a-z0-9-]+\.amazonaws\.com$/, 'logs.amazonaws.com')];
}

/**
 * Every condition in a role's trust policy for an AWS service is one that the service is
 * documented to send (DOCUMENTED_TRUST_CONDITIONS). A condition on a service not in that list is
 * a finding too: add the service with the page that documents its trust policy.
 */
export function ServiceTrustConditionsDocumented(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::IAM::Role') return NagRuleCompliance.NOT_APPLICABLE;
  const doc = rendered(node).Properties.AssumeRolePolicyDocument as { Statement?: any[] } | undefined;
  const findings = new Set<string>();
  for (const statement of doc?.Statement ?? []) {
    const services = ([] as unknown[]).concat(statement?.Principal?.Service ?? []).filter((s): s is string => typeof s === 'string');
    const keys = Object.values((statement?.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap((c) => Object.keys(c ?? {}));
    for (const service of services) {
      const entry = documented(service);
      for (const key of keys) {
        if (!entry) findings.add(`${service}:undocumented-service:${key}`);
        else if (!entry.keys.includes(key)) findings.add(`${service}:${key}`);
      }
    }
  }
  return findings.size > 0 ? [...findings] : NagRuleCompliance.COMPLIANT;
}
