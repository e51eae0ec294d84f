import { DescribeBackupVaultCommand, ListBackupJobsCommand, ListCopyJobsCommand, ListRestoreJobsCommand } from '@aws-sdk/client-backup';
import { DescribeStackDriftDetectionStatusCommand, DescribeStackResourceCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeConfigurationRecorderStatusCommand } from '@aws-sdk/client-config-service';
import { DescribeServicesCommand, DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { GetDetectorCommand, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { DescribeHubCommand, GetEnabledStandardsCommand } from '@aws-sdk/client-securityhub';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { CHECK_FAMILIES, CheckResult, runChecks } from '../../lib/verify';
import { alertChecks } from '../../lib/verify/checks/alerts';
import { archiveChecks } from '../../lib/verify/checks/archive';
import { backupChecks } from '../../lib/verify/checks/backup';
import { databaseChecks } from '../../lib/verify/checks/database';
import { detectionChecks } from '../../lib/verify/checks/detection';
import { siemChecks } from '../../lib/verify/checks/siem';
import { stackChecks } from '../../lib/verify/checks/stacks';
import { tenantBucketChecks } from '../../lib/verify/checks/tenant-buckets';
import { trailChecks } from '../../lib/verify/checks/trail';
import { voiceChecks } from '../../lib/verify/checks/voice';
import { DIGEST, OFFBOARDING_TENANT, contextFor, expectationsOf, failures, healthyAccount, hoursAgo, keyArn, mocks, restoreJob, rows, run, verifyConfig } from './fixtures';

const expected = expectationsOf();
beforeEach(() => healthyAccount(expected));
afterAll(() => Object.values(mocks).forEach((m) => m.restore()));

/** The one failed row of a run, asserting that exactly the broken promise failed. */
function onlyFailure(results: readonly CheckResult[], check: RegExp): CheckResult {
  const failed = failures(results);
  expect(failed.map((f) => f.check)).toEqual([expect.stringMatching(check)]);
  return failed[0];
}

const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });

describe('a cell that keeps every promise', () => {
  test('passes every check of every family, in both regions, with nothing skipped', async () => {
    const ctx = contextFor(expected);
    const results = await runChecks(ctx, CHECK_FAMILIES);
    ctx.aws.destroy();
    expect(failures(results)).toEqual([]);
    expect(results.filter((r) => r.result === 'skip')).toEqual([]);
    expect(new Set(results.map((r) => r.region))).toEqual(new Set(['us-east-1', 'us-west-2']));
    // One row per stack, per clinic bucket, per archive, per vault: every promise is looked at.
    expect(rows(results, /^stack /)).toHaveLength(expected.stacks.length);
    expect(rows(results, /^clinic /)).toHaveLength(expected.tenantBuckets.length);
    expect(rows(results, /^vault lock /)).toHaveLength(2);
  });

  test('an access denial fails the row with the error name, and the other families still run', async () => {
    mocks.trail.on(GetTrailStatusCommand).rejects(awsError('AccessDeniedException', 'User is not authorized to perform: cloudtrail:GetTrailStatus'));
    const ctx = contextFor(expected);
    const results = await runChecks(ctx, CHECK_FAMILIES);
    ctx.aws.destroy();
    expect(onlyFailure(results, /^trail /).detail).toBe('could not be read: AccessDeniedException: User is not authorized to perform: cloudtrail:GetTrailStatus');
    expect(rows(results, /^database /).length).toBeGreaterThan(0);
  });
});

