import { BackupClient, DescribeBackupVaultCommand, ListBackupJobsCommand, ListCopyJobsCommand, ListRestoreJobsCommand } from '@aws-sdk/client-backup';
import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient, DescribeConfigurationRecorderStatusCommand } from '@aws-sdk/client-config-service';
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { GetDetectorCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeHubCommand, GetEnabledStandardsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { PlatformConfig } from '../../lib/config';
import { readCloudAssembly } from '../../lib/evidence/assembly';
import { AwsAccess, CellExpectations, CheckFamily, CheckResult, VerifyContext, cellExpectations } from '../../lib/verify';
import { RawConfig, fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { Synthesized, synthesized } from '../helpers';

/**
 * A deployed cell as aws-sdk-client-mock answers for it: `healthyAccount()` makes every check pass,
 * and each test breaks exactly the one answer its failure mode is about. Every value is a placeholder.
 */

export const ACCOUNT = '111111111111';
export const NOW = new Date('2026-12-02T12:00:00.000Z');
export const DIGEST = `sha256:${'ab'.repeat(32)}`;
export const OFFBOARDING_TENANT = fixtureTenantId('us-east', 2);
const HOUR = 3_600_000;
export const hoursAgo = (h: number) => new Date(NOW.getTime() - h * HOUR);

/** One cell, two clinics (the second offboarding), a real image digest. */
export function verifyConfig(edit?: (raw: RawConfig) => void): PlatformConfig {
  return fixtureConfig({
    cells: 1,
    tenantsPerCell: 2,
    edit: (raw) => {
      raw.cells[0].voice.imageDigest = DIGEST;
      raw.tenants[1].offboarding = { terminationDate: '2027-03-15' };
      edit?.(raw);
    },
  });
}

export function synthesizedCell(config: PlatformConfig = verifyConfig()): Synthesized {
  return synthesized(config, { packs: false });
}

export function expectationsOf(config: PlatformConfig = verifyConfig()): CellExpectations {
  return cellExpectations(config, 'us-east', readCloudAssembly(synthesizedCell(config).outdir, { report: 'optional' }).stacks);
}

export const mocks = {
  sts: mockClient(STSClient),
  cfn: mockClient(CloudFormationClient),
  trail: mockClient(CloudTrailClient),
  s3: mockClient(S3Client),
  firehose: mockClient(FirehoseClient),
  cw: mockClient(CloudWatchClient),
  config: mockClient(ConfigServiceClient),
  gd: mockClient(GuardDutyClient),
  hub: mockClient(SecurityHubClient),
  sns: mockClient(SNSClient),
  rds: mockClient(RDSClient),
  backup: mockClient(BackupClient),
  ecs: mockClient(ECSClient),
  elb: mockClient(ElasticLoadBalancingV2Client),
  kms: mockClient(KMSClient),
};

/** The ARN KMS gives a key, from whatever names it: an alias resolves to a key named after it. */
export function keyArn(keyId: string): string {
  return keyId.startsWith('arn:aws:kms:') && keyId.includes(':key/') ? keyId : `arn:aws:kms:any:${ACCOUNT}:key/${keyId.replace(/^alias\//, '').replace(/\//g, '.')}`;
}

/** The physical id CloudFormation reports for a resource of the fixture: its logical id, prefixed. */
export function physical(logicalId: string): string {
  return `phys-${logicalId}`;
}

/** Every answer of a cell that keeps every promise of its templates. */
export function healthyAccount(expected: CellExpectations): void {
  for (const m of Object.values(mocks)) m.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/vp-us-east-auditor/auditor`, UserId: 'AROAEXAMPLE:auditor' });

  mocks.cfn.on(DescribeStacksCommand).callsFake(({ StackName }) => ({
    Stacks: [{ StackName, StackStatus: 'UPDATE_COMPLETE', EnableTerminationProtection: true, CreationTime: hoursAgo(24 * 90) }],
  }));
  mocks.cfn.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'drift-1' });
  mocks.cfn.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'IN_SYNC', StackId: 's', StackDriftDetectionId: 'drift-1', Timestamp: NOW });
  mocks.cfn.on(ListStackResourcesCommand).callsFake(({ StackName }) => {
    const stack = expected.stacks.find((s) => s.stackName === StackName);
    return {
      StackResourceSummaries: (stack?.template.resources ?? []).map((r) => ({
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: physical(r.logicalId),
        ResourceType: r.resource.Type,
        ResourceStatus: 'UPDATE_COMPLETE',
        LastUpdatedTimestamp: hoursAgo(24 * 90),
      })),
    };
  });
  mocks.cfn.on(DescribeStackResourceCommand).resolves({ StackResourceDetail: { LastUpdatedTimestamp: hoursAgo(24 * 90) } as any });

  mocks.trail.on(GetTrailStatusCommand).resolves({
    IsLogging: true,
    LatestDeliveryTime: hoursAgo(0.1),
    LatestCloudWatchLogsDeliveryTime: hoursAgo(0.05),
    LatestDigestDeliveryTime: hoursAgo(0.5),
  });

  const byBucket = (bucket: string | undefined) => expected.tenantBuckets.find((b) => b.bucket === bucket);
  mocks.s3.on(GetObjectLockConfigurationCommand).resolves({
    ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2192 } } },
  });
  mocks.s3.on(GetBucketReplicationCommand).callsFake(({ Bucket }) => {
    const archive = expected.archives.find((a) => a.bucket === Bucket);
    return { ReplicationConfiguration: { Role: 'r', Rules: [{ ID: 'audit-archive-to-dr', Status: 'Enabled', Destination: { Bucket: `arn:aws:s3:::${archive?.replicaBucket}` } }] } };
  });
  mocks.s3.on(ListObjectsV2Command).callsFake(({ Prefix }) => ({ Contents: [{ Key: `${Prefix}object-1.gz`, LastModified: hoursAgo(2), Size: 100 }] }));
  mocks.s3.on(HeadObjectCommand).callsFake(({ Bucket }) => ({ ReplicationStatus: Bucket.endsWith(expected.drRegion) ? 'REPLICA' : 'COMPLETED' }));
  mocks.s3.on(GetBucketEncryptionCommand).callsFake(({ Bucket }) => ({
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn(byBucket(Bucket)!.keyAlias) }, BucketKeyEnabled: true }],
    },
  }));
  mocks.s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  mocks.s3.on(GetPublicAccessBlockCommand).resolves({
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  });
  mocks.s3.on(GetBucketLifecycleConfigurationCommand).callsFake(({ Bucket }) => {
    const expiresOn = byBucket(Bucket)?.expiresOn;
    return {
      Rules: [
        { ID: 'retention', Status: 'Enabled', Expiration: { Days: 365 }, Filter: {} },
        ...(expiresOn ? [{ ID: 'offboarding', Status: 'Enabled', Expiration: { Date: new Date(expiresOn) }, Filter: {} }] : []),
      ],
    };
  });
  mocks.kms.on(DescribeKeyCommand).callsFake(({ KeyId }) => ({ KeyMetadata: { KeyId, Arn: keyArn(KeyId) } }));

  mocks.firehose.on(DescribeDeliveryStreamCommand).callsFake(({ DeliveryStreamName }) => ({
    DeliveryStreamDescription: { DeliveryStreamName, DeliveryStreamStatus: 'ACTIVE' },
  }));
  mocks.cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'errors', Values: [] }] });
  mocks.cw.on(DescribeAlarmsCommand).callsFake(({ AlarmNames }) => ({
    MetricAlarms: (AlarmNames ?? []).map((AlarmName: string) => ({ AlarmName, StateValue: 'OK', StateUpdatedTimestamp: hoursAgo(100) })),
  }));

  mocks.config.on(DescribeConfigurationRecorderStatusCommand).resolves({
    ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Success', lastStatusChangeTime: hoursAgo(1) }],
  });
  mocks.gd.on(ListDetectorsCommand).resolves({ DetectorIds: ['detector-1'] });
  mocks.gd.on(GetDetectorCommand).resolves({ Status: 'ENABLED', ServiceRole: 'r' });
  mocks.hub.on(DescribeHubCommand).resolves({ HubArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:hub/default` });
  mocks.hub.on(GetEnabledStandardsCommand).resolves({
    StandardsSubscriptions: (expected.detection?.standards ?? []).map((StandardsArn, i) => ({
      StandardsArn,
      StandardsSubscriptionArn: `sub-${i}`,
      StandardsInput: {},
      StandardsStatus: 'READY',
    })),
  });
  mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [{ SubscriptionArn: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts:0000`, Protocol: 'email', Endpoint: 'security-alerts@example.com' }],
  });

  mocks.rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [
      {
        DBInstanceIdentifier: expected.database.instanceId,
        DBInstanceStatus: 'available',
        MultiAZ: true,
        SecondaryAvailabilityZone: 'us-east-1b',
        StorageEncrypted: true,
        KmsKeyId: keyArn(expected.database.keyAlias),
        DBParameterGroups: [{ DBParameterGroupName: 'vp-us-east-db-params', ParameterApplyStatus: 'in-sync' }],
      },
    ],
  });

  mocks.backup.on(ListBackupJobsCommand).resolves({ BackupJobs: [{ BackupJobId: 'b-1', State: 'COMPLETED', CreationDate: hoursAgo(7), CompletionDate: hoursAgo(6.5) }] });
  mocks.backup.on(ListCopyJobsCommand).resolves({ CopyJobs: [{ CopyJobId: 'c-1', State: 'COMPLETED', CreationDate: hoursAgo(6.4), CompletionDate: hoursAgo(6) }] });
  mocks.backup.on(DescribeBackupVaultCommand).callsFake(({ BackupVaultName }) => ({
    BackupVaultName,
    Locked: true,
    MinRetentionDays: 35,
    LockDate: hoursAgo(24 * 80),
  }));
  mocks.backup.on(ListRestoreJobsCommand).resolves({
    RestoreJobs: [restoreJob({ hours: 3, daysAgo: 10 })],
  });

  mocks.ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: expected.voice!.service,
        status: 'ACTIVE',
        desiredCount: 2,
        runningCount: 2,
        pendingCount: 0,
        loadBalancers: [{ targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/voice/0123456789abcdef`, containerName: 'voice', containerPort: 8080 }],
      },
    ],
  });
  mocks.ecs.on(ListTasksCommand).resolves({ taskArns: ['task-1', 'task-2'] });
  mocks.ecs.on(DescribeTasksCommand).resolves({
    tasks: ['task-1', 'task-2'].map((taskArn) => ({ taskArn, lastStatus: 'RUNNING', containers: [{ name: 'voice', imageDigest: DIGEST }] })),
  });
  mocks.elb.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: [
      { Target: { Id: '10.10.1.10', Port: 8080 }, TargetHealth: { State: 'healthy' } },
      { Target: { Id: '10.10.2.10', Port: 8080 }, TargetHealth: { State: 'healthy' } },
    ],
  });
}

