import { CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as config from 'aws-cdk-lib/aws-config';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance } from 'cdk-nag';
import { BackupOutsideMaintenanceWindow } from '../../../lib/compliance/rules/deploy-safety/backup-outside-maintenance-window';
import { ConfigDeliveryKeyIsKeyArn } from '../../../lib/compliance/rules/deploy-safety/config-delivery-key-is-key-arn';
import { ConfigRecorderAndChannelTogether } from '../../../lib/compliance/rules/deploy-safety/config-recorder-and-channel-together';
import { ContainerMemoryLimit } from '../../../lib/compliance/rules/deploy-safety/container-memory-limit';
import { DatabaseEngineVersionPolicy } from '../../../lib/compliance/rules/deploy-safety/database-engine-version-policy';
import { FirehoseNotIntoObjectLockBucket } from '../../../lib/compliance/rules/deploy-safety/firehose-not-into-object-lock';
import { FixedNameRetainExceptOnCreate } from '../../../lib/compliance/rules/deploy-safety/fixed-name-retain-except-on-create';
import { FunctionLogGroupOwned } from '../../../lib/compliance/rules/deploy-safety/function-log-group-owned';
import { NoDependencyCycle } from '../../../lib/compliance/rules/deploy-safety/no-dependency-cycle';
import { ServiceTrustConditionsDocumented } from '../../../lib/compliance/rules/deploy-safety/service-trust-conditions-documented';
import { bareStack, failuresOnOurCell, verdictsOnOurCell } from './helpers';

const COMPLIANT = NagRuleCompliance.COMPLIANT;

describe('DeploySafety-ConfigRecorderAndChannelTogether', () => {
  function configShape(wire: (parts: { recorder: config.CfnConfigurationRecorder; channel: config.CfnDeliveryChannel; rule: config.ManagedRule }) => void) {
    const { app, stack } = bareStack();
    const recorder = new config.CfnConfigurationRecorder(stack, 'Recorder', { roleArn: 'arn:aws:iam::111111111111:role/x' });
    const channel = new config.CfnDeliveryChannel(stack, 'Channel', { s3BucketName: 'config-history' });
    const rule = new config.ManagedRule(stack, 'Rule', { identifier: 'S3_BUCKET_VERSIONING_ENABLED' });
    wire({ recorder, channel, rule });
    app.synth();
    return { recorder, channel, rule: rule.node.defaultChild as CfnResource };
  }

  test('fails a delivery channel that waits for the recorder, and rules that wait for neither', () => {
    const { channel, rule } = configShape(({ recorder, channel }) => channel.node.addDependency(recorder));
    expect(ConfigRecorderAndChannelTogether(channel)).toEqual(['channel-waits-for-recorder']);
    expect(ConfigRecorderAndChannelTogether(rule)).toEqual(['rule-before-recorder', 'rule-before-channel']);
  });

  test('passes the recorder and channel created together with rules that wait for both', () => {
    const { recorder, channel, rule } = configShape(({ recorder, channel, rule }) => rule.node.addDependency(recorder, channel));
    for (const r of [recorder, channel, rule]) expect(ConfigRecorderAndChannelTogether(r)).toBe(COMPLIANT);
  });

  test('passes our Detection stack: recorder, channel and every Config rule', () => {
    const verdicts = verdictsOnOurCell(ConfigRecorderAndChannelTogether);
    expect(Object.keys(verdicts)).toEqual(expect.arrayContaining(['us-east/Detection/ConfigRecorder', 'us-east/Detection/ConfigDeliveryChannel']));
    expect(Object.keys(verdicts).filter((p) => p.includes('/ConfigRules/')).length).toBeGreaterThan(20);
    expect(failuresOnOurCell(ConfigRecorderAndChannelTogether)).toEqual({});
  });
});

