import { groupBy } from '../compact';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { MIGRATIONS_DIRECTORY } from '../../constructs/database-migrations';
import { OFFBOARDING_EXPIRY_DAYS } from '../../constructs/phi-bucket';
import { phiBucketName, tenantAccessRoleName } from '../../naming';
import { CellEvidence } from '../cell-evidence';
import { blocks, cell, code, plural, table } from '../markdown';
import { asList, props } from '../template';
import { securityAlarms } from './audit-controls';
import { dataStoresAtRest } from './encryption';
import { objectLock } from './integrity';
import { expiryDays, lifecycleOf } from './retention';
import { targetHops, transitEndpoints } from './transmission';

/** The anchor of the section issue 12 adds ("Who can reach each clinic's data"), linked when it is registered. */
export const WHO_CAN_REACH_ANCHOR = 'who-can-reach';

/** `[text](#anchor)` when the anchor is in this pack, else the text alone. */
type Link = (text: string, anchor: string) => string;

/**
 * The first page of a cell's pack: the five questions a clinic's attorney asks before signing, each
 * answered in plain words from the templates (and config, labelled), each linking to the detail.
 */
export function fiveQuestionsSection(ev: CellEvidence, anchors: ReadonlySet<string>): string {
  const link: Link = (text, anchor) => (anchors.has(anchor) ? `[${text}](#${anchor})` : text);
  return blocks(
    `## The five questions — cell ${ev.id}`,
    'Plain answers to what a clinic\'s attorney asks first, read from this cell\'s templates unless marked _(config)_; the links lead to the evidence.',
    `### 1. Will you sign a BAA, and who are your sub-processors?`,
    subProcessorAnswer(ev, link),
    `### 2. Where is patient data stored, how long is it kept, and how is it deleted at termination?`,
    storageAnswer(ev, link),
    `### 3. What is your breach notification process?`,
    breachAnswer(ev, link),
    `### 4. How is it encrypted?`,
    encryptionAnswer(ev, link),
    `### 5. Who can access it?`,
    accessAnswer(ev, link, anchors),
  );
}

function agreement(a: { signed: boolean; date?: string }): string {
  return a.signed ? `signed${a.date ? ` ${a.date}` : ''}` : '**not signed**';
}

function subProcessorAnswer(ev: CellEvidence, link: Link): string {
  const j = ev.cell.jurisdiction;
  const byId = new Map(ev.config.subProcessors.map((sp) => [sp.id, sp]));
  const rows = ev.cell.subProcessors.map((id) => {
    const sp = byId.get(id);
    if (!sp) return [code(id), cell('**not declared in config**'), '', '', ''];
    return [cell(sp.name), cell(sp.role), cell(`${sp.dataCategories.join(', ')}${sp.seesPhi ? ' (PHI)' : ''}`), cell(`BAA ${agreement(sp.baa)}; DPA ${agreement(sp.dpa)}`), cell((sp.processingRegions[j] ?? []).join(', ') || `none listed for ${j}`)];
  });
  if (ev.cell.siem) {
    const s = ev.cell.siem;
    rows.push([cell(s.name), cell('siem'), cell('audit logs (PHI)'), cell(`BAA ${s.baaSigned ? 'signed' : '**not signed**'}; DPA ${s.dpaSigned ? 'signed' : '**not signed**'}`), cell(s.processingRegions.join(', '))]);
  }
  const services = [...new Set(ev.stacks.flatMap((s) => s.resources.filter((r) => r.resource.Type.startsWith('AWS::')).map((r) => r.resource.Type.split('::')[1])))].sort();
  return blocks(
    `Yes: the operator signs a BAA with each clinic (HIPAA) and a DPA (GDPR). The infrastructure runs on AWS in account ${code(ev.cell.account)}, using ${services.join(', ')} (from the templates). ` +
      `Third parties that process this cell's calls _(config)_ (config validation refuses, in a cell carrying PHI, one that sees PHI without a signed BAA (US) or DPA (EU)):`,
    table(['Sub-processor', 'Role', 'Data it sees', 'Contracts', `Where it processes (${j})`], rows, '_This cell uses no sub-processors._'),
    `Detail: ${link('Sub-processors and the BAA chain', 'sub-processors')}${ev.cell.jurisdiction === 'EU' ? `, ${link('GDPR records', 'gdpr')}` : ''}.`,
  );
}

