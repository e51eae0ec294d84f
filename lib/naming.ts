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

/** The access-log bucket (SSE-S3, no Object Lock) in a region of the cell. */
export function accessLogBucketName(naming: CellNaming, region: string): string {
  return `${cellPrefix(naming)}-access-logs-${naming.cell.account}-${region}`;
}

/** The cell's CloudTrail trail. */
export function trailName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-trail`;
}

/** A KMS alias name of the cell, without the `alias/` prefix: the same in the primary and DR region. */
export function keyAliasName(naming: CellNaming, keyClass: string): string {
  return `${cellPrefix(naming)}/${keyClass}`;
}

/** The ARN of a cell key's alias in a region, usable where an ARN is needed across regions. */
export function keyAliasArn(naming: CellNaming, keyClass: string, region: string): string {
  return `arn:aws:kms:${region}:${naming.cell.account}:alias/${keyAliasName(naming, keyClass)}`;
}