describe('stacks', () => {
  test('every stack is complete, protected and in sync', async () => {
    const results = await run(stackChecks, expected);
    expect(failures(results)).toEqual([]);
    expect(results[0].detail).toBe('UPDATE_COMPLETE, termination protection on, no drift');
  });

  test('fails a stack that does not exist', async () => {
    mocks.cfn.on(DescribeStacksCommand, { StackName: 'us-east-Voice' }).rejects(awsError('ValidationError', 'Stack with id us-east-Voice does not exist'));
    expect(onlyFailure(await run(stackChecks, expected), /us-east-Voice/).detail).toBe('not deployed: the stack does not exist');
  });

  test('fails a stack whose last update rolled back, and one without termination protection', async () => {
    mocks.cfn
      .on(DescribeStacksCommand, { StackName: 'us-east-Data' })
      .resolves({ Stacks: [{ StackName: 'us-east-Data', StackStatus: 'UPDATE_ROLLBACK_COMPLETE', EnableTerminationProtection: false, CreationTime: hoursAgo(1) }] });
    const failure = onlyFailure(await run(stackChecks, expected), /us-east-Data/);
    expect(failure.detail).toContain('UPDATE_ROLLBACK_COMPLETE');
    expect(failure.detail).toContain('termination protection off');
  });

  test('fails a drifted stack with the number of drifted resources', async () => {
    mocks.cfn.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'DRIFTED', DriftedStackResourceCount: 3 } as any);
    const results = await run(stackChecks, expected);
    expect(failures(results)).toHaveLength(expected.stacks.length);
    expect(results[0].detail).toContain('drifted: 3 resource(s) differ from the template');
  });

  test('fails when drift detection fails, with its reason', async () => {
    mocks.cfn.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_FAILED', DetectionStatusReason: 'Failed to detect drift on resource X' } as any);
    expect((await run(stackChecks, expected))[0].detail).toContain('drift detection failed: Failed to detect drift on resource X');
  });

  test('gives up on a drift detection at the time limit instead of polling forever', async () => {
    mocks.cfn.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_IN_PROGRESS' } as any);
    const sleep = jest.fn(async () => undefined);
    const results = await run(stackChecks, expected, { driftTimeoutMs: 60_000, pollIntervalMs: 10_000, sleep });
    expect(failures(results)).toHaveLength(expected.stacks.length);
    expect(results[0].detail).toContain('drift detection did not finish within 1 min');
    expect(sleep).toHaveBeenCalledTimes(6 * expected.stacks.length);
  });
});

