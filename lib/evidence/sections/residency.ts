import { isRegionIn, regionsOf } from '../../config/jurisdictions';
import { CellEvidence } from '../cell-evidence';
import { blocks, bullets, cell, code, plural, table } from '../markdown';
import { parseArn } from '../references';
import { ResourceRef, asList, props } from '../template';

/** One copy of data to another bucket or vault, and whether it stays in the jurisdiction. */
export interface Replication {
  readonly source: ResourceRef;
  readonly rule: string;
  readonly destinationName: string;
  /** The destination resource, found by name among all templates of the app. */
  readonly destination?: ResourceRef;
  readonly destinationRegion?: string;
  readonly replicaKey?: string;
  readonly replicaKeyRegion?: string;
  readonly inside: boolean;
}

/** Every S3 replication rule of the cell, with the regions of its destination bucket and replica key. */
export function replications(ev: CellEvidence): Replication[] {
  return ev.resources('AWS::S3::Bucket').flatMap((bucket) =>
    asList<Record<string, any>>(props(bucket).ReplicationConfiguration?.Rules).map((rule, i) => {
      const destinationValue = rule.Destination?.Bucket;
      const destinationName = (ev.index.literal(destinationValue, bucket.stack) ?? ev.show(destinationValue, bucket.stack)).replace(/^arn:[^:]+:s3:::/, '');
      const destination = ev.index.target(destinationValue, bucket.stack) ?? ev.index.bucketNamed(destinationName);
      const keyValue = rule.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID;
      const replicaKeyRegion = keyValue === undefined ? undefined : keyRegion(ev, keyValue, bucket);
      const destinationRegion = destination?.stack.region;
      const inside =
        destinationRegion !== undefined &&
        isRegionIn(ev.cell.jurisdiction, destinationRegion) &&
        (keyValue === undefined || (replicaKeyRegion !== undefined && isRegionIn(ev.cell.jurisdiction, replicaKeyRegion)));
      return {
        source: bucket,
        rule: String(rule.Id ?? `rule ${i + 1}`),
        destinationName,
        destination,
        destinationRegion,
        replicaKey: keyValue === undefined ? undefined : ev.show(keyValue, bucket.stack),
        replicaKeyRegion,
        inside,
      };
    }),
  );
}

/** The region of a replica key: of its stack when it is in the app, else from its ARN. */
function keyRegion(ev: CellEvidence, value: unknown, from: ResourceRef): string | undefined {
  const key = ev.index.target(value, from.stack);
  if (key) return key.stack.region;
  const literal = ev.index.literal(value, from.stack);
  return literal ? parseArn(literal)?.region : undefined;
}

/** Every AWS Backup copy action of the cell, with the region of its destination vault. */
export function backupCopies(ev: CellEvidence): Array<{ plan: ResourceRef; rule: string; destination: string; region?: string; inside: boolean }> {
  return ev.resources('AWS::Backup::BackupPlan').flatMap((plan) =>
    asList<Record<string, any>>(props(plan).BackupPlan?.BackupPlanRule).flatMap((rule) =>
      asList<Record<string, any>>(rule.CopyActions).map((copy) => {
        const vault = ev.index.target(copy.DestinationBackupVaultArn, plan.stack);
        const literal = ev.index.literal(copy.DestinationBackupVaultArn, plan.stack);
        const region = vault?.stack.region ?? (literal ? parseArn(literal)?.region : undefined);
        return {
          plan,
          rule: String(rule.RuleName ?? ''),
          destination: vault ? ev.name(vault) : ev.show(copy.DestinationBackupVaultArn, plan.stack),
          region,
          inside: region !== undefined && isRegionIn(ev.cell.jurisdiction, region),
        };
      }),
    ),
  );
}

