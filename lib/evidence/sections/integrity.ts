import { CellEvidence } from '../cell-evidence';
import { blocks, cell, code, table, yesNo } from '../markdown';
import { props } from '../template';
import { databaseAuditLog } from './database';

/** 164.312(c)(1) integrity: records that cannot be altered or destroyed unnoticed. */
export function integrity(ev: CellEvidence): string {
  const buckets = ev.resources('AWS::S3::Bucket').map((b) => {
    const p = props(b);
    return [ev.label(b), cell(p.VersioningConfiguration?.Status ?? 'not enabled'), cell(objectLock(p)), cell(p.ReplicationConfiguration ? 'yes (see section 3)' : 'no')];
  });
  const trails = ev.resources('AWS::CloudTrail::Trail').map((t) => (ev.labelled.add(t), `${code(ev.name(t))}: ${yesNo(props(t).EnableLogFileValidation)}`));
  const vaults = ev.resources('AWS::Backup::BackupVault').map((v) => [ev.label(v), cell(vaultLock(props(v).LockConfiguration))]);
  const other = [
    ...ev.resources('AWS::ECR::Repository').map((r) => [
      ev.label(r),
      cell(`image tags: ${props(r).ImageTagMutability ?? 'MUTABLE'}; scan on push: ${yesNo(props(r).ImageScanningConfiguration?.ScanOnPush)}`),
    ]),
    ...ev.resources('AWS::RDS::DBInstance', 'AWS::RDS::DBCluster').map((d) => [
      ev.label(d),
      cell(`deletion protection: ${yesNo(props(d).DeletionProtection)}; on stack deletion: ${d.resource.DeletionPolicy ?? 'Delete'}`),
    ]),
  ];
  return blocks(
    '### (c) Integrity — 45 CFR 164.312(c)(1)',
    '#### Buckets: versions kept, writes locked',
    'Versioning keeps every earlier version of an object. Object Lock in COMPLIANCE mode forbids anyone, the account root included, to delete or overwrite a locked version before its retention ends.',
    table(['Bucket', 'Versioning', 'Object Lock', 'Replicated'], buckets),
    `**Log file validation** (CloudTrail writes signed digest files, so any change to a delivered log file can be detected): ${trails.join('; ') || 'no trail in the templates'}.`,
    '#### Backup vault locks',
    'A vault lock fixes the minimum and maximum retention of every recovery point; after its grace period it cannot be removed.',
    table(['Backup vault', 'Lock'], vaults),
    '#### Container images and the database',
    table(['Resource', 'Protection'], other),
    databaseAuditLog(ev),
  );
}

export function objectLock(p: Record<string, any>): string {
  const enabled = p.ObjectLockEnabled === true || p.ObjectLockEnabled === 'true' || p.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  if (!enabled) return 'not enabled';
  const retention = p.ObjectLockConfiguration?.Rule?.DefaultRetention;
  if (!retention) return 'enabled, no default retention';
  const period = retention.Days !== undefined ? `${retention.Days} days` : `${retention.Years} years`;
  return `${retention.Mode} mode, default retention ${period}`;
}

export function vaultLock(lock: Record<string, any> | undefined): string {
  if (!lock) return 'no vault lock';
  const parts = [`minimum retention ${lock.MinRetentionDays ?? 'not set'} days`, `maximum ${lock.MaxRetentionDays ?? 'not set'} days`];
  parts.push(
    lock.ChangeableForDays !== undefined
      ? `compliance mode: immutable ${lock.ChangeableForDays} days after creation`
      : 'governance mode: removable by authorized users',
  );
  return parts.join('; ');
}
