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

/** The voice service's task role: the only principal that may assume the tenant access roles. */
export function voiceTaskRoleName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-voice-task`;
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

/** The ARN of a role of this cell, by name; usable before the role exists (conditions, trust). */
export function roleArn(naming: CellNaming, roleName: string): string {
  return `arn:aws:iam::${naming.cell.account}:role/${roleName}`;
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