/** Counts of clinics by a label, `365 days: 2 clinics; none: 1 clinic`. */
function grouped(values: Array<[string, string]>): string {
  const by = new Map<string, string[]>();
  for (const [tenant, value] of values) by.set(value, [...(by.get(value) ?? []), tenant]);
  return [...by].map(([value, ts]) => `${value}: ${plural(ts.length, 'clinic')}${ts.length <= 3 ? ` (${ts.map(code).join(', ')})` : ''}`).join('; ') || 'no clinics';
}

function storageAnswer(ev: CellEvidence, link: Link): string {
  const where = ev.tenants.map((t): [string, string] => {
    const regions = [...new Set(ev.tenantStacks(t.id).map((s) => s.region))];
    return [t.id, regions.length ? regions.join(' and ') : 'no stacks in the templates'];
  });
  const kept = (kind: 'rec' | 'txt') =>
    ev.tenants.map((t): [string, string] => {
      const b = ev.index.bucketNamed(phiBucketName(ev.naming, t.id, kind));
      const days = b ? expiryDays(b) : undefined;
      return [t.id, !b ? 'not recorded (no bucket)' : days !== undefined ? `${days} days` : '**no expiry**'];
    });
  const rds = ev.resources('AWS::RDS::DBInstance', 'AWS::RDS::DBCluster').map((db) => props(db).BackupRetentionPeriod ?? 1);
  const backupDays = ev.resources('AWS::Backup::BackupPlan').flatMap((p) => asList<Record<string, any>>(props(p).BackupPlan?.BackupPlanRule).flatMap((r) => [r.Lifecycle?.DeleteAfterDays, ...asList<Record<string, any>>(r.CopyActions).map((c) => c.Lifecycle?.DeleteAfterDays)]));
  const archives = ev.resources('AWS::S3::Bucket').filter((b) => objectLock(props(b)) !== 'not enabled');
  const auditLogs = ev.resources('AWS::Logs::LogGroup').filter((g) => props(g).RetentionInDays !== undefined && /audit|trail/i.test(ev.name(g)));
  const offboarding = offboardingDays(ev);
  const rows = databaseRows();
  const bullet = (what: string, text: string) => `- **${what}:** ${text}`;
  return [
    bullet('Where', `only in ${ev.cell.jurisdiction} regions: ${grouped(where)}; the second region holds the disaster-recovery copy (${link('Data residency', 'residency')}).`),
    bullet('Recordings', `${grouped(kept('rec'))} (S3 lifecycle).`),
    bullet('Transcripts', `${grouped(kept('txt'))} (S3 lifecycle).`),
    bullet('Appointments and call metadata (database rows)', rows),
    bullet('Backups', `database point-in-time backups ${[...new Set(rds)].join(', ')} days; AWS Backup copies ${[...new Set(backupDays.filter((d) => d !== undefined))].join(', ') || 'kept until deleted'} days, in a locked vault.`),
    bullet('Audit records', `${groupBy(archives, (b) => objectLock(props(b))).map(([lock, bs]) => `audit archive${bs.length > 1 ? 's' : ''} ${bs.map((b) => code(ev.name(b))).join(', ')}: ${lock}`).join('; ') || 'no locked archive'}${auditLogs.length ? `; audit log groups ${[...new Set(auditLogs.map((g) => props(g).RetentionInDays))].join(', ')} days` : ''} (${link('Retention', 'retention')}).`),
    bullet('At termination', offboarding),
  ].join('\n');
}

/** How many days after the termination date an offboarding clinic's objects expire, from its buckets' lifecycle. */
function offboardingDays(ev: CellEvidence): string {
  const seen = ev.tenants.flatMap((t) => {
    if (!t.offboarding) return [];
    const b = ev.index.bucketNamed(phiBucketName(ev.naming, t.id, 'txt'));
    const rule = b && lifecycleOf(b).find((r) => r.ExpirationDate !== undefined);
    if (!rule) return [`${code(t.id)}: **no expiry rule in the templates**`];
    const days = Math.round((Date.parse(String(rule.ExpirationDate)) - Date.parse(`${t.offboarding.terminationDate}T00:00:00Z`)) / 86_400_000);
    return [`${code(t.id)}: every object expires ${days} days after its termination date ${t.offboarding.terminationDate}`];
  });
  const rule = `once a clinic's termination date is set in config, an S3 lifecycle rule of its tenant stacks expires every recording and transcript (primary and DR copy) ${plural(OFFBOARDING_EXPIRY_DAYS, 'day')} after that date, none left after 30 days; the next deploy deletes its database rows and user; audit records keep their own retention`;
  return `${rule}.${seen.length ? ` Offboarding now: ${seen.join('; ')}.` : ' No clinic of this cell is offboarding.'}`;
}