describe('trail', () => {
  test('logging, delivering to S3 and CloudWatch Logs, digests hourly', async () => {
    const results = await run(trailChecks, expected);
    expect(results.map((r) => r.result)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(results.map((r) => r.check)).toEqual([
      'trail vp-us-east-trail logging',
      'trail vp-us-east-trail delivery to S3',
      'trail vp-us-east-trail delivery to CloudWatch Logs',
      'trail vp-us-east-trail digest files',
    ]);
  });

  test.each([
    ['a stopped trail', { IsLogging: false }, /logging$/, 'not logging'],
    ['an S3 delivery error', { LatestDeliveryError: 'AccessDenied' }, /delivery to S3$/, 'latest delivery error: AccessDenied'],
    ['a CloudWatch Logs delivery error', { LatestCloudWatchLogsDeliveryError: 'KMSKeyDisabled' }, /CloudWatch Logs$/, 'latest delivery error: KMSKeyDisabled'],
    ['digest files that stopped', { LatestDigestDeliveryTime: hoursAgo(5) }, /digest files$/, 'last digest file 5 h ago'],
    ['a digest delivery error', { LatestDigestDeliveryError: 'NoSuchBucket' }, /digest files$/, 'latest digest delivery error: NoSuchBucket'],
  ])('fails on %s', async (_, change, check, detail) => {
    mocks.trail.on(GetTrailStatusCommand).resolves({ IsLogging: true, LatestDigestDeliveryTime: hoursAgo(0.5), ...change });
    expect(onlyFailure(await run(trailChecks, expected), check).detail).toContain(detail);
  });
});

describe('audit archives', () => {
  test('both archives locked in COMPLIANCE mode for the configured retention; replication confirmed by object metadata', async () => {
    const results = await run(archiveChecks, expected);
    expect(failures(results)).toEqual([]);
    expect(results.map((r) => `${r.check}@${r.region}`)).toEqual([
      'audit archive vp-us-east-audit-111111111111-us-east-1 Object Lock@us-east-1',
      'audit archive vp-us-east-audit-111111111111-us-east-1 replication@us-east-1',
      'audit archive vp-us-east-audit-111111111111-us-west-2 Object Lock@us-west-2',
    ]);
    expect(results[1].detail).toContain('source COMPLETED, DR copy REPLICA');
    // Metadata only: HeadObject, never GetObject, and on trail log files only.
    const heads = mocks.s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.Key);
    expect(heads.every((k) => k!.startsWith('cloudtrail/AWSLogs/111111111111/CloudTrail/us-east-1/2026/12/02/'))).toBe(true);
  });

  test.each([
    ['GOVERNANCE mode', { Mode: 'GOVERNANCE', Days: 2192 }, 'GOVERNANCE mode'],
    ['a shorter retention', { Mode: 'COMPLIANCE', Days: 30 }, '30 days default retention'],
  ])('fails an archive with %s', async (_, retention, detail) => {
    mocks.s3
      .on(GetObjectLockConfigurationCommand, { Bucket: expected.archives[1].bucket })
      .resolves({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: retention as any } } });
    const failure = onlyFailure(await run(archiveChecks, expected), /us-west-2 Object Lock/);
    expect(failure.detail).toContain(detail);
    expect(failure.region).toBe('us-west-2');
  });

  test('fails an archive without Object Lock', async () => {
    mocks.s3.on(GetObjectLockConfigurationCommand, { Bucket: expected.archives[0].bucket }).resolves({ ObjectLockConfiguration: {} });
    expect(onlyFailure(await run(archiveChecks, expected), /us-east-1 Object Lock/).detail).toContain('Object Lock is not enabled');
  });

  test('fails when the replication rule to the DR archive is gone', async () => {
    mocks.s3.on(GetBucketReplicationCommand).resolves({ ReplicationConfiguration: { Role: 'r', Rules: [] } });
    expect(onlyFailure(await run(archiveChecks, expected), /replication/).detail).toBe(`no enabled replication rule to ${expected.archives[1].bucket}`);
  });

  test('fails when a settled trail log file did not replicate', async () => {
    mocks.s3.on(HeadObjectCommand).resolves({ ReplicationStatus: 'FAILED' });
    expect(onlyFailure(await run(archiveChecks, expected), /replication/).detail).toContain('has replication status FAILED');
  });

  test('fails when the DR copy is missing', async () => {
    mocks.s3.on(HeadObjectCommand, { Bucket: expected.archives[1].bucket }).rejects(awsError('NotFound'));
    expect(onlyFailure(await run(archiveChecks, expected), /replication/).detail).toContain('DR copy missing (NotFound)');
  });

  test('fails when there is no trail log file to judge replication by', async () => {
    mocks.s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    expect(onlyFailure(await run(archiveChecks, expected), /replication/).detail).toContain('no trail log file');
  });
});