describe('DeploySafety-ServiceTrustConditionsDocumented', () => {
  test('fails a CloudTrail log role with an aws:SourceArn condition, and a condition on an undocumented service', () => {
    const { stack } = bareStack();
    const trail = new iam.Role(stack, 'TrailRole', {
      assumedBy: new iam.ServicePrincipal('cloudtrail.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceArn': 'arn:aws:cloudtrail:us-east-1:111111111111:trail/t' } } }),
    });
    const other = new iam.Role(stack, 'Other', {
      assumedBy: new iam.ServicePrincipal('example.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': '111111111111' } } }),
    });
    expect(ServiceTrustConditionsDocumented(trail.node.defaultChild as CfnResource)).toEqual(['cloudtrail.amazonaws.com:aws:SourceArn']);
    expect(ServiceTrustConditionsDocumented(other.node.defaultChild as CfnResource)).toEqual(['example.amazonaws.com:undocumented-service:aws:SourceAccount']);
  });

  test('fails S3 replication and AWS Backup roles with aws:SourceAccount, which their documented trust does not use', () => {
    const { stack } = bareStack();
    for (const service of ['s3.amazonaws.com', 'backup.amazonaws.com']) {
      const role = new iam.Role(stack, service, {
        assumedBy: new iam.ServicePrincipal(service, { conditions: { StringEquals: { 'aws:SourceAccount': '111111111111' } } }),
      });
      expect(ServiceTrustConditionsDocumented(role.node.defaultChild as CfnResource)).toEqual([`${service}:aws:SourceAccount`]);
    }
  });

  test('passes every role of our cell, trail, replication, backup, monitoring and Firehose roles included', () => {
    const verdicts = verdictsOnOurCell(ServiceTrustConditionsDocumented);
    for (const role of ['us-east/Audit/TrailLogsRole/Resource', 'us-east/Data/BackupRole/Resource', 'us-east/Data/EnhancedMonitoringRole/Resource', 'us-east/Audit/Siem/DeliveryRole/Resource']) {
      expect([role, verdicts[role]]).toEqual([role, COMPLIANT]);
    }
    expect(failuresOnOurCell(ServiceTrustConditionsDocumented)).toEqual({});
  });
});