/**
 * What the SQL migrations define for appointments and call metadata: which functions delete rows.
 * No table has a time-based expiry, so the answer says so and names the control that deletes them.
 */
function databaseRows(): string {
  if (!existsSync(MIGRATIONS_DIRECTORY)) return '**migrations/ not found: not verifiable here**.';
  const sql = readdirSync(MIGRATIONS_DIRECTORY).filter((f) => f.endsWith('.sql')).sort().map((f) => readFileSync(path.join(MIGRATIONS_DIRECTORY, f), 'utf8')).join('\n');
  const deleters = new Set<string>();
  for (const fn of sql.matchAll(/CREATE (?:OR REPLACE )?FUNCTION ([\w.]+)\([\s\S]*?\$\$;/g)) {
    if (/DELETE FROM voice\.(appointments|calls)\b/.test(fn[0])) deleters.add(fn[1]);
  }
  const scheduled = /pg_cron|cron\.schedule|retention_days/i.test(sql);
  return (
    `${scheduled ? 'migrations/ schedule a deletion' : '**no time-based retention is defined** for these rows (none in `migrations/`, no config field)'}: ` +
    `rows are kept while the clinic is a customer and deleted at offboarding by ${[...deleters].map(code).join(', ') || '**no function in migrations/**'} _(from migrations/)_, run by the deploy after the termination date; backups holding them expire with the backups.`
  );
}

function breachAnswer(ev: CellEvidence, link: Link): string {
  const b = ev.config.breachNotification;
  const rules = ev.resources('AWS::Events::Rule').filter((r) => asList<Record<string, any>>(props(r).Targets).some((t) => ev.index.target(t.Arn, r.stack)?.resource.Type === 'AWS::SNS::Topic'));
  const alarms = securityAlarms(ev);
  const windows = alarms.flatMap((a) => (a.windowSeconds === undefined ? [] : [a.windowSeconds / 60]));
  const unknown = alarms.length - windows.length;
  const subscribers = ev.resources('AWS::SNS::Subscription').map((s) => `${props(s).Protocol} ${ev.show(props(s).Endpoint, s.stack)}`);
  const guardDuty = ev.resources('AWS::GuardDuty::Detector').some((d) => props(d).Enable === true || props(d).Enable === 'true');
  const detail = link('Alerting on security events', 'alerting');
  return [
    `- **Detected:** ${plural(rules.length, 'EventBridge rule')} (${countBy(rules.map((r) => r.stack.region), ' in ', ev.cell.primaryRegion)}) alert as events happen${alarms.length ? `; ${plural(alarms.length, 'CloudWatch alarm')} (${countBy(alarms.map((a) => a.alarm.stack.region), ' in ', ev.cell.primaryRegion)}): ${countBy(alarms.map((a) => a.kind), ' on ')}` : ''}${guardDuty ? '; GuardDuty threat detection is on' : ''} (${detail}).`,
    `- **Who is alerted, within minutes:** ${subscribers.length ? [...new Set(subscribers)].map(code).join(', ') : '**no subscriber in the templates**'} — EventBridge rules notify at once, alarms within ${windows.length ? Math.max(...windows) : '—'} minutes${unknown ? ` (${plural(unknown, 'alarm')} without a period in the template)` : ''}.`,
    `- **Notification promise _(config)_:** the operator notifies each affected clinic within **${b.notifyClinicsWithinHours} hours** of discovering a breach of its data${ev.cell.jurisdiction === 'EU' ? ' (the clinic, as controller, then has 72 hours from awareness to tell its supervisory authority, GDPR Art. 33)' : ' (HIPAA allows a business associate at most 60 days, 45 CFR 164.410)'}.`,
    `- **Who notifies the clinics _(config)_:** ${b.contacts.map((c) => `${c.role} ${code(c.email)}${c.phone ? ` ${code(c.phone)}` : ''}`).join('; ')}.`,
  ].join('\n');
}

/** `9 in us-east-1, 2 in us-west-2` (or `12 on …` with `on`): how many of each value, the most frequent first (a tie: `first` first, then by name). */
function countBy(values: readonly string[], preposition = ' in ', first?: string): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .sort(([a, m], [b, n]) => n - m || Number(b === first) - Number(a === first) || a.localeCompare(b))
    .map(([v, n]) => `${n}${preposition}${v}`)
    .join(', ');
}

