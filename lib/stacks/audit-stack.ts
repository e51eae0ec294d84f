import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { AccessLogBucket } from '../constructs/access-log-bucket';
import { AuditArchiveBucket } from '../constructs/audit-archive-bucket';
import { ConfigHistoryBucket } from '../constructs/config-history-bucket';
import { EncryptedLogGroup } from '../constructs/encrypted-log-group';
import { PlatformKey } from '../constructs/platform-key';
import { replicateBucket, replicateToDisasterRecovery } from '../constructs/dr-replication';
import { ScopedRole } from '../constructs/scoped-role';
import { SiemDelivery } from '../constructs/siem-delivery';
import { SiemStagingBucket } from '../constructs/siem-staging-bucket';
import {
  accessLogBucketName,
  auditArchiveBucketName,
  configHistoryBucketName,
  keyAliasName,
  phiBucketPrefix,
  siemStagingBucketName,
  trailArn,
  trailName,
} from '../naming';
import { CellStack, CellStackProps } from './cell-stack';

export interface AuditStackProps extends CellStackProps {
  /** The cell's audit key in the primary region (KeysStack). */
  readonly auditKey: PlatformKey;
  /** Encrypts the SIEM delivery error log group. */
  readonly logsKey: kms.IKey;
  /** Encrypts the external SIEM's access key, if one is configured. */
  readonly secretsKey: kms.IKey;
}

/**
 * The cell's audit trail: the access-log bucket, the Object Lock audit archive replicated to the
 * DR region, and a CloudTrail trail that records management events and every read and write of
 * PHI objects, into the archive and into a CloudWatch Logs group kept for the audit retention.
 */
export class AuditStack extends CellStack {
  public readonly accessLogs: AccessLogBucket;
  public readonly auditArchive: AuditArchiveBucket;
  /** AWS Config history and snapshots: Config cannot deliver to a bucket with Object Lock default retention. */
  public readonly configHistory: ConfigHistoryBucket;
  public readonly trail: cloudtrail.CfnTrail;
  public readonly trailLogGroup: EncryptedLogGroup;
  /** Where Firehose writes SIEM copies; replicated into the primary and the DR archive. */
  public readonly siemStaging: SiemStagingBucket;
  /** Delivers audit-relevant log groups into the archives (and to an external SIEM, if configured). */
  public readonly siem: SiemDelivery;

