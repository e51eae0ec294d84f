import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Daily recovery points are kept 35 days, the longest automated-backup window RDS itself offers. */
export const BACKUP_RETENTION_DAYS = 35;

export interface LockedBackupVaultProps {
  /** A deterministic name from `backupVaultName()`: the primary region copies into the DR vault by name. */
  readonly backupVaultName: string;
  /** The cell's backup key in the vault's region. */
  readonly encryptionKey: kms.IKey;
}

/**
 * An AWS Backup vault under a compliance-mode vault lock: after 3 days nobody, root included, can
 * delete recovery points before their retention or remove the lock. The primary vault and its DR
 * copy target share this construct, so the copies always fit the DR vault's lock.
 */
export class LockedBackupVault extends backup.BackupVault {
  constructor(scope: Construct, id: string, props: LockedBackupVaultProps) {
    super(scope, id, {
      backupVaultName: props.backupVaultName,
      encryptionKey: props.encryptionKey,
      // No recovery point exists before the first scheduled backup, so a failed first create removes the
      // empty vault and the retry can create it by name (DeletionPolicy RetainExceptOnCreate).
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      lockConfiguration: {
        minRetention: Duration.days(BACKUP_RETENTION_DAYS),
        maxRetention: Duration.days(3653),
        changeableFor: Duration.days(3),
      },
    });
  }
}
