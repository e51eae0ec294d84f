import { isRegionIn } from '../../config/jurisdictions';
import { CellEvidence } from '../cell-evidence';
import { blocks, bullets, cell, code, plural, table } from '../markdown';
import { PreviousSubProcessors, SubProcessorEntry, configSubProcessors, subProcessorChanges } from '../since';
import { backupCopies, replications } from './residency';

const cellSubProcessors = (ev: CellEvidence) => configSubProcessors(ev.config, ev.id);

/**
 * For each EU cell: the record of processing a processor keeps under GDPR Art. 30(2), and the
 * sub-processor list in the form of a DPA annex. Other cells show only the changes `--since` asked for.
 */
export function gdprSection(ev: CellEvidence, since?: PreviousSubProcessors): string | undefined {
  if (ev.cell.jurisdiction !== 'EU') return sinceBlock(ev, since, '##');
  const j = ev.cell.jurisdiction;
  const b = ev.config.breachNotification;
  const regions = [...new Set(ev.stacks.map((s) => s.region))].sort();
  const named = [...new Set(ev.stacks.flatMap((s) => [...s.regionsNamed]))].sort();
  const reps = replications(ev);
  const copies = backupCopies(ev);
  const byId = new Map(ev.config.subProcessors.map((sp) => [sp.id, sp]));
  const spRegions = ev.cell.subProcessors.flatMap((id) => (byId.get(id)?.processingRegions[j] ?? []).map((r) => ({ who: byId.get(id)!.name, region: r })));
  const siemRegions = (ev.cell.siem?.processingRegions ?? []).map((r) => ({ who: ev.cell.siem!.name, region: r }));
  const outside = [
    ...named.filter((r) => !isRegionIn(j, r)).map((r) => `region ${r} is named in the templates`),
    ...reps.filter((r) => !r.inside).map((r) => `replication of ${ev.name(r.source)} to ${r.destinationRegion ?? 'an unknown region'}`),
    ...copies.filter((c) => !c.inside).map((c) => `backup copy to ${c.region ?? 'an unknown region'}`),
    ...[...spRegions, ...siemRegions].filter((x) => !isRegionIn(j, x.region)).map((x) => `${x.who} processes in ${x.region} (config)`),
  ];
  const recording = ev.tenants.filter((t) => t.recordings.enabled).length;
  const db = ev.resources('AWS::RDS::DBInstance', 'AWS::RDS::DBCluster');

  const controllers = table(
    ['Controller (clinic id)', 'Name and contact details', 'Its data protection officer'],
    ev.tenants.map((t) => [code(t.id), cell('_from the clinic\'s contract (placeholder: ids only in config)_'), cell('_from the clinic\'s contract_')]),
    '_This cell acts for no clinic._',
  );
  const categories = bullets([
    'Answering calls to the clinic: call audio carried by the telephony provider and converted by the speech and language sub-processors (list below).',
    `Recording calls: ${plural(recording, 'clinic')} of ${ev.tenants.length} ${recording === 1 ? 'has' : 'have'} recordings on (config); kept in the clinic's own encrypted bucket.`,
    'Transcribing calls: transcripts in the clinic\'s own encrypted bucket.',
    `Booking, moving and cancelling appointments, and keeping call metadata: ${db.length ? `in the database ${db.map((d) => code(ev.name(d))).join(', ')}` : '**no database in the templates**'}, one user per clinic with row-level security.`,
    'Keeping audit records of every access to the clinic\'s data (CloudTrail data events, database audit log).',
    'Categories of data subjects: callers (patients and prospective patients) and clinic staff named in appointments. Special categories: health data (GDPR Art. 9).',
  ]);
  const transfers = outside.length
    ? `**Transfers outside the EU found:**\n\n${bullets(outside)}`
    : `**None outside the EU.** Proven from the templates and config: every stack is in ${regions.join(', ')}; the regions named anywhere in the templates are ${named.join(', ') || 'none'}; all ${plural(reps.length, 'replication destination')} and ${plural(copies.length, 'backup copy', 'backup copies')} are inside the EU; every sub-processor processes in EU regions only (config: ${[...new Set([...spRegions, ...siemRegions].map((x) => x.region))].join(', ') || 'none'}). See [Data residency](#residency).`;
  const measures = bullets([
    'Encryption at rest with keys per clinic, and in transit: [Encryption](#encryption), [Transmission security](#transmission).',
    'Access limited per clinic, people with MFA and short sessions: [Access control](#access-control).',
    'Audit logging and alerting on security events: [Audit controls](#audit-controls), [Alerting](#alerting).',
    'Integrity, backups and tested restores: [Safeguards](#safeguards), [Recovery](#recovery).',
    'Retention and deletion at the end of the contract: [Retention](#retention).',
  ]);

  const annex = table(
    ['Sub-processor', 'Processing (purpose)', 'Categories of personal data', 'Location of processing', 'Contract', 'Transfer mechanism'],
    [
      [cell('Amazon Web Services (infrastructure)'), cell('Hosting, storage, encryption keys and logs of this cell'), cell('all data of the cell, encrypted'), cell(`${regions.join(', ')} (from the templates)`), cell('AWS GDPR DPA (AWS Service Terms)'), cell(regions.every((r) => isRegionIn(j, r)) ? 'none: processing in the EU' : '**outside the EU**')],
      ...ev.cell.subProcessors.map((id) => {
        const sp = byId.get(id);
        if (!sp) return [code(id), cell('**not declared in config**'), '', '', '', ''];
        const where = sp.processingRegions[j] ?? [];
        return [cell(sp.name), cell(sp.purpose), cell(sp.dataCategories.join(', ')), cell(where.join(', ') || '**none listed**'), cell(sp.dpa.signed ? `DPA signed ${sp.dpa.date ?? ''}`.trim() : '**DPA not signed**'), cell(where.length && where.every((r) => isRegionIn(j, r)) ? 'none: processing in the EU' : '**transfer: safeguards required**')];
      }),
      ...(ev.cell.siem ? [[cell(ev.cell.siem.name), cell('Receives a copy of the audit logs'), cell('audit logs'), cell(ev.cell.siem.processingRegions.join(', ')), cell(ev.cell.siem.dpaSigned ? 'DPA signed' : '**DPA not signed**'), cell(ev.cell.siem.processingRegions.every((r) => isRegionIn(j, r)) ? 'none: processing in the EU' : '**transfer: safeguards required**')]] : []),
    ],
  );
  return blocks(
    '## GDPR records',
    '### Record of processing activities — GDPR Art. 30(2)',
    '**(a) Processor:** the operator of this platform; contacts _(config)_: ' + b.contacts.map((c) => `${c.role} ${code(c.email)}`).join('; ') + '. **Controllers:** each clinic of this cell.',
    controllers,
    '**(b) Categories of processing carried out for each controller:**',
    categories,
    '**(c) Transfers to a third country or an international organisation:** ' + transfers,
    '**(d) Technical and organisational security measures (Art. 32(1)), with the evidence:**',
    measures,
    '### Sub-processors (DPA annex)',
    'The sub-processors engaged for this cell, in the form a DPA annex lists them (config, except AWS regions, read from the templates). A DPA requires notice before a new sub-processor starts: `npm run evidence -- --since <previous pack or git ref>` lists the changes.',
    annex,
    sinceBlock(ev, since, '####'),
  );
}

function sinceBlock(ev: CellEvidence, since: PreviousSubProcessors | undefined, level: string): string | undefined {
  if (!since) return undefined;
  const { added, removed } = subProcessorChanges(since.cells.get(ev.id), cellSubProcessors(ev));
  const name = (e: SubProcessorEntry) => `${e.name} (${code(e.id)})`;
  return blocks(
    `${level} Sub-processor changes since ${since.label}`,
    !since.cells.has(ev.id) ? `Cell ${code(ev.id)} did not exist then; every sub-processor is new.` : undefined,
    added.length + removed.length === 0 ? 'No sub-processor was added or removed.' : bullets([...added.map((e) => `added: ${name(e)}`), ...removed.map((e) => `removed: ${name(e)}`)]),
  );
}
