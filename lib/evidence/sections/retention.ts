import { LOG_CLASS_TAG } from '../../constructs/encrypted-log-group';
import { phiBucketName } from '../../naming';
import { CellEvidence } from '../cell-evidence';
import { groupBy } from '../compact';
import { blocks, cell, plural, table } from '../markdown';
import { ResourceRef, asList, props, tagsOf } from '../template';
import { objectLock, vaultLock } from './integrity';

/** One S3 lifecycle rule, in words: its id, then what it removes or moves and when. */
export function lifecycleRule(rule: Record<string, any>): string {
  const days = (n: unknown) => plural(Number(n), 'day');
  const parts: string[] = [];
  if (rule.ExpirationInDays !== undefined) parts.push(`current versions expire after ${days(rule.ExpirationInDays)}`);
  if (rule.ExpirationDate !== undefined) parts.push(`every object expires on ${String(rule.ExpirationDate).slice(0, 10)}`);
  const noncurrent = rule.NoncurrentVersionExpiration?.NoncurrentDays ?? rule.NoncurrentVersionExpirationInDays;
  if (noncurrent !== undefined) parts.push(`earlier versions ${days(noncurrent)} after replacement`);
  for (const t of asList<Record<string, any>>(rule.Transitions ?? rule.Transition)) {
    parts.push(`to ${t.StorageClass} after ${t.TransitionInDays !== undefined ? days(t.TransitionInDays) : t.TransitionDate}`);
  }
  if (rule.AbortIncompleteMultipartUpload) parts.push(`unfinished uploads removed after ${days(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation)}`);
  if (rule.ExpiredObjectDeleteMarker === true || rule.ExpiredObjectDeleteMarker === 'true') parts.push('expired delete markers removed');
  const scope = rule.Prefix ?? rule.Filter?.Prefix;
  return `lifecycle \`${rule.Id ?? ''}\`${rule.Status === 'Disabled' ? ' (**disabled**)' : ''}${scope ? ` (prefix ${scope})` : ''}: ${parts.join(', ') || 'no expiry'}`;
}

export function lifecycleOf(bucket: ResourceRef): Array<Record<string, any>> {
  return asList<Record<string, any>>(props(bucket).LifecycleConfiguration?.Rules);
}

/** The retention period a bucket's lifecycle gives its current objects, if any. */
export function expiryDays(bucket: ResourceRef): number | undefined {
  const days = lifecycleOf(bucket)
    .filter((r) => r.Status !== 'Disabled' && !r.Prefix && !r.Filter?.Prefix && r.ExpirationInDays !== undefined)
    .map((r) => Number(r.ExpirationInDays));
  return days.length ? Math.min(...days) : undefined;
}