describe('SIEM delivery', () => {
  test('every stream active and delivering into its prefix of the staging bucket; no delivery errors, by metric only', async () => {
    const results = await run(siemChecks, expected);
    expect(failures(results)).toEqual([]);
    expect(rows(results, /delivered objects$/)).toHaveLength(5);
    expect(rows(results, /delivery errors/)).toHaveLength(1);
    const prefixes = mocks.s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
    expect(prefixes).toContain('siem/cloudtrail/2026/12/02/');
    expect(prefixes).toContain('siem/cloudtrail/2026/12/01/');
    const metric = mocks.cw.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries![0].MetricStat!.Metric!;
    expect(metric).toMatchObject({ Namespace: 'AWS/Logs', MetricName: 'IncomingLogEvents' });
  });

  test('fails a stream that is not active', async () => {
    mocks.firehose.on(DescribeDeliveryStreamCommand).resolves({ DeliveryStreamDescription: { DeliveryStreamStatus: 'SUSPENDED' } as any });
    const failed = failures(await run(siemChecks, expected));
    expect(failed).toHaveLength(5);
    expect(failed[0].detail).toBe('status SUSPENDED');
  });

  test('fails a prefix that received nothing in the last day', async () => {
    mocks.s3.on(ListObjectsV2Command).callsFake(({ Prefix }) => ({ Contents: Prefix.startsWith('siem/waf/') ? [{ Key: `${Prefix}old.gz`, LastModified: hoursAgo(30) }] : [{ Key: `${Prefix}x.gz`, LastModified: hoursAgo(1) }] }));
    expect(onlyFailure(await run(siemChecks, expected), /delivered objects$/).detail).toBe(`no object in the last day under s3://${expected.siemStreams[0].bucket}/siem/waf/`);
  });

  test('fails when the delivery error log group received events, giving only their count', async () => {
    mocks.cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'errors', Values: [2, 0, 5] }] });
    expect(onlyFailure(await run(siemChecks, expected), /delivery errors/).detail).toBe('7 delivery error event(s) logged in the last day (count only; read them in CloudWatch Logs)');
  });
});

describe('detection services', () => {
  test('recorder recording with success, GuardDuty enabled, Security Hub with the templates\' standards', async () => {
    const results = await run(detectionChecks, expected);
    expect(results.map((r) => `${r.check}:${r.result}`)).toEqual(['AWS Config recorder:pass', 'GuardDuty:pass', 'Security Hub:pass']);
  });

  test.each([
    ['a recorder that stopped', () => mocks.config.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: false, lastStatus: 'Success' }] }), /AWS Config/, 'not recording'],
    ['a recorder whose last delivery failed', () => mocks.config.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Failure', lastErrorCode: 'AccessDenied' }] }), /AWS Config/, 'last status Failure'],
    ['no recorder', () => mocks.config.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [] }), /AWS Config/, 'no configuration recorder'],
    ['no GuardDuty detector', () => mocks.gd.on(ListDetectorsCommand).resolves({ DetectorIds: [] }), /GuardDuty/, 'GuardDuty is not enabled'],
    ['a suspended detector', () => mocks.gd.on(GetDetectorCommand).resolves({ Status: 'DISABLED', ServiceRole: 'r' }), /GuardDuty/, 'DISABLED'],
    ['Security Hub off', () => mocks.hub.on(DescribeHubCommand).rejects(awsError('InvalidAccessException')), /Security Hub/, 'not enabled'],
    ['a missing standard', () => mocks.hub.on(GetEnabledStandardsCommand).resolves({ StandardsSubscriptions: [] }), /Security Hub/, 'standards/nist-800-53/v/5.0.0'],
  ])('fails on %s', async (_, breakIt, check, detail) => {
    breakIt();
    expect(onlyFailure(await run(detectionChecks, expected), check).detail).toContain(detail);
  });

  test('skips all three, with the reason, when the organization runs them', async () => {
    const organization = expectationsOf(verifyConfig((raw) => (raw.cells[0].detection = { accountServices: 'organization' })));
    const results = await run(detectionChecks, organization);
    expect(results.map((r) => r.result)).toEqual(['skip', 'skip', 'skip']);
    expect(results[0].detail).toContain('detection.accountServices: organization');
    expect(mocks.gd.calls()).toHaveLength(0);
  });
});

