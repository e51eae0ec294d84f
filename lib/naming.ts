import { CellConfig, PlatformConfig } from './config';

/**
 * Deterministic names, derived from config only. Resources in a cell's DR region are found by
 * these names, never by CDK cross-region references, and the audit trail selects PHI buckets by
 * their prefix, so that a tenant added later is covered without touching the audit stack.
 *
 * Length budget (S3: 63 characters): platform id <= 6, cell id <= 12, tenant id <= 18, account 12.
 */
export interface CellNaming {
  readonly platform: PlatformConfig['platform'];
  readonly cell: CellConfig;
}

/** `<platform>-<cell>`, the prefix of every named resource of a cell. */
export function cellPrefix({ platform, cell }: CellNaming): string {
  return `${platform.id}-${cell.id}`;
}

/** Every PHI bucket of a cell, primary and DR, starts with this. */
export function phiBucketPrefix(naming: CellNaming): string {
  return `${cellPrefix(naming)}-phi-`;
}

/** A tenant's PHI bucket: `kind` is `rec` (call recordings) or `txt` (transcripts). */
export function phiBucketName(naming: CellNaming, tenantId: string, kind: 'rec' | 'txt', replica = false): string {
  return `${phiBucketPrefix(naming)}${tenantId}-${kind}${replica ? '-dr' : ''}-${naming.cell.account}`;
}

/** The audit archive (Object Lock) in a region of the cell. */
export function auditArchiveBucketName(naming: CellNaming, region: string): string {
  return `${cellPrefix(naming)}-audit-${naming.cell.account}-${region}`;
}

/** Where Firehose writes SIEM copies before S3 replication puts them under Object Lock in the archives. */
export function siemStagingBucketName(naming: CellNaming, region: string): string {
  return `${cellPrefix(naming)}-siem-${naming.cell.account}-${region}`;
}

/** AWS Config's configuration history and snapshots (Config cannot write to Object Lock buckets). */
export function configHistoryBucketName(naming: CellNaming, region: string): string {
  return `${cellPrefix(naming)}-config-${naming.cell.account}-${region}`;
}

/** The access-log bucket (SSE-S3, no Object Lock) in a region of the cell. */
export function accessLogBucketName(naming: CellNaming, region: string): string {
  return `${cellPrefix(naming)}-access-logs-${naming.cell.account}-${region}`;
}

/** The cell's CloudTrail trail. */
export function trailName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-trail`;
}

/** The ARN of the cell's trail, which the audit key and the archive policy name before the trail exists. */
export function trailArn(naming: CellNaming): string {
  return `arn:aws:cloudtrail:${naming.cell.primaryRegion}:${naming.cell.account}:trail/${trailName(naming)}`;
}

/** A KMS alias name of the cell, without the `alias/` prefix: the same in the primary and DR region. */
export function keyAliasName(naming: CellNaming, keyClass: string): string {
  return `${cellPrefix(naming)}/${keyClass}`;
}

/** The ARN of a cell key's alias in a region, usable where an ARN is needed across regions. */
export function keyAliasArn(naming: CellNaming, keyClass: string, region: string): string {
  return `arn:aws:kms:${region}:${naming.cell.account}:alias/${keyAliasName(naming, keyClass)}`;
}

/** The voice service's task role: holds no access to any clinic; it asks the credential broker for one call's credentials. */
export function voiceTaskRoleName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-voice-task`;
}

/** The credential broker's role: with break-glass, the only principal a tenant access role trusts. */
export function credentialBrokerRoleName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-credential-broker`;
}

/** The role that reads and writes one tenant's PHI. */
export function tenantAccessRoleName(naming: CellNaming, tenantId: string): string {
  return `${cellPrefix(naming)}-tenant-${tenantId}`;
}

/** The role S3 uses to replicate one tenant's PHI to the DR region. */
export function tenantReplicationRoleName(naming: CellNaming, tenantId: string): string {
  return `${cellPrefix(naming)}-tenant-${tenantId}-replication`;
}

/** The incident break-glass role: PHI access during an incident, every use alerted. */
export function breakGlassRoleName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-break-glass`;
}

