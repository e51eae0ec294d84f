import type { PluginReportJson, SuppressedViolationJson } from 'aws-cdk-lib/cloud-assembly-schema';
import { CellEvidence } from '../cell-evidence';
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
    const acknowledged = report ? (report.suppressedViolations ?? []).filter((s) => s.violatingConstructs.some((c) => inCell(c.constructPath))).length : 0;
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

  // One entry per rule and reason, listing every construct it was given for, so a reason is read once.
  const groups = new Map<string, { pack: string; rule: string; reason: string; paths: string[] }>();
  for (const r of reports) {
    for (const s of r.suppressedViolations ?? ([] as SuppressedViolationJson[])) {
      for (const c of s.violatingConstructs.filter((c) => inCell(c.constructPath))) {
        const key = `${r.pluginName}\u0000${s.ruleName}\u0000${s.reason ?? ''}`;
        const g = groups.get(key) ?? { pack: r.pluginName, rule: s.ruleName, reason: s.reason ?? '**no reason given**', paths: [] };
        g.paths.push(c.constructPath);
        groups.set(key, g);
      }
    }
  }
  const acknowledgedCount = [...groups.values()].reduce((n, g) => n + g.paths.length, 0);
  // A reason is read once: one row per reason, listing each set of rules with the constructs it was given for.
  const byReason = new Map<string, Map<string, { rules: Array<{ pack: string; rule: string }>; paths: string[] }>>();
  for (const g of groups.values()) {
    const entries = byReason.get(g.reason) ?? new Map();
    const key = g.paths.join('\n');
    const e = entries.get(key) ?? { rules: [], paths: g.paths };
    e.rules.push({ pack: g.pack, rule: g.rule });
    entries.set(key, e);
    byReason.set(g.reason, entries);
  }
  const prefix = `${ev.id}/`;
  const shortPath = (p: string) => code(p.slice(prefix.length).replace(/\/Resource$/, ''));
  const ackRows = [...byReason.entries()].map(([reason, entries]) => [
    cell(reason),
    [...entries.values()].map((e) => `${sameRule(e.rules)}: ${e.paths.map(shortPath).join(', ')}`).join('<br>'),
  ]);
  const unregistered = reports.filter((r) => !registered.has(r.pluginName));

  return blocks(
    '## 5. Policy results',
    `Source: \`validation-report.json\` of the cloud assembly. The compliance packs run once on the whole app at every synthesis; a pack with nothing to report is absent from that file. The rule counts are the distinct rules each registered pack applies to every resource.`,
    table(['Pack', 'Rules', 'Result', 'Open findings in this cell', 'Acknowledged findings in this cell'], packRows),
    open.length === 0
      ? `**Open findings in this cell: 0.** Every finding of every pack was either fixed in the resource or acknowledged below with a reason.`
      : `> **⚠ OPEN FINDINGS IN THIS CELL: ${open.length}.** These findings are neither fixed nor acknowledged. With the compliance gate on, as \`cdk synth\` runs it, this app does not synthesize; do not deploy this assembly.`,
    open.length > 0 && table(['Pack', 'Rule', 'Construct', 'Finding'], openRows),
    openElsewhere > 0 && `> **⚠ ${plural(openElsewhere, 'open finding')} in other cells of this assembly.**`,
    '### Acknowledged findings',
    `${plural(acknowledgedCount, 'finding')} in this cell ${acknowledgedCount === 1 ? 'was' : 'were'} acknowledged, each on one construct for one rule, with the reason below. ` +
      `Each reason is written once, followed by the rules it acknowledges and the constructs it was given for: a rule that several packs share is written once with its packs in brackets, ` +
      `and construct paths are written without the cell prefix \`${prefix}\` and the final \`/Resource\`.`,
    table(['Reason', 'Rules (pack): constructs'], ackRows, '_No acknowledged findings in this cell._'),
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