describe('DeploySafety-FixedNameRetainExceptOnCreate', () => {
  test('fails a named bucket and a named log group kept after a failed create, not an unnamed one', () => {
    const { stack } = bareStack();
    const bucket = new s3.Bucket(stack, 'Named', { bucketName: 'vp-us-east-named', removalPolicy: RemovalPolicy.RETAIN });
    const group = new logs.LogGroup(stack, 'Waf', { logGroupName: 'aws-waf-logs-x', removalPolicy: RemovalPolicy.RETAIN });
    const unnamed = new s3.Bucket(stack, 'Unnamed', { removalPolicy: RemovalPolicy.RETAIN });
    expect(FixedNameRetainExceptOnCreate(bucket.node.defaultChild as CfnResource)).toEqual(['retained-after-failed-create']);
    expect(FixedNameRetainExceptOnCreate(group.node.defaultChild as CfnResource)).toEqual(['retained-after-failed-create']);
    expect(FixedNameRetainExceptOnCreate(unnamed.node.defaultChild as CfnResource)).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });

  test('passes a named bucket with RetainExceptOnCreate', () => {
    const { stack } = bareStack();
    const bucket = new s3.Bucket(stack, 'Named', { bucketName: 'vp-us-east-named', removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
    expect(FixedNameRetainExceptOnCreate(bucket.node.defaultChild as CfnResource)).toBe(COMPLIANT);
  });

  test('in our cell, fails only the audit archive, the SIEM staging bucket and the database, which are acknowledged because they keep data or cannot be deleted', () => {
    expect(Object.keys(failuresOnOurCell(FixedNameRetainExceptOnCreate)).sort()).toEqual([
      'us-east/Audit/AuditArchive/Resource',
      'us-east/Audit/SiemStaging/Resource',
      'us-east/Data/Database/Resource',
    ]);
    const verdicts = verdictsOnOurCell(FixedNameRetainExceptOnCreate);
    for (const named of ['us-east/Data/EnhancedMonitoringLogs/Resource', 'us-east/Voice/WafLogs/Resource', 'us-east/Data/BackupVault/Resource', 'us-east/Registry/Repository/Resource']) {
      expect([named, verdicts[named]]).toEqual([named, COMPLIANT]);
    }
  });
});

describe('DeploySafety-DatabaseEngineVersionPolicy', () => {
  const instance = (version: rds.PostgresEngineVersion, autoMinorVersionUpgrade: boolean) => {
    const { stack } = bareStack();
    const db = new rds.CfnDBInstance(stack, 'Db', {
      engine: 'postgres',
      engineVersion: rds.DatabaseInstanceEngine.postgres({ version }).engineVersion?.fullVersion,
      autoMinorVersionUpgrade,
      dbInstanceClass: 'db.t4g.micro',
    });
    return DatabaseEngineVersionPolicy(db);
  };

  test('fails a pinned minor version with automatic minor upgrades on', () => {
    expect(instance(rds.PostgresEngineVersion.VER_17_5, true)).toEqual(['minor-version-pinned-with-auto-upgrade']);
  });

  test('passes a major version with upgrades on, and a pinned minor with upgrades off', () => {
    expect(instance(rds.PostgresEngineVersion.of('17', '17'), true)).toBe(COMPLIANT);
    expect(instance(rds.PostgresEngineVersion.VER_17_5, false)).toBe(COMPLIANT);
  });

  test('passes our database', () => {
    expect(verdictsOnOurCell(DatabaseEngineVersionPolicy)).toEqual({ 'us-east/Data/Database/Resource': COMPLIANT });
  });
});

describe('DeploySafety-ConfigDeliveryKeyIsKeyArn', () => {
  test('fails a delivery channel given a KMS alias ARN', () => {
    const { stack } = bareStack();
    const channel = new config.CfnDeliveryChannel(stack, 'Channel', { s3BucketName: 'b', s3KmsKeyArn: 'arn:aws:kms:us-east-1:111111111111:alias/vp/us-east/audit' });
    expect(ConfigDeliveryKeyIsKeyArn(channel)).toEqual(['alias-instead-of-key-arn']);
  });

  test('passes our delivery channel, which names the audit key by ARN', () => {
    expect(verdictsOnOurCell(ConfigDeliveryKeyIsKeyArn)).toEqual({
      'us-east/Detection/ConfigDeliveryChannel': COMPLIANT,
      'us-east/DisasterRecovery/ConfigDeliveryChannel': COMPLIANT,
    });
  });
});

describe('DeploySafety-BackupOutsideMaintenanceWindow', () => {
  function planAt(hour: number) {
    const { stack } = bareStack();
    new rds.CfnDBInstance(stack, 'Db', {
      dbInstanceClass: 'db.t4g.micro',
      engine: 'postgres',
      preferredBackupWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
    });
    const plan = new backup.BackupPlan(stack, 'Plan', {
      backupPlanRules: [new backup.BackupPlanRule({ ruleName: 'daily', scheduleExpression: events.Schedule.cron({ minute: '0', hour: String(hour) }), startWindow: Duration.hours(1) })],
    });
    return BackupOutsideMaintenanceWindow(plan.node.defaultChild as CfnResource);
  }

  test('fails the old plan: daily at 05:00 with a one-hour start window against Sunday 04:30-05:30', () => {
    expect(planAt(5)).toEqual(['daily:meets-maintenance-window']);
  });

  test('fails a plan that starts within an hour of the automated backup window', () => {
    expect(planAt(2)).toEqual(['daily:meets-automated-backup-window']);
  });

  test('fails a database whose automated backup window overlaps its maintenance window', () => {
    const { stack } = bareStack();
    const db = new rds.CfnDBInstance(stack, 'Db', {
      dbInstanceClass: 'db.t4g.micro',
      engine: 'postgres',
      preferredBackupWindow: '04:00-05:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
    });
    expect(BackupOutsideMaintenanceWindow(db)).toEqual(['automated-backup-in-maintenance-window']);
  });

  test('passes a plan at midnight, and our database and plan', () => {
    expect(planAt(0)).toBe(COMPLIANT);
    const verdicts = verdictsOnOurCell(BackupOutsideMaintenanceWindow);
    expect(verdicts).toEqual({ 'us-east/Data/Database/Resource': COMPLIANT, 'us-east/Data/BackupPlan/Resource': COMPLIANT });
  });
});

describe('DeploySafety-FunctionLogGroupOwned', () => {
  test('fails a function without a log group in its logging configuration', () => {
    const { stack } = bareStack();
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=()=>1') });
    expect(FunctionLogGroupOwned(fn.node.defaultChild as CfnResource)).toEqual(['log-group-created-at-run-time']);
  });

  test('passes every function of our cell (the default-security-group provider, the database migrations, the credential broker), each logging to our group', () => {
    expect(verdictsOnOurCell(FunctionLogGroupOwned)).toEqual({
      'us-east/Network/Custom::VpcRestrictDefaultSGCustomResourceProvider/Handler': COMPLIANT,
      'us-east/Data/Migrations/Function/Resource': COMPLIANT,
      'us-east/Voice/CredentialBroker/Function/Resource': COMPLIANT,
    });
  });
});

describe('DeploySafety-ContainerMemoryLimit', () => {
  test('fails a container without a hard memory limit of its own', () => {
    const { stack } = bareStack();
    const task = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 512, memoryLimitMiB: 1024 });
    task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('example/app') });
    expect(ContainerMemoryLimit(task.node.defaultChild as CfnResource)).toEqual(['app:no-hard-memory-limit']);
  });

  test('passes our voice task, whose container has the task memory as its limit', () => {
    expect(verdictsOnOurCell(ContainerMemoryLimit)).toEqual({ 'us-east/Voice/Task/Resource': COMPLIANT });
  });
});

