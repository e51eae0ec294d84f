import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleResult } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { BackupOutsideMaintenanceWindow } from './rules/deploy-safety/backup-outside-maintenance-window';
import { ConfigDeliveryKeyIsKeyArn } from './rules/deploy-safety/config-delivery-key-is-key-arn';
import { ConfigRecorderAndChannelTogether } from './rules/deploy-safety/config-recorder-and-channel-together';
import { ContainerMemoryLimit } from './rules/deploy-safety/container-memory-limit';
import { DatabaseEngineVersionPolicy } from './rules/deploy-safety/database-engine-version-policy';
import { FirehoseNotIntoObjectLockBucket } from './rules/deploy-safety/firehose-not-into-object-lock';
import { FixedNameRetainExceptOnCreate } from './rules/deploy-safety/fixed-name-retain-except-on-create';
import { FunctionLogGroupOwned } from './rules/deploy-safety/function-log-group-owned';
import { NoDependencyCycle } from './rules/deploy-safety/no-dependency-cycle';
import { ServiceTrustConditionsDocumented } from './rules/deploy-safety/service-trust-conditions-documented';

export const DEPLOY_SAFETY_PACK = 'DeploySafety';

/** One deploy-time failure mode: what the finding says, why, and the AWS page it comes from. */
export interface DeploySafetyRule {
  readonly rule: (node: CfnResource) => NagRuleResult;
  readonly info: string;
  readonly explanation: string;
  /** The AWS documentation page the rule is based on. */
  readonly source: string;
}

/**
 * Template shapes that synthesize and pass every other pack but fail, hang or cannot be retried
 * when CloudFormation deploys them. Each rule names the AWS page it comes from; the evidence pack
 * lists them as the deploy-time checks.
 */
export const DEPLOY_SAFETY_RULES: readonly DeploySafetyRule[] = [
  {
    rule: ConfigRecorderAndChannelTogether,
    info: 'The AWS Config delivery channel and recorder wait for each other, or a Config rule does not wait for both.',
    explanation: 'The recorder starts recording only once a delivery channel exists; a channel that DependsOn the recorder hangs the stack until it rolls back.',
    source: 'https://docs.aws.amazon.com/config/latest/APIReference/API_StartConfigurationRecorder.html',
  },
  {
    rule: ServiceTrustConditionsDocumented,
    info: 'A service role trusts an AWS service with a condition key that the service is not documented to send.',
    explanation: 'Services validate their role when the resource is created (CloudTrail at CreateTrail); a condition the service does not send makes the create fail.',
    source: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html',
  },
  {
    rule: FixedNameRetainExceptOnCreate,
    info: 'A stateful resource with a fixed name is kept (DeletionPolicy Retain) when the create that made it rolls back.',
    explanation: 'The retry then fails with "already exists". RetainExceptOnCreate deletes a resource only when its own create rolls back, and keeps it on every later update or delete.',
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html',
  },
  {
    rule: DatabaseEngineVersionPolicy,
    info: 'The database pins a minor engine version while RDS upgrades minor versions automatically.',
    explanation: 'RDS upgrades the instance and later retires the pinned minor: an update that still names it, or a new cell, fails.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html',
  },
  {
    rule: ConfigDeliveryKeyIsKeyArn,
    info: 'The AWS Config delivery channel names its KMS key by alias instead of key ARN.',
    explanation: 'The DeliveryChannel API documents s3KmsKeyArn as the ARN of the KMS key.',
    source: 'https://docs.aws.amazon.com/config/latest/APIReference/API_DeliveryChannel.html',
  },
  {
    rule: BackupOutsideMaintenanceWindow,
    info: 'A backup window meets the database maintenance window or automated backup window.',
    explanation: 'RDS refuses a backup window that overlaps the maintenance window; AWS Backup jobs that start within them wait or fail.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html',
  },
  {
    rule: FunctionLogGroupOwned,
    info: 'A Lambda function has no log group of ours in its logging configuration.',
    explanation: 'Lambda then creates /aws/lambda/<name> at run time, unencrypted and kept forever, which the cell\'s own Config rules report non-compliant.',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html',
  },
  {
    rule: ContainerMemoryLimit,
    info: 'An ECS container has no hard memory limit of its own, or one above the task\'s.',
    explanation: 'Without its own limit a container is bounded only by the task, and ECS cannot tell which container ran out of memory.',
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html',
  },
  {
    rule: FirehoseNotIntoObjectLockBucket,
    info: 'A Kinesis Data Firehose stream writes into an S3 bucket with Object Lock default retention.',
    explanation: 'S3 accepts a write into a bucket with default retention only with a Content-MD5 or checksum header, which Firehose does not document sending: every delivery would fail. Deliver into a bucket without default retention and replicate into the locked one.',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html',
  },
  {
    rule: NoDependencyCycle,
    info: 'A resource depends on itself through references and DependsOn.',
    explanation: 'CloudFormation refuses a template with a circular dependency before it creates anything; overrides on aws-cdk-lib resources can make one that synthesizes.',
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html',
  },
];

/** The rule id of a deploy-time check, as findings and acknowledgements name it. */
export function deploySafetyRuleId(rule: DeploySafetyRule): `DeploySafety-${string}` {
  return `${DEPLOY_SAFETY_PACK}-${rule.rule.name}`;
}

/**
 * Our deploy-time pack: known ways a template that passes every compliance pack still fails to
 * deploy into an empty account, or cannot be retried after a failed first deploy.
 */
export class DeploySafetyChecks extends NagPack {
  public readonly name = DEPLOY_SAFETY_PACK;

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = DEPLOY_SAFETY_PACK;
  }

  protected checkResource(node: CfnResource): void {
    for (const r of DEPLOY_SAFETY_RULES) {
      this.applyRule({ info: r.info, explanation: `${r.explanation} Source: ${r.source}`, level: NagMessageLevel.ERROR, rule: r.rule, node });
    }
  }
}