/** A restore job of the cell's restore testing plan. */
export function restoreJob({ hours, daysAgo, status = 'COMPLETED', plan = 'vp_us_east_database_restore_test' }: { hours: number; daysAgo: number; status?: string; plan?: string }) {
  const created = hoursAgo(daysAgo * 24);
  return {
    RestoreJobId: `restore-${daysAgo}`,
    Status: status as any,
    CreationDate: created,
    CompletionDate: new Date(created.getTime() + hours * HOUR),
    ResourceType: 'RDS',
    CreatedBy: { RestoreTestingPlanArn: `arn:aws:backup:us-east-1:${ACCOUNT}:restore-testing-plan:${plan}-1a2b3c`, RestoreTestingPlanVersion: '1' },
    DeletionStatus: 'SUCCESSFUL' as any,
  };
}

/** A run context on the fixture clock; drift detection polls without waiting. */
export function contextFor(expected: CellExpectations, overrides: Partial<VerifyContext> = {}): VerifyContext {
  return { expected, aws: new AwsAccess(), now: NOW, driftTimeoutMs: 30_000, pollIntervalMs: 10_000, sleep: async () => undefined, ...overrides };
}

/** Runs one family and returns its rows. */
export async function run(family: CheckFamily, expected: CellExpectations, overrides: Partial<VerifyContext> = {}): Promise<CheckResult[]> {
  const ctx = contextFor(expected, overrides);
  try {
    return await family.run(ctx);
  } finally {
    ctx.aws.destroy();
  }
}

/** The rows whose check matches. */
export function rows(results: readonly CheckResult[], check: RegExp): CheckResult[] {
  return results.filter((r) => check.test(r.check));
}

/** The failed rows only. */
export function failures(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.result === 'fail');
}
