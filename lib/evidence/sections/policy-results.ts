import type { PluginReportJson, SuppressedViolationJson } from 'aws-cdk-lib/cloud-assembly-schema';
import { CellEvidence } from '../cell-evidence';
import { annexLink } from '../annex';
import { clinicMask, maskClinics } from '../compact';
import { blocks, bullets, cell, code, plural, table } from '../markdown';

/** The open findings of a plugin report, one per violating construct. */
function openFindings(report: PluginReportJson, within: (path: string) => boolean) {
  return report.violations.flatMap((v) =>
    v.violatingConstructs.filter((c) => within(c.constructPath)).map((c) => ({ rule: v.ruleName, path: c.constructPath, description: v.description })),
  );
}

/** Section 5: which packs ran, how many rules each applies, open findings, and every acknowledgement in this cell. */
export function policyResultsSection(ev: CellEvidence): string {
  const inCell = (path: string) => path.startsWith(`${ev.id}/`);
  const reports = ev.assembly.report.pluginReports;
  const registered = new Set(ev.packs.map((p) => p.name));

  const packRows = ev.packs.map((pack) => {
    const report = reports.find((r) => r.pluginName === pack.name);
    const open = report ? openFindings(report, inCell).length : 0;
    const acknowledged = report ? acknowledgedIn(report, inCell) : 0;
    return [
      code(pack.name),
      cell(pack.rules.length),
      cell(report ? `ran, conclusion: ${report.conclusion}` : 'ran, no findings and no acknowledgements'),
      open === 0 ? '0' : `**${open}**`,
      cell(acknowledged),
    ];
  });

  const open = reports.flatMap((r) => openFindings(r, inCell).map((f) => ({ pack: r.pluginName, ...f })));
  const openElsewhere = reports.flatMap((r) => openFindings(r, (p) => !inCell(p))).length;
  const openRows = open.map((f) => [code(f.pack), code(f.rule), code(f.path), cell(f.description)]);

  const acknowledgedCount = ev.assembly.report.pluginReports.reduce((n, r) => n + acknowledgedIn(r, inCell), 0);
  const unregistered = reports.filter((r) => !registered.has(r.pluginName));

  return blocks(
    '## 5. Policy results',
    `Source: \`validation-report.json\`. The packs run on the whole app at every synthesis (a pack with nothing to report is absent from the file); rules: the distinct rules each pack applies.`,
    table(['Pack', 'Rules', 'Result', 'Open findings in this cell', 'Acknowledged findings in this cell'], packRows),
    open.length === 0
      ? `**Open findings in this cell: 0.** Every finding of every pack was either fixed in the resource or acknowledged with a reason.`
      : `> **⚠ OPEN FINDINGS IN THIS CELL: ${open.length}.** These findings are neither fixed nor acknowledged. With the compliance gate on, as \`cdk synth\` runs it, this app does not synthesize; do not deploy this assembly.`,
    open.length > 0 && table(['Pack', 'Rule', 'Construct', 'Finding'], openRows),
    openElsewhere > 0 && `> **⚠ ${plural(openElsewhere, 'open finding')} in other cells of this assembly.**`,
    '### Acknowledged findings',
    `${plural(acknowledgedCount, 'finding')} in this cell ${acknowledgedCount === 1 ? 'was' : 'were'} acknowledged, each on one construct for one rule, with a reason. ` +
      `Each reason, with the rules it acknowledges and the constructs it was given for: ${annexLink(ev.id, 'acknowledgements', 'Annex A4')}.`,
    unregistered.length > 0 && '### Other reports in validation-report.json',
    unregistered.length > 0 &&
      bullets(
        unregistered.map(
          (r) =>
            `${code(r.pluginName)}: ${r.conclusion}, ${plural(openFindings(r, inCell).length, 'open finding')} and ${plural((r.suppressedViolations ?? []).filter((s) => s.violatingConstructs.some((c) => inCell(c.constructPath))).length, 'acknowledgement')} in this cell (shown above).`,
        ),
      ),
  );
}