/** Section 4: every data class with its period and the mechanism that enforces it, read from the templates. */
export function retentionSection(ev: CellEvidence): string {
  const buckets = ev.resources('AWS::S3::Bucket');
  const rows: string[][] = [];
  const row = (dataClass: string, ref: ResourceRef, period: string, mechanism: string) =>
    rows.push([ev.label(ref), cell(dataClass), cell(period), cell(mechanism)]);

  // Logs, by the class tag their construct sets: counted here, each one named in section 1 (b).
  const classes: Record<string, string> = { audit: 'Audit logs', security: 'Security logs', operational: 'Operational logs' };
  for (const [, groups] of groupBy(ev.resources('AWS::Logs::LogGroup'), (g) => `${tagsOf(g)[LOG_CLASS_TAG]}\u0000${props(g).RetentionInDays}`)) {
    const logClass = tagsOf(groups[0])[LOG_CLASS_TAG];
    const days = props(groups[0]).RetentionInDays;
    rows.push([
      cell(`${plural(groups.length, `${logClass ?? 'unclassified'} log group`)}`) + ' ([Log groups](#log-groups))',
      cell(classes[logClass] ?? 'Unclassified logs'),
      cell(days !== undefined ? `${days} days` : '**never expires**'),
      cell('CloudWatch Logs RetentionInDays'),
    ]);
  }

  // The audit archive: Object Lock keeps, lifecycle removes after.
  for (const b of buckets.filter((b) => objectLock(props(b)) !== 'not enabled')) {
    const retention = props(b).ObjectLockConfiguration?.Rule?.DefaultRetention;
    row('Audit archive', b, retention?.Days !== undefined ? `${retention.Days} days` : objectLock(props(b)), [`S3 Object Lock: ${objectLock(props(b))}`, ...lifecycleOf(b).map(lifecycleRule)].join('\n'));
  }

  // Access logs: buckets that receive server access logs or load balancer logs.
  const logTargets = new Set<ResourceRef>();
  for (const b of buckets) {
    const dest = props(b).LoggingConfiguration?.DestinationBucketName;
    const t = dest !== undefined ? ev.index.target(dest, b.stack) ?? ev.index.bucketNamed(String(ev.index.literal(dest, b.stack))) : undefined;
    if (t) logTargets.add(t);
  }
  for (const lb of ev.resources('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const attr = asList<Record<string, any>>(props(lb).LoadBalancerAttributes).find((a) => a.Key === 'access_logs.s3.bucket');
    const t = attr ? ev.index.target(attr.Value, lb.stack) : undefined;
    if (t) logTargets.add(t);
  }
  for (const b of logTargets) {
    const days = expiryDays(b);
    row('Access logs', b, days !== undefined ? `${days} days` : '**no expiry**', lifecycleOf(b).map(lifecycleRule).join('\n') || 'no lifecycle rule');
  }

  // Tenant data: recordings and transcripts, primary and DR, found by the names lib/naming.ts gives them.
  const offboarding: string[][] = [];
  for (const tenant of ev.tenants) {
    for (const [kind, label, configured] of [
      ['rec', 'Recordings', tenant.recordings.enabled ? tenant.recordings.retentionDays : undefined],
      ['txt', 'Transcripts', tenant.transcripts.retentionDays],
    ] as const) {
      for (const replica of [false, true]) {
        const name = phiBucketName(ev.naming, tenant.id, kind, replica);
        const b = ev.index.bucketNamed(name);
        if (!b) continue;
        const days = expiryDays(b);
        const matches = days === configured ? 'as config requires' : `**config says ${configured ?? 'no bucket'}**`;
        row(`${label}, tenant ${tenant.id}`, b, days !== undefined ? `${days} days (${matches})` : '**no expiry**', lifecycleOf(b).map(lifecycleRule).join('\n'));
        for (const r of lifecycleOf(b).filter((r) => r.ExpirationDate !== undefined)) {
          offboarding.push([cell(tenant.id), ev.label(b), cell(String(r.ExpirationDate).slice(0, 10)), cell(tenant.offboarding?.terminationDate ?? 'none in config'), cell(lifecycleRule(r))]);
        }
      }
      if (label === 'Recordings' && !tenant.recordings.enabled && !ev.index.bucketNamed(phiBucketName(ev.naming, tenant.id, 'rec'))) {
        rows.push([cell('no recordings bucket in the templates'), cell(`Recordings, tenant ${tenant.id}`), cell('—'), cell('recordings are off for this tenant (config); nothing can be recorded')]);
      }
    }
  }

  // Databases: automated backups, AWS Backup plans and their copies to the DR region.
  for (const db of ev.resources('AWS::RDS::DBInstance', 'AWS::RDS::DBCluster')) {
    const days = props(db).BackupRetentionPeriod;
    row('Database backups (automated, point-in-time)', db, days !== undefined ? `${days} days` : '1 day (RDS default)', 'RDS BackupRetentionPeriod');
  }
  for (const plan of ev.resources('AWS::Backup::BackupPlan')) {
    for (const rule of asList<Record<string, any>>(props(plan).BackupPlan?.BackupPlanRule)) {
      const vault = ev.index.target(rule.TargetBackupVault, plan.stack);
      row(
        'Database backups (AWS Backup)',
        plan,
        rule.Lifecycle?.DeleteAfterDays !== undefined ? `${rule.Lifecycle.DeleteAfterDays} days` : '**kept until deleted**',
        `AWS Backup plan rule ${rule.RuleName} (${rule.ScheduleExpression ?? 'no schedule'}) into vault ${vault ? ev.name(vault) : ev.show(rule.TargetBackupVault, plan.stack)}; vault lock: ${vault ? vaultLock(props(vault).LockConfiguration) : 'vault not in the templates'}`,
      );
      for (const copy of asList<Record<string, any>>(rule.CopyActions)) {
        const dest = ev.index.target(copy.DestinationBackupVaultArn, plan.stack);
        row(
          'DR backup copies',
          plan,
          copy.Lifecycle?.DeleteAfterDays !== undefined ? `${copy.Lifecycle.DeleteAfterDays} days` : '**kept until deleted**',
          `copy action of rule ${rule.RuleName} to vault ${dest ? `${ev.name(dest)} (${dest.stack.region})` : ev.show(copy.DestinationBackupVaultArn, plan.stack)}; vault lock: ${dest ? vaultLock(props(dest).LockConfiguration) : 'vault not in the templates'}`,
        );
      }
    }
  }

  return blocks(
    '## 4. Retention',
    'Each class of data, how long it is kept and the template setting that enforces it; a period that differs from config is in bold. ' +
      'A tenant bucket named `-dr-` is the disaster-recovery copy of the one named without it.',
    table(['Where', 'Data class', 'Kept for', 'Enforced by'], rows),
    '### Offboarding dates',
    'When a clinic\'s contract ends, a lifecycle rule with a fixed date expires every object of its buckets (primary and DR).',
    table(['Tenant', 'Bucket', 'All objects expire on', 'Termination date (config)', 'Rule'], offboarding, '_No tenant of this cell is offboarding._'),
  );
}