function encryptionAnswer(ev: CellEvidence, link: Link): string {
  const stores = dataStoresAtRest(ev);
  const cmk = stores.filter((s) => s.key?.ref);
  const unencrypted = stores.filter((s) => /not encrypted/.test(s.encryption));
  const tenantKeys = ev.tenants.filter((t) => ev.tenantStacks(t.id).some((s) => s.byType.get('AWS::KMS::Key')?.length));
  const keys = ev.resources('AWS::KMS::Key');
  const rotating = keys.filter((k) => props(k).EnableKeyRotation === true || props(k).EnableKeyRotation === 'true');
  const listeners = transitEndpoints(ev).filter((e) => e.ref.resource.Type === 'AWS::ElasticLoadBalancingV2::Listener');
  const hops = targetHops(ev);
  const db = transitEndpoints(ev).filter((e) => e.ref.resource.Type.startsWith('AWS::RDS::'));
  return [
    `- **At rest:** ${cmk.length} of ${stores.length} data stores are encrypted with a customer-managed KMS key; ${unencrypted.length ? `**${unencrypted.length} not encrypted**` : 'none is unencrypted'}. ${tenantKeys.length} of ${ev.tenants.length} clinics have a key of their own for their recordings and transcripts (${link('Encryption', 'encryption')}).`,
    `- **In transit:** callers reach the service over ${listeners.map((l) => `${l.protocol} (${l.tls})`).join('; ') || 'no listener'}; the load balancer reaches the container over ${hops.map((h) => h.targetLabel).join('; ') || 'no target group'}; the database ${db.map((d) => d.tls).join('; ') || 'is not in the templates'} (${link('Transmission security', 'transmission')}).`,
    `- **Keys:** ${plural(keys.length, 'customer-managed key')}, ${rotating.length} rotating yearly; who may use each key is in its key policy (${link('Access control', 'access-control')}).`,
  ].join('\n');
}

function accessAnswer(ev: CellEvidence, link: Link, anchors: ReadonlySet<string>): string {
  const roles = ev.resources('AWS::IAM::Role');
  const accessRoles = new Set(ev.tenants.map((t) => tenantAccessRoleName(ev.naming, t.id)));
  const tenantRoles = roles.filter((r) => accessRoles.has(ev.name(r)));
  const named = (re: RegExp) => roles.filter((r) => re.test(ev.name(r)));
  const breakGlass = named(/break-glass/);
  const humans = ev.cell.humanAccess;
  return [
    `- **Each clinic's data:** ${tenantRoles.length ? `${tenantRoles.length} of ${ev.tenants.length} clinics have their own access role (${code(tenantAccessRoleName(ev.naming, '<clinic>'))}), the only role of the clinic that reads its data; the voice service holds no standing access and takes one clinic's role for one call` : 'no clinic roles in the templates'}; in the database each clinic has its own user and row-level security admits only its rows.`,
    `- **People:** sign in from ${plural(humans.trustedAccounts.length, 'trusted identity account')} _(config)_ with MFA, sessions of at most ${humans.maxSessionMinutes} minutes; ${breakGlass.length ? `emergency access through ${breakGlass.map((r) => code(ev.name(r))).join(', ')}, whose use alerts the contacts above` : 'no break-glass role in the templates'}.`,
    `- **Detail:** ${[link('Access control', 'access-control'), anchors.has(WHO_CAN_REACH_ANCHOR) ? link('Who can reach each clinic\'s data', WHO_CAN_REACH_ANCHOR) : undefined].filter(Boolean).join(', ')}.`,
  ].join('\n');
}