/**
 * The names of the cell's protected roles, those that can reach PHI or vend credentials that can:
 * every `<cell>-tenant-*` role (access and replication), break-glass, the voice task role, and any
 * role named `<cell>-credential-broker` (the credential broker). A new role on a path to PHI is covered by being
 * named under one of these patterns or by carrying PROTECTED_ROLE_TAG; alerts and denials use them.
 */
export function protectedRoleNamePatterns(naming: CellNaming): string[] {
  const prefix = cellPrefix(naming);
  return [`${prefix}-tenant-*`, breakGlassRoleName(naming), voiceTaskRoleName(naming), credentialBrokerRoleName(naming), restoreTestRoleName(naming)];
}

/** The CDK bootstrap qualifier the cells are bootstrapped with (the CDK default). */
export const CDK_QUALIFIER = 'hnb659fds';

/**
 * The deploy path: the CloudFormation execution roles of the cell's CDK bootstrap (primary and DR
 * region), the only principals exempted from the denials on PHI bucket configuration, the alert
 * topic's subscriptions and protected roles. Named by the bootstrap convention
 * `cdk-<qualifier>-cfn-exec-role-<account>-<region>`, so that a new deploy identity does not widen them.
 * https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
 */
export function deployPathRoleArns(naming: CellNaming): string[] {
  return [naming.cell.primaryRegion, naming.cell.drRegion].map((region) =>
    roleArn(naming, `cdk-${CDK_QUALIFIER}-cfn-exec-role-${naming.cell.account}-${region}`),
  );
}

/** Tag (value `true`) that puts any role of the cell under the protected-role guardrail, whatever its name. */
export const PROTECTED_ROLE_TAG = 'vp:protected-role';

/** The ARN of a role of this cell, by name; usable before the role exists (conditions, trust). */
export function roleArn(naming: CellNaming, roleName: string): string {
  return `arn:aws:iam::${naming.cell.account}:role/${roleName}`;
}

/** The role AWS Backup backs up the database with, and copies it to the DR vault. */
export function backupRoleName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-backup`;
}

/** The role AWS Backup restores the monthly test restore of the database with. */
export function restoreTestRoleName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-restore-test`;
}

/**
 * Who may use the database and backup keys (through RDS and AWS Backup only): the deploy path that
 * creates the database and vaults, the AWS Backup roles, and the service-linked roles of RDS and Backup.
 */
export function databaseKeyUserArns(naming: CellNaming): string[] {
  const account = naming.cell.account;
  return [
    ...deployPathRoleArns(naming),
    roleArn(naming, backupRoleName(naming)),
    roleArn(naming, restoreTestRoleName(naming)),
    `arn:aws:iam::${account}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS`,
    `arn:aws:iam::${account}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup`,
  ];
}

/** The cell's AWS Backup vault in a region. */
export function backupVaultName(naming: CellNaming, region: string): string {
  return `${cellPrefix(naming)}-backup-${region}`;
}

/** The database instance identifier; its log group names derive from it. */
export function databaseInstanceId(naming: CellNaming): string {
  return `${cellPrefix(naming)}-db`;
}

/** The operator role: deploys and operates, cannot decrypt PHI. */
export function operatorRoleName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-operator`;
}

/** The auditor role: reads templates, trails, logs and reports, cannot decrypt PHI. */
export function auditorRoleName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-auditor`;
}

/** The cell's AWS Backup restore testing plan of the database (AWS Backup allows letters, digits and underscores only). */
export function restoreTestingPlanName(naming: CellNaming): string {
  return `${cellPrefix(naming)}_database_restore_test`.replace(/-/g, '_');
}

/** The role that CI assumes through OIDC to deploy the cell (it may only assume the CDK bootstrap deploy roles). */
export function ciDeployRoleName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-ci-deploy`;
}

/** The customer-managed policy, created by `npm run bootstrap`, that bounds every role the app and its deploys create. */
export function roleBoundaryPolicyName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-role-boundary`;
}