describe('alerts', () => {
  test('every subscription confirmed; no alarm stuck', async () => {
    const results = await run(alertChecks, expected);
    expect(failures(results)).toEqual([]);
    // One row per region with alarms: the primary region's, and the DR region's alert-delivery alarms.
    const regions = [...new Set(expected.alarms.map((a) => a.stack.region))];
    expect(rows(results, /^alarms$/).map((r) => r.detail)).toEqual(
      regions.map((region) => expect.stringContaining(`${expected.alarms.filter((a) => a.stack.region === region).length} alarm(s)`)),
    );
  });

  test('fails a subscription pending confirmation, without printing the address', async () => {
    mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: 'security-alerts@example.com' }] });
    // Every alert topic (the primary region's and the DR region's) answers with the pending subscription.
    const failed = failures(await run(alertChecks, expected));
    expect(failed).toHaveLength(expected.alertTopics.length);
    for (const failure of failed) {
      expect(failure.check).toMatch(/alert topic/);
      expect(failure.detail).toContain('1 of 1 subscription(s) pending confirmation (email)');
      expect(failure.detail).not.toContain('@');
    }
  });

  test('fails a topic nobody subscribes to', async () => {
    mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    const failed = failures(await run(alertChecks, expected));
    expect(failed.map((f) => f.check)).toEqual(expected.alertTopics.map(() => expect.stringMatching(/alert topic/)));
    for (const failure of failed) expect(failure.detail).toContain('no subscription');
  });

  test.each(['ALARM', 'INSUFFICIENT_DATA'])('fails an alarm in %s for more than a day, not one that entered it an hour ago', async (state) => {
    // Alarms whose logical id is unique across regions: the mocked physical ids are made from it.
    const [stuck, fresh] = expected.alarms.filter((a) => expected.alarms.filter((b) => b.logicalId === a.logicalId).length === 1).map((a) => `phys-${a.logicalId}`);
    mocks.cw.on(DescribeAlarmsCommand).callsFake(({ AlarmNames }) => ({
      MetricAlarms: AlarmNames.map((AlarmName: string) => ({
        AlarmName,
        StateValue: AlarmName === stuck || AlarmName === fresh ? state : 'OK',
        StateUpdatedTimestamp: AlarmName === stuck ? hoursAgo(30) : hoursAgo(1),
      })),
    }));
    const failure = onlyFailure(await run(alertChecks, expected), /^alarms$/);
    expect(failure.detail).toBe(`${stuck} ${state} for 30 h`);
  });
});

describe('database', () => {
  test('available, Multi-AZ, encrypted with the database key, parameters applied', async () => {
    const results = await run(databaseChecks, expected);
    expect(results.map((r) => r.result)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(results[2].detail).toBe('encrypted with alias/vp-us-east/database');
  });

  const instance = (change: Record<string, unknown>) =>
    mocks.rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: expected.database.instanceId,
          DBInstanceStatus: 'available',
          MultiAZ: true,
          StorageEncrypted: true,
          KmsKeyId: keyArn(expected.database.keyAlias),
          DBParameterGroups: [{ DBParameterGroupName: 'params', ParameterApplyStatus: 'in-sync' }],
          ...change,
        },
      ],
    });

  test.each([
    ['not available', { DBInstanceStatus: 'storage-full' }, /available$/, 'status storage-full'],
    ['single-AZ', { MultiAZ: false }, /Multi-AZ$/, 'single-AZ'],
    ['encrypted with another key', { KmsKeyId: keyArn('alias/aws/rds') }, /encryption$/, 'not alias/vp-us-east/database'],
    ['not encrypted', { StorageEncrypted: false }, /encryption$/, 'storage not encrypted'],
    ['waiting for a reboot to apply force_ssl and pgaudit', { DBParameterGroups: [{ DBParameterGroupName: 'params', ParameterApplyStatus: 'pending-reboot' }] }, /parameters applied$/, 'params pending-reboot: reboot to apply rds.force_ssl and pgaudit'],
  ])('fails a database %s', async (_, change, check, detail) => {
    instance(change);
    expect(onlyFailure(await run(databaseChecks, expected), check).detail).toContain(detail);
  });

  test('fails a database that does not exist', async () => {
    mocks.rds.on(DescribeDBInstancesCommand).rejects(awsError('DBInstanceNotFoundFault'));
    expect(onlyFailure(await run(databaseChecks, expected), /database/).detail).toBe('not found');
  });
});

