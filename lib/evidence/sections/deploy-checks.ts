import { DEPLOY_SAFETY_PACK, DEPLOY_SAFETY_RULES, deploySafetyRuleId } from '../../compliance/deploy-safety-checks';
import { CellEvidence } from '../cell-evidence';
import { annexLink } from '../annex';
import { blocks, cell, code, plural, table } from '../markdown';

/**
 * The first section: which deploy-time checks this cell's templates passed (the DeploySafety
 * pack, from validation-report.json), and which checks `npm run deploy` makes against the live
 * account before it deploys.
 */
export function deployChecksSection(ev: CellEvidence): string {
  const { rows, ran, failed, acknowledged } = deployChecks(ev);
  const findings = acknowledged.reduce((n, a) => n + a, 0);
  return blocks(
    '## Deploy-time checks',
    `Source: the \`${DEPLOY_SAFETY_PACK}\` pack in \`validation-report.json\`: each rule is a known way for a template that passes every ` +
      'compliance pack to fail, hang or become impossible to retry when CloudFormation deploys it into an empty account.',
    !ran
      ? `> **⚠ The ${DEPLOY_SAFETY_PACK} pack was not registered for this synthesis: no deploy-time check was made.**`
      : failed.length === 0
        ? `**All ${rows.length} deploy-time checks passed in this cell**${acknowledged.length ? ` (${plural(findings, 'finding')} of ${plural(acknowledged.length, 'check')} acknowledged with a reason, section 5)` : ''}.`
        : `> **⚠ ${failed.length} of ${rows.length} deploy-time checks failed in this cell: do not deploy this assembly.**`,
    failed.length > 0 && table(['Check', 'What it prevents', 'AWS source', 'Result in this cell'], failed),
    `Each check, what it prevents, the AWS page it comes from and its result: ${annexLink(ev.id, 'deploy-check-list', 'Annex A0')}.`,
    'Checked by `npm run deploy` in the live account before it deploys (not in this assembly): the voice image, read from ECR by its digest, ' +
      'runs as a non-root user and declares `/tmp` a volume; no stack of the cell is in `ROLLBACK_COMPLETE`, a `*_FAILED` state or in progress (else it prints the recovery steps).',
  );
}

/** Annex A0: every deploy-time check with what it prevents, its AWS source and its result in this cell. */
export function deployChecksAnnex(ev: CellEvidence): string {
  return blocks('## A0. Deploy-time checks', table(['Check', 'What it prevents', 'AWS source', 'Result in this cell'], deployChecks(ev).rows));
}

/** The DeploySafety rules with their result in this cell, from validation-report.json. */
function deployChecks(ev: CellEvidence): { rows: string[][]; ran: boolean; failed: string[][]; acknowledged: number[] } {
  const inCell = (path: string) => path.startsWith(`${ev.id}/`);
  const report = ev.assembly.report.pluginReports.find((r) => r.pluginName === DEPLOY_SAFETY_PACK);
  const ran = ev.packs.some((p) => p.name === DEPLOY_SAFETY_PACK);
  // A finding's rule name may carry a bracketed detail: `DeploySafety-Rule[detail]`.
  const count = (entries: ReadonlyArray<{ ruleName: string; violatingConstructs: ReadonlyArray<{ constructPath: string }> }>, id: string) =>
    entries.filter((v) => v.ruleName === id || v.ruleName.startsWith(`${id}[`)).reduce((n, v) => n + v.violatingConstructs.filter((c) => inCell(c.constructPath)).length, 0);

  const checks = DEPLOY_SAFETY_RULES.map((rule) => {
    const id = deploySafetyRuleId(rule);
    const open = report ? count(report.violations, id) : 0;
    const acknowledged = report ? count(report.suppressedViolations ?? [], id) : 0;
    const result = !ran
      ? 'not run'
      : open > 0
        ? `**FAILED: ${open} open**`
        : acknowledged > 0
          ? `passed; ${acknowledged} acknowledged with a reason (section 5)`
          : 'passed';
    return { row: [code(id), cell(rule.info), cell(rule.source), result], open, acknowledged: open > 0 ? 0 : acknowledged };
  });
  return {
    rows: checks.map((c) => c.row),
    ran,
    failed: ran ? checks.filter((c) => c.open > 0).map((c) => c.row) : [],
    // The findings acknowledged on each check that passed.
    acknowledged: ran ? checks.map((c) => c.acknowledged).filter((n) => n > 0) : [],
  };
}