/** Section 3: where each tenant's data may be stored, and proof that no copy crosses the border. */
export function residencySection(ev: CellEvidence): string {
  const j = ev.cell.jurisdiction;
  const verdict = (inside: boolean) => (inside ? `inside ${j}` : `**OUTSIDE ${j}**`);
  const regionVerdict = (region: string | undefined) => (region === undefined ? `**OUTSIDE ${j}** (region unknown)` : verdict(isRegionIn(j, region)));
  const all = replications(ev);
  const copies = backupCopies(ev);

  const byRegion = new Map<string, string[]>();
  for (const s of ev.stacks) byRegion.set(s.region, [...(byRegion.get(s.region) ?? []), s.path]);
  const stackRows = [...byRegion].map(([region, paths]) => {
    const tenantStacks = paths.filter((p) => /\/Tenant(Replica)?-/.test(p)).length;
    const others = paths.filter((p) => !/\/Tenant(Replica)?-/.test(p));
    return [code(region), cell([...others, ...(tenantStacks ? [plural(tenantStacks, 'tenant stack')] : [])].join('\n')), regionVerdict(region)];
  });

  const named = new Map<string, number>();
  for (const s of ev.stacks) for (const r of s.regionsNamed) named.set(r, (named.get(r) ?? 0) + 1);
  const namedRows = [...named].sort().map(([region, n]) => [code(region), cell(plural(n, 'template')), regionVerdict(region)]);

  const tenantIds = [...new Set([...ev.tenants.map((t) => t.id), ...ev.stacks.map((s) => ev.tenantOf(s)).filter((t): t is string => !!t)])];
  const tenantRows = tenantIds.map((id) => {
    const stacks = ev.tenantStacks(id);
    const replicated = all.filter((r) => ev.tenantOf(r.source.stack) === id);
    const regions = new Set([
      ...stacks.map((s) => s.region),
      ...replicated.flatMap((r) => [r.destinationRegion ?? 'unknown', ...(r.replicaKeyRegion ? [r.replicaKeyRegion] : [])]),
    ]);
    const inside = [...regions].every((r) => isRegionIn(j, r));
    // The stack paths carry the clinic id: clinics whose data may be stored in the same regions are one row (compact.ts).
    return [
      cell(stacks.map((s) => `${s.path} (${s.region})`).join('\n') || `no stacks of ${id} in the templates`),
      cell([...regions].sort().join(', ')),
      verdict(inside),
    ];
  });

  const replicationRows = all.map((r) => [
    ev.label(r.source),
    cell(r.source.stack.region),
    cell(r.rule),
    cell(r.destination ? `${r.destinationName} (${r.destination.stack.path})` : `${r.destinationName} (not in the app's templates)`),
    cell(r.destinationRegion ?? 'unknown'),
    // An alias ARN of the cell's own account reads as the alias; the key's region follows it.
    cell(r.replicaKey ? `${r.replicaKey.replace(new RegExp(`^arn:aws:kms:[a-z0-9-]+:${ev.cell.account}:(alias/)`), '$1').replace(/^\((.*)\)$/, '$1')} (${r.replicaKeyRegion ?? 'region unknown'})` : 'not set'),
    verdict(r.inside),
  ]);
  const copyRows = copies.map((c) => [ev.label(c.plan), cell(c.rule), cell(c.destination), cell(c.region ?? 'unknown'), verdict(c.inside)]);
  const outside = all.filter((r) => !r.inside).length + copies.filter((c) => !c.inside).length;

  const siem = ev.cell.siem;
  return blocks(
    '## 3. Data residency',
    `Jurisdiction of this cell (config): **${j}**, whose regions are ${regionsOf(j).map(code).join(', ')} (built into the code, \`lib/config/jurisdictions.ts\`).`,
    outside === 0
      ? `**Verdict: every one of the ${plural(all.length, 'S3 replication destination')} and ${plural(copies.length, 'backup copy destination')} of this cell is inside ${j}.**`
      : `> **⚠ ${plural(outside, 'replication or copy destination')} of this cell ${outside === 1 ? 'is' : 'are'} OUTSIDE ${j}.** See the tables below.`,
    '### Regions of the cell\'s stacks (from the cloud assembly manifest)',
    table(['Region', 'Stacks', 'Verdict'], stackRows),
    `Region names anywhere in the text of the templates (ARNs, endpoints, conditions): ${namedRows.map(([region, n, verdict]) => `${region} in ${n} (${verdict})`).join(', ') || 'none'}.`,
    '### Where each tenant\'s data may be stored',
    'A tenant\'s data lives in its `Tenant-<id>` stack, its `TenantReplica-<id>` stack, and wherever their buckets replicate to (destination bucket and replica key).',
    table(['Stacks of the tenant (region)', 'Regions its data may be stored in', 'Verdict'], tenantRows),
    '### S3 replication destinations',
    'Each destination bucket is found by its name among the templates of every cell; the replica key\'s region comes from the key in the app or from its alias ARN.',
    table(['Source bucket', 'Source region', 'Rule', 'Destination bucket', 'Destination region', `Replica key (its region); an alias is of the cell's account ${ev.cell.account}`, 'Verdict'], replicationRows),
    '### Backup copies to other regions',
    table(['Backup plan', 'Rule', 'Destination vault', 'Destination region', 'Verdict'], copyRows),
    '### External log delivery (config)',
    siem
      ? bullets([`SIEM ${code(siem.name)} at ${code(siem.url)} processes data in ${siem.processingRegions.map((r) => `${code(r)} (${isRegionIn(j, r) ? `inside ${j}` : `**OUTSIDE ${j}**`})`).join(', ')}.`])
      : 'No external SIEM is configured for this cell; audit logs stay in the cell\'s own archive.',
  );
}
