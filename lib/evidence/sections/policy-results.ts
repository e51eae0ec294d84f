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
  // Packs often share a rule (HIPAA, NIST and AwsSolutions): the same constructs for the same reason are one row, listing every rule.
  const byReason = new Map<string, { rules: string[]; paths: string[]; reason: string }>();
  for (const g of groups.values()) {
    const key = `${g.paths.join('\n')}\u0000${g.reason}`;
    const r = byReason.get(key) ?? { rules: [], paths: g.paths, reason: g.reason };
    r.rules.push(g.rule);
    byReason.set(key, r);
  }
  const ackRows = [...byReason.values()].map((g) => [g.rules.map(code).join('<br>'), cell(g.paths.join('\n')), cell(g.reason)]);
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
    `${plural(acknowledgedCount, 'finding')} in this cell ${acknowledgedCount === 1 ? 'was' : 'were'} acknowledged, each on one construct for one rule, with the reason below.`,
    table(['Rules (pack-rule)', 'Construct', 'Reason'], ackRows, '_No acknowledged findings in this cell._'),
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