describe('backups and the restore test', () => {
  test('backup and DR copy within 26 hours, both vaults locked, last restore test within the 72-hour target', async () => {
    const results = await run(backupChecks, expected);
    expect(failures(results)).toEqual([]);
    expect(rows(results, /^restore test$/)[0].detail).toBe('last restore test started 10 d ago, restored in 3 h (target 72 h, met), cleanup SUCCESSFUL');
    expect(mocks.backup.commandCalls(ListCopyJobsCommand)[0].args[0].input.ByDestinationVaultArn).toBe('arn:aws:backup:us-west-2:111111111111:backup-vault:vp-us-east-backup-us-west-2');
  });

  test.each([
    ['a last backup older than 26 hours', () => mocks.backup.on(ListBackupJobsCommand).resolves({ BackupJobs: [{ State: 'COMPLETED', CreationDate: hoursAgo(31), CompletionDate: hoursAgo(30) }] }), /^backup into/, 'COMPLETED 30 h ago'],
    ['a last backup that failed', () => mocks.backup.on(ListBackupJobsCommand).resolves({ BackupJobs: [{ State: 'COMPLETED', CreationDate: hoursAgo(25), CompletionDate: hoursAgo(24) }, { State: 'FAILED', CreationDate: hoursAgo(2), StatusMessage: 'Insufficient privileges' }] }), /^backup into/, 'the last job ended FAILED: Insufficient privileges'],
    ['no backup at all', () => mocks.backup.on(ListBackupJobsCommand).resolves({ BackupJobs: [] }), /^backup into/, 'no finished job'],
    ['a last DR copy older than 26 hours', () => mocks.backup.on(ListCopyJobsCommand).resolves({ CopyJobs: [{ State: 'COMPLETED', CreationDate: hoursAgo(50), CompletionDate: hoursAgo(49) }] }), /^copy into/, 'COMPLETED 2 d 1 h ago'],
    ['an unlocked vault', () => mocks.backup.on(DescribeBackupVaultCommand, { BackupVaultName: 'vp-us-east-backup-us-west-2' }).resolves({ BackupVaultName: 'x', Locked: false }), /^vault lock vp-us-east-backup-us-west-2$/, 'not locked'],
    ['a restore test slower than the target', () => mocks.backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [restoreJob({ hours: 80, daysAgo: 12 })] }), /^restore test$/, 'restored in 3 d 8 h (target 72 h), cleanup SUCCESSFUL: it missed the 72 h restore target'],
    ['a failed restore test', () => mocks.backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [restoreJob({ hours: 1, daysAgo: 3, status: 'FAILED' })] }), /^restore test$/, 'ended FAILED'],
    ['a restore test older than a month', () => mocks.backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [restoreJob({ hours: 2, daysAgo: 38 })] }), /^restore test$/, 'the monthly test stopped'],
    ['no restore test by a plan in place for months', () => mocks.backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [restoreJob({ hours: 2, daysAgo: 3, plan: 'another_plan' })] }), /^restore test$/, 'has run no restore test in the last 40 days'],
  ])('fails on %s', async (_, breakIt, check, detail) => {
    breakIt();
    expect(onlyFailure(await run(backupChecks, expected), check).detail).toContain(detail);
  });

  test('skips the restore test, without failing, while a new plan has not reached its first monthly run', async () => {
    mocks.backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [] });
    mocks.cfn.on(DescribeStackResourceCommand).resolves({ StackResourceDetail: { LastUpdatedTimestamp: hoursAgo(24 * 5) } as any });
    const results = await run(backupChecks, expected);
    expect(failures(results)).toEqual([]);
    expect(rows(results, /^restore test$/)[0]).toMatchObject({ result: 'skip', detail: expect.stringContaining('first monthly restore test is still due') });
  });
});

