/**
 * Every AWS API call `npm run verify` makes, with the IAM action that authorizes it. All are reads of
 * configuration or status; none reads an object body, a log event or a secret value. The README lists
 * them; a test runs verify against a mocked account and fails on any call missing here.
 */
export const VERIFY_API_ACTIONS: Readonly<Record<string, string>> = {
  'STS.GetCallerIdentity': 'sts:GetCallerIdentity (needs no permission)',
  'CloudFormation.DescribeStacks': 'cloudformation:DescribeStacks',
  'CloudFormation.ListStackResources': 'cloudformation:ListStackResources',
  'CloudFormation.DescribeStackResource': 'cloudformation:DescribeStackResource',
  'CloudFormation.DetectStackDrift': 'cloudformation:DetectStackDrift',
  'CloudFormation.DescribeStackDriftDetectionStatus': 'cloudformation:DescribeStackDriftDetectionStatus',
  'CloudTrail.GetTrailStatus': 'cloudtrail:GetTrailStatus',
  'S3.GetObjectLockConfiguration': 's3:GetBucketObjectLockConfiguration',
  'S3.GetBucketReplication': 's3:GetReplicationConfiguration',
  'S3.ListObjectsV2': 's3:ListBucket',
  'S3.HeadObject': 's3:GetObject (metadata only, audit archive trail log files)',
  'S3.GetBucketEncryption': 's3:GetEncryptionConfiguration',
  'S3.GetBucketVersioning': 's3:GetBucketVersioning',
  'S3.GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  'S3.GetBucketLifecycleConfiguration': 's3:GetLifecycleConfiguration',
  'Firehose.DescribeDeliveryStream': 'firehose:DescribeDeliveryStream',
  'CloudWatch.GetMetricData': 'cloudwatch:GetMetricData',
  'CloudWatch.DescribeAlarms': 'cloudwatch:DescribeAlarms',
  'ConfigService.DescribeConfigurationRecorderStatus': 'config:DescribeConfigurationRecorderStatus',
  'GuardDuty.ListDetectors': 'guardduty:ListDetectors',
  'GuardDuty.GetDetector': 'guardduty:GetDetector',
  'SecurityHub.DescribeHub': 'securityhub:DescribeHub',
  'SecurityHub.GetEnabledStandards': 'securityhub:GetEnabledStandards',
  'SNS.ListSubscriptionsByTopic': 'sns:ListSubscriptionsByTopic',
  'RDS.DescribeDBInstances': 'rds:DescribeDBInstances',
  'Backup.ListBackupJobs': 'backup:ListBackupJobs',
  'Backup.ListCopyJobs': 'backup:ListCopyJobs',
  'Backup.DescribeBackupVault': 'backup:DescribeBackupVault',
  'Backup.ListRestoreJobs': 'backup:ListRestoreJobs',
  'ECS.DescribeServices': 'ecs:DescribeServices',
  'ECS.ListTasks': 'ecs:ListTasks',
  'ECS.DescribeTasks': 'ecs:DescribeTasks',
  'ElasticLoadBalancingV2.DescribeTargetHealth': 'elasticloadbalancing:DescribeTargetHealth',
  'KMS.DescribeKey': 'kms:DescribeKey',
};

/**
 * The actions above that neither SecurityAudit nor ViewOnlyAccess grants, so the auditor role gets
 * them (lib/stacks/access-stack.ts), limited to the cell's own stacks. Drift detection changes
 * nothing: CloudFormation reads each resource's configuration with the caller's permissions.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/detect-drift-stack.html
 */
export const VERIFY_ACTIONS_BEYOND_JOB_POLICIES = ['cloudformation:DetectStackDrift', 'cloudformation:DetectStackResourceDrift'] as const;
