import { Construct } from 'constructs';
import { PlatformKey } from '../constructs/platform-key';
import { databaseKeyUserArns, keyAliasName, trailArn } from '../naming';
import { CellStack, CellStackProps } from './cell-stack';

/**
 * The cell's customer-managed keys, one per data class, so that each key policy names only the
 * services that hold that class of data. Keys live in their own stack because they outlive
 * everything they encrypt.
 */
export class KeysStack extends CellStack {
  /** CloudWatch Logs of every operational and security log group in the cell. */
  public readonly logs: PlatformKey;
  /** The audit trail: CloudTrail, the audit archive and its log delivery. */
  public readonly audit: PlatformKey;
  /** The database storage, its snapshots and Performance Insights. */
  public readonly database: PlatformKey;
  /** AWS Backup recovery points. */
  public readonly backup: PlatformKey;
  /** Secrets Manager secrets: database credentials, provider API keys. */
  public readonly secrets: PlatformKey;

  constructor(scope: Construct, id: string, props: CellStackProps) {
    super(scope, id, {
      description: `Customer-managed KMS keys per data class for cell ${props.cell.id}`,
      ...props,
    });
    const alias = (keyClass: string) => keyAliasName(this, keyClass);

    this.logs = new PlatformKey(this, 'LogsKey', {
      alias: alias('logs'),
      description: `Encrypts CloudWatch Logs of cell ${this.cell.id}`,
      allowCloudWatchLogs: true,
    });
    this.audit = new PlatformKey(this, 'AuditKey', {
      alias: alias('audit'),
      description: `Encrypts the audit trail and audit archive of cell ${this.cell.id}`,
      protectFromDisabling: true,
      allowCloudWatchLogs: true,
      viaServices: ['s3', 'firehose'],
    });
    // CloudTrail encrypts log files for this cell's trail only; AWS Config writes snapshots to the archive.
    const thisTrail = trailArn(this);
    this.audit.allowServicePrincipal('CloudTrailEncryptsThisTrail', 'cloudtrail.amazonaws.com', ['kms:GenerateDataKey*'], {
      StringEquals: { 'aws:SourceArn': thisTrail },
      StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${this.partition}:cloudtrail:*:${this.account}:trail/*` },
    });
    this.audit.allowServicePrincipal('CloudTrailDescribesKey', 'cloudtrail.amazonaws.com', ['kms:DescribeKey'], {
      StringEquals: { 'aws:SourceArn': thisTrail },
    });
    this.audit.allowServicePrincipal('ConfigWritesSnapshots', 'config.amazonaws.com', ['kms:GenerateDataKey*', 'kms:Decrypt']);

    this.database = new PlatformKey(this, 'DatabaseKey', {
      alias: alias('database'),
      description: `Encrypts database storage, snapshots and Performance Insights of cell ${this.cell.id}`,
      viaServices: ['rds'],
      viaServicePrincipalArns: databaseKeyUserArns(this),
      // Database storage and snapshots are PHI as much as the buckets are.
      protectFromDisabling: true,
    });
    this.backup = new PlatformKey(this, 'BackupKey', {
      alias: alias('backup'),
      description: `Encrypts AWS Backup recovery points of cell ${this.cell.id}`,
      protectFromDisabling: true,
      viaServices: ['backup'],
      viaServicePrincipalArns: databaseKeyUserArns(this),
    });
    this.secrets = new PlatformKey(this, 'SecretsKey', {
      alias: alias('secrets'),
      description: `Encrypts Secrets Manager secrets of cell ${this.cell.id}`,
      viaServices: ['secretsmanager'],
    });
  }
}