describe('DeploySafety-NoDependencyCycle', () => {
  test('fails a role whose managed policy names the role it is attached to (the shape a property override made)', () => {
    const { stack } = bareStack();
    const role = new iam.CfnRole(stack, 'Role', { assumeRolePolicyDocument: { Statement: [] } });
    const policy = new iam.CfnManagedPolicy(stack, 'Policy', { policyDocument: { Statement: [] }, roles: [role.ref] });
    role.addPropertyOverride('ManagedPolicyArns', [policy.ref]);
    expect(NoDependencyCycle(role)).toEqual(['circular-dependency']);
    expect(NoDependencyCycle(policy)).toEqual(['circular-dependency']);
  });

  test('passes the same policy attached only through its Roles, and every resource of our cell', () => {
    const { stack } = bareStack();
    const role = new iam.CfnRole(stack, 'Role', { assumeRolePolicyDocument: { Statement: [] } });
    const policy = new iam.CfnManagedPolicy(stack, 'Policy', { policyDocument: { Statement: [] }, roles: [role.ref] });
    expect([NoDependencyCycle(role), NoDependencyCycle(policy)]).toEqual([COMPLIANT, COMPLIANT]);
    expect(Object.keys(verdictsOnOurCell(NoDependencyCycle)).length).toBeGreaterThan(100);
    expect(failuresOnOurCell(NoDependencyCycle)).toEqual({});
  });
});

describe('DeploySafety-FirehoseNotIntoObjectLockBucket', () => {
  function streamInto(bucket: s3.Bucket, backupBucket?: s3.Bucket) {
    const stack = bucket.stack;
    return new firehose.CfnDeliveryStream(stack, 'Stream', {
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: 'arn:aws:iam::111111111111:role/delivery',
        ...(backupBucket ? { s3BackupMode: 'Enabled', s3BackupConfiguration: { bucketArn: backupBucket.bucketArn, roleArn: 'arn:aws:iam::111111111111:role/delivery' } } : {}),
      },
    });
  }

  test('fails a stream into a bucket with Object Lock default retention, also as its backup destination', () => {
    const { stack } = bareStack();
    const locked = new s3.Bucket(stack, 'Locked', { objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(2192)) });
    expect(FirehoseNotIntoObjectLockBucket(streamInto(locked))).toEqual(['object-lock-destination:Broken/Locked/Resource']);
    const { stack: other } = bareStack();
    const plain = new s3.Bucket(other, 'Plain');
    const lockedBackup = new s3.Bucket(other, 'Locked', { objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(1)) });
    expect(FirehoseNotIntoObjectLockBucket(streamInto(plain, lockedBackup))).toEqual(['object-lock-destination:Broken/Locked/Resource']);
  });

  test('passes a stream into a bucket with Object Lock enabled but no default retention', () => {
    const { stack } = bareStack();
    const lockable = new s3.Bucket(stack, 'Lockable', { objectLockEnabled: true });
    expect(FirehoseNotIntoObjectLockBucket(streamInto(lockable))).toEqual(COMPLIANT);
  });

  test('passes our SIEM streams, which write into the staging bucket', () => {
    const verdicts = verdictsOnOurCell(FirehoseNotIntoObjectLockBucket);
    expect(Object.keys(verdicts).length).toBeGreaterThanOrEqual(4);
    expect(Object.values(verdicts).every((v) => v === COMPLIANT)).toBe(true);
  });
});