  constructor(scope: Construct, id: string, props: AuditStackProps) {
    super(scope, id, { description: `Audit trail, audit archive and access logs of cell ${props.cell.id}`, ...props });
    const { retention } = this.cell;

    this.accessLogs = new AccessLogBucket(this, 'AccessLogs', {
      bucketName: accessLogBucketName(this, this.region),
      retentionDays: retention.accessLogDays,
      acceptLogsFromBucketsPrefixed: phiBucketPrefix(this),
    });
    this.auditArchive = new AuditArchiveBucket(this, 'AuditArchive', {
      bucketName: auditArchiveBucketName(this, this.region),
      encryptionKey: props.auditKey,
      retentionDays: retention.auditDays,
      coldAfterDays: retention.archiveColdAfterDays,
      serverAccessLogsBucket: this.accessLogs,
      // The trail writes audit records here during this stack's first create; they are kept whatever happens.
      keepOnFailedCreate: true,
    });
    acknowledge(
      this.auditArchive,
      'DeploySafety-FixedNameRetainExceptOnCreate[retained-after-failed-create]',
      'The trail of this stack writes audit records into the archive during the first create, under Object Lock in compliance mode: ' +
        'they can neither be deleted nor may they be lost, so the archive is kept even if that create rolls back. `npm run deploy` ' +
        'detects the rolled-back stack and prints the recovery steps (import the kept archive, or delete the empty stack and retry).',
    );
    this.replicateArchiveToDisasterRecovery(props.auditKey);

    const name = trailName(this);
    const thisTrail = trailArn(this);
    this.auditArchive.allowServiceWrite('cloudtrail.amazonaws.com', `cloudtrail/AWSLogs/${this.account}`, {
      StringEquals: { 'aws:SourceArn': thisTrail },
    });
    this.configHistory = new ConfigHistoryBucket(this, 'ConfigHistory', {
      bucketName: configHistoryBucketName(this, this.region),
      encryptionKey: props.auditKey,
      serverAccessLogsBucket: this.accessLogs,
      retentionDays: retention.auditDays,
    });

    this.trailLogGroup = new EncryptedLogGroup(this, 'TrailLogs', {
      logClass: 'audit',
      retention,
      encryptionKey: props.auditKey,
      // Receives audit records from the moment the trail exists, also during a create that later rolls back.
      keepOnFailedCreate: true,
    });
    const trailRole = new ScopedRole(this, 'TrailLogsRole', {
      description: 'Lets this cell\'s CloudTrail trail deliver events to its CloudWatch Logs group',
      // No condition: CloudTrail validates this role at CreateTrail and its documented trust has none
      // (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html).
      assumedBy: new iam.ServicePrincipal('cloudtrail.amazonaws.com'),
    });
    trailRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.trailLogGroup.logGroupArn}`],
      }),
    );

    this.trail = new cloudtrail.CfnTrail(this, 'Trail', {
      trailName: name,
      isLogging: true,
      // Records API activity in every region, so that activity outside the jurisdiction is seen too.
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      kmsKeyId: props.auditKey.keyArn,
      s3BucketName: this.auditArchive.bucketName,
      s3KeyPrefix: 'cloudtrail',
      cloudWatchLogsLogGroupArn: this.trailLogGroup.logGroupArn,
      cloudWatchLogsRoleArn: trailRole.roleArn,
      advancedEventSelectors: [
        {
          name: 'All management events',
          fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }],
        },
        {
          // Selected by name prefix, so that a tenant added later is covered without changing this stack.
          name: 'Reads and writes of every PHI object of this cell',
          fieldSelectors: [
            { field: 'eventCategory', equalTo: ['Data'] },
            { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
            { field: 'resources.ARN', startsWith: [`arn:${this.partition}:s3:::${phiBucketPrefix(this)}`] },
          ],
        },
      ],
    });
    this.trail.node.addDependency(this.auditArchive.policy!, trailRole);

    this.siemStaging = new SiemStagingBucket(this, 'SiemStaging', {
      bucketName: siemStagingBucketName(this, this.region),
      encryptionKey: props.auditKey,
      serverAccessLogsBucket: this.accessLogs,
    });
    acknowledge(
      this.siemStaging,
      'DeploySafety-FixedNameRetainExceptOnCreate[retained-after-failed-create]',
      'Firehose writes audit records into the staging bucket from the first minutes of this stack\'s first create, and they ' +
        'may not yet be replicated into the Object Lock archives, so the bucket is kept even if that create rolls back. `npm run ' +
        'deploy` detects the rolled-back stack and prints the recovery steps (import the kept buckets, or empty and delete them).',
    );
    this.replicateSiemStagingToArchives(props.auditKey);

    this.siem = new SiemDelivery(this, 'Siem', {
      stagingBucket: this.siemStaging,
      archiveKey: props.auditKey,
      logsKey: props.logsKey,
      retention,
      siem: this.cell.siem,
      secretsKey: props.secretsKey,
    });
    this.siem.subscribe(this.trailLogGroup, 'cloudtrail');
  }

  /**
   * Replicates every SIEM copy into the primary archive and, by a second rule, into the DR archive:
   * S3 does not replicate replicas again, so the archive's own rule would not carry them to the DR
   * region (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html).
   */
  private replicateSiemStagingToArchives(auditKey: PlatformKey): void {
    replicateBucket({
      source: this.siemStaging,
      sourceKey: auditKey,
      role: new ScopedRole(this, 'SiemStagingReplicationRole', {
        description: 'Replicates SIEM copies from the staging bucket into the Object Lock audit archives',
        // No condition: S3's documented replication trust has none; only this account can pass the role
        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html).
        assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
      }),
      objectLock: true,
      // The Detection stack alarms on failed replications of these rules.
      metrics: true,
      destinations: [
        { ruleId: 'siem-to-archive', bucketName: auditArchiveBucketName(this, this.region), region: this.region, key: auditKey },
        {
          ruleId: 'siem-to-dr-archive',
          bucketName: auditArchiveBucketName(this, this.cell.drRegion),
          region: this.cell.drRegion,
          key: { alias: keyAliasName(this, 'audit') },
        },
      ],
    });
    // The archive must exist (and accept the role's writes) before the first replication.
    this.siemStaging.node.addDependency(this.auditArchive);
  }

  /** Replicates every archive object to the Object Lock archive in the DR region, nowhere else. */
  private replicateArchiveToDisasterRecovery(auditKey: PlatformKey): void {
    replicateToDisasterRecovery({
      source: this.auditArchive,
      sourceKey: auditKey,
      destinationBucketName: auditArchiveBucketName(this, this.cell.drRegion),
      destinationRegion: this.cell.drRegion,
      destinationKeyAlias: keyAliasName(this, 'audit'),
      role: new ScopedRole(this, 'ArchiveReplicationRole', {
        description: 'Replicates the audit archive to its Object Lock replica in the DR region',
        // No condition: S3's documented replication trust has none; only this account can pass the role
        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html).
        assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
      }),
      ruleId: 'audit-archive-to-dr',
      objectLock: true,
    });
  }
}