describe('voice service', () => {
  test('desired tasks running on the configured digest behind healthy targets', async () => {
    const results = await run(voiceChecks, expected);
    expect(results.map((r) => r.result)).toEqual(['pass', 'pass', 'pass']);
    expect(results[1].detail).toBe(`all 2 running task(s) run ${DIGEST.slice(0, 19)}…`);
  });

  test('fails a service running fewer tasks than desired', async () => {
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [{ status: 'ACTIVE', desiredCount: 2, runningCount: 1, pendingCount: 1, loadBalancers: [{ targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/voice/0' }] }] });
    expect(onlyFailure(await run(voiceChecks, expected), /tasks$/).detail).toBe('1 running of 2 desired, 1 pending');
  });

  test('fails a task that runs another image', async () => {
    mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ containers: [{ imageDigest: DIGEST }] }, { containers: [{ imageDigest: `sha256:${'cd'.repeat(32)}` }] }] });
    expect(onlyFailure(await run(voiceChecks, expected), /image$/).detail).toContain('1 of 2 running task(s) do not run the configured digest');
  });

  test('fails an unhealthy target, with its reason', async () => {
    mocks.elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [{ Target: { Id: '10.10.1.10' }, TargetHealth: { State: 'unhealthy', Reason: 'Target.ResponseCodeMismatch' } }, { Target: { Id: '10.10.2.10' }, TargetHealth: { State: 'healthy' } }] });
    expect(onlyFailure(await run(voiceChecks, expected), /load balancer targets/).detail).toBe('1 of 2 target(s) not healthy: 10.10.1.10 unhealthy (Target.ResponseCodeMismatch)');
  });

  test('is skipped, with the reason, while the image digest is the placeholder', async () => {
    const placeholder = expectationsOf(verifyConfig((raw) => (raw.cells[0].voice.imageDigest = `sha256:${'0'.repeat(64)}`)));
    const results = await run(voiceChecks, placeholder);
    expect(results).toEqual([expect.objectContaining({ result: 'skip', detail: expect.stringContaining('placeholder') })]);
  });
});

describe('clinic buckets', () => {
  const offboardingReplica = () => expected.tenantBuckets.find((b) => b.tenantId === OFFBOARDING_TENANT && b.region === 'us-west-2')!;

  test('each bucket with its clinic key, versioned, private; the offboarding clinic\'s with its expiry', async () => {
    const results = await run(tenantBucketChecks, expected);
    expect(failures(results)).toEqual([]);
    expect(rows(results, new RegExp(offboardingReplica().bucket))[0].detail).toBe(
      `key alias/vp-us-east/tenant-${OFFBOARDING_TENANT}, versioned, public access blocked, expires 2027-03-16 (offboarding)`,
    );
  });

  test.each([
    ['another clinic\'s key', () => mocks.s3.on(GetBucketEncryptionCommand, { Bucket: offboardingReplica().bucket }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn('alias/vp-us-east/tenant-us-east-c001') } }] } }), 'not alias/vp-us-east/tenant-'],
    ['S3-managed encryption', () => mocks.s3.on(GetBucketEncryptionCommand, { Bucket: offboardingReplica().bucket }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }), 'default encryption AES256'],
    ['versioning suspended', () => mocks.s3.on(GetBucketVersioningCommand, { Bucket: offboardingReplica().bucket }).resolves({ Status: 'Suspended' }), 'versioning Suspended'],
    ['a public access block turned off', () => mocks.s3.on(GetPublicAccessBlockCommand, { Bucket: offboardingReplica().bucket }).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true } }), 'public access block off: BlockPublicPolicy'],
    ['the offboarding rule missing', () => mocks.s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: offboardingReplica().bucket }).rejects(awsError('NoSuchLifecycleConfiguration')), 'no enabled lifecycle rule expiring every object on 2027-03-16'],
  ])('fails a bucket with %s', async (_, breakIt, detail) => {
    breakIt();
    const failure = onlyFailure(await run(tenantBucketChecks, expected), new RegExp(offboardingReplica().bucket));
    expect(failure.detail).toContain(detail);
    expect(failure.region).toBe('us-west-2');
  });
});