/** `VPCNoUnrestrictedRouteToIGW` (HIPAA.Security, NIST.800.53.R5): a rule id several packs share is written once. */
function sameRule(rules: ReadonlyArray<{ pack: string; rule: string }>): string {
  const byId = new Map<string, string[]>();
  for (const { pack, rule } of rules) {
    const id = rule.startsWith(`${pack}-`) ? rule.slice(pack.length + 1) : rule;
    byId.set(id, [...(byId.get(id) ?? []), rule.startsWith(`${pack}-`) ? pack : '']);
  }
  return [...byId.entries()].map(([id, packs]) => `${code(id)} (${packs.filter(Boolean).join(', ') || 'no pack prefix'})`).join(', ');
}

/** The acknowledged findings of a report on constructs of this cell (one per rule and construct). */
function acknowledgedIn(report: PluginReportJson, within: (path: string) => boolean): number {
  return (report.suppressedViolations ?? []).reduce((n, s) => n + s.violatingConstructs.filter((c) => within(c.constructPath)).length, 0);
}

/** Annex A4: every acknowledgement of the cell, one row per reason, with the rules and constructs it was given for. */
export function acknowledgementsAnnex(ev: CellEvidence): string {
  const inCell = (path: string) => path.startsWith(`${ev.id}/`);
  const reports = ev.assembly.report.pluginReports;
  const maskRule = clinicMask(ev.tenants.map((t) => t.id));
  // One entry per rule and reason, listing every construct it was given for, so a reason is read once.
  const groups = new Map<string, { pack: string; rule: string; reason: string; paths: string[] }>();
  for (const r of reports) {
    for (const s of r.suppressedViolations ?? ([] as SuppressedViolationJson[])) {
      for (const c of s.violatingConstructs.filter((c) => inCell(c.constructPath))) {
        // Each clinic's finding of the same rule (its own bucket or role in the rule id) is one entry: `<clinic>` in the rule is the construct's clinic.
        const rule = maskRule(s.ruleName).masked;
        const key = `${r.pluginName}\u0000${rule}\u0000${s.reason ?? ''}`;
        const g = groups.get(key) ?? { pack: r.pluginName, rule, reason: s.reason ?? '**no reason given**', paths: [] };
        g.paths.push(c.constructPath);
        groups.set(key, g);
      }
    }
  }
  // A reason is read once: one row per reason, listing each set of rules with the constructs it was given for.
  const byReason = new Map<string, Map<string, { rules: Array<{ pack: string; rule: string }>; paths: string[] }>>();
  for (const g of groups.values()) {
    const entries = byReason.get(g.reason) ?? new Map();
    const key = [...new Set(g.paths)].join('\n');
    const e = entries.get(key) ?? { rules: [], paths: g.paths };
    e.rules.push({ pack: g.pack, rule: g.rule });
    entries.set(key, e);
    byReason.set(g.reason, entries);
  }
  const prefix = `${ev.id}/`;
  const ackRows = [...byReason.entries()].map(([reason, entries]) => [
    cell(reason),
    [...entries.values()].map((e) => `${sameRule(e.rules)}: ${maskClinics(ev, e.paths.map((p) => p.slice(prefix.length).replace(/\/Resource$/, ''))).map(code).join(', ')}`).join('<br>'),
  ]);
  return blocks(
    '## A4. Acknowledged findings and their reasons',
    `Source: \`validation-report.json\`. Each reason is written once, followed by the rules it acknowledges and the constructs it was given for: a rule that several packs share is written once with its packs in brackets, ` +
      `and construct paths are written without the cell prefix \`${prefix}\` and the final \`/Resource\`; \`<clinic>\` stands for each of the clinics counted, the same clinic in a rule and its construct.`,
    table(['Reason', 'Rules (pack): constructs'], ackRows, '_No acknowledged findings in this cell._'),
  );
}
