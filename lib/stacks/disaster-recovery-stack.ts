import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { AccessLogBucket } from '../constructs/access-log-bucket';
import { AuditArchiveBucket } from '../constructs/audit-archive-bucket';
import { LockedBackupVault } from '../constructs/locked-backup-vault';
import { PlatformKey } from '../constructs/platform-key';
import { accessLogBucketName, auditArchiveBucketName, backupVaultName, keyAliasName, phiBucketPrefix } from '../naming';
import { CellStack, CellStackProps } from './cell-stack';

/**
 * The cell's resources in its disaster-recovery region (inside the same jurisdiction): the replica
 * of the audit archive and the keys that encrypt replicas. The primary region finds them by
 * deterministic names and alias ARNs derived from config, never by CDK cross-region references.
 */
export class DisasterRecoveryStack extends CellStack {
  /** The audit key in the DR region, same alias as in the primary region. */
  public readonly auditKey: PlatformKey;
  public readonly accessLogs: AccessLogBucket;
  public readonly auditArchive: AuditArchiveBucket;
  /** Receives a copy of every recovery point of the primary region's vault. */
  public readonly backupVault: LockedBackupVault;

  constructor(scope: Construct, id: string, props: CellStackProps) {
    super(scope, id, {
      description: `Disaster-recovery replicas of cell ${props.cell.id} in ${props.cell.drRegion}`,
      env: { account: props.cell.account, region: props.cell.drRegion },
      ...props,
    });

    this.auditKey = new PlatformKey(this, 'AuditKey', {
      alias: keyAliasName(this, 'audit'),
      description: `Encrypts the DR replica of the audit archive of cell ${this.cell.id}`,
      viaServices: ['s3'],
    });
    this.accessLogs = new AccessLogBucket(this, 'AccessLogs', {
      bucketName: accessLogBucketName(this, this.cell.drRegion),
      retentionDays: this.cell.retention.accessLogDays,
      acceptLogsFromBucketsPrefixed: phiBucketPrefix(this),
    });
    this.auditArchive = new AuditArchiveBucket(this, 'AuditArchive', {
      bucketName: auditArchiveBucketName(this, this.cell.drRegion),
      encryptionKey: this.auditKey,
      retentionDays: this.cell.retention.auditDays,
      coldAfterDays: this.cell.retention.archiveColdAfterDays,
      serverAccessLogsBucket: this.accessLogs,
    });
    const backupKey = new PlatformKey(this, 'BackupKey', {
      alias: keyAliasName(this, 'backup'),
      description: `Encrypts DR copies of AWS Backup recovery points of cell ${this.cell.id}`,
      // RDS snapshots are copied across regions by RDS itself, re-encrypted with this key.
      viaServices: ['backup', 'rds'],
    });
    this.backupVault = new LockedBackupVault(this, 'BackupVault', {
      backupVaultName: backupVaultName(this, this.cell.drRegion),
      encryptionKey: backupKey,
    });

    const isReplica =
      'This bucket is the disaster-recovery replica of the audit archive in the primary region; replicating the ' +
      'replica again would copy audit records to a third region for no recovery benefit.';
    acknowledge(this.auditArchive, 'HIPAA.Security-S3BucketReplicationEnabled', isReplica);
    acknowledge(this.auditArchive, 'NIST.800.53.R5-S3BucketReplicationEnabled', isReplica);
  }
}
