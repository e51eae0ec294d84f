import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Daily recovery points are kept 35 days, the longest automated-backup window RDS itself offers. */
export const BACKUP_RETENTION_DAYS = 35;

export interface LockedBackupVaultProps {
  /** A deterministic name from `backupVaultName()`: the primary region copies into the DR vault by name. */
  readonly backupVaultName: string;
  /** The cell's backup key in the vault's region. */
  readonly encryptionKey: kms.IKey;
  /** The only vaults recovery points may be copied to (the cell's DR vault); none for the DR vault itself. */
  readonly copyTargetArns: string[];
  /** The deploy path: the only principals that may change or remove the vault's access policy. */
  readonly deployPathRoleArns: string[];
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
      accessPolicy: vaultAccessPolicy(props),
      lockConfiguration: {
        minRetention: Duration.days(BACKUP_RETENTION_DAYS),
        maxRetention: Duration.days(3653),
        changeableFor: Duration.days(3),
      },
    });
  }
}

/**
 * Copies leave only for the named vaults (`backup:CopyTargets` on StartCopyJob), and only the deploy
 * path may replace this policy. https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbackup.html
 */
function vaultAccessPolicy(props: LockedBackupVaultProps): iam.PolicyDocument {
  const copyAnywhereElse =
    props.copyTargetArns.length > 0 ? { conditions: { 'ForAnyValue:ArnNotEquals': { 'backup:CopyTargets': props.copyTargetArns } } } : {};
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: props.copyTargetArns.length > 0 ? 'CopiesOnlyToTheDrVault' : 'NoCopiesOutOfTheDrVault',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['backup:StartCopyJob'],
        resources: ['*'],
        ...copyAnywhereElse,
      }),
      new iam.PolicyStatement({
        sid: 'OnlyTheDeployPathChangesThisPolicy',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['backup:PutBackupVaultAccessPolicy', 'backup:DeleteBackupVaultAccessPolicy', 'backup:PutBackupVaultNotifications', 'backup:DeleteBackupVaultNotifications'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': props.deployPathRoleArns } },
      }),
    ],
  });
}
