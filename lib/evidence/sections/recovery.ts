import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RESTORE_TARGET_HOURS } from '../../constructs/database-restore-test';
import { VERIFICATION_FORMAT, VerificationReport } from '../../verify/report';
import { EvidenceError } from '../assembly';
import { CellEvidence } from '../cell-evidence';
import { blocks, bullets, cell, code, table } from '../markdown';
import { asList, props } from '../template';

/** A verification report found beside the assembly, with where it was read from. */
export interface VerificationEvidence {
  readonly file: string;
  readonly report: VerificationReport;
}

/** Reads `verification-<cell>.json` from a directory, if `npm run verify` wrote one there. */
export function readVerification(dir: string, cellId: string): VerificationEvidence | undefined {
  const file = path.join(dir, `verification-${cellId}.json`);
  if (!existsSync(file)) return undefined;
  let report: VerificationReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as VerificationReport;
  } catch (e) {
    throw new EvidenceError(`${file} is not valid JSON (${(e as Error).message}); run \`npm run verify -- ${cellId}\` again, or remove it.`);
  }
  if (report.format !== VERIFICATION_FORMAT || report.cell !== cellId || !Array.isArray(report.results)) {
    throw new EvidenceError(`${file} is not a verification report of cell ${cellId} in format ${VERIFICATION_FORMAT}; run \`npm run verify -- ${cellId}\` again, or remove it.`);
  }
  return { file, report };
}

/** Section 8: the restore target, how restores are tested, and the last live verification of the deployed cell. */
export function recoverySection(ev: CellEvidence, verification: VerificationEvidence | undefined, configSha256: string): string {
  const plans = ev.resources('AWS::Backup::RestoreTestingPlan').map((p) => {
    const selection = ev.resources('AWS::Backup::RestoreTestingSelection').find((s) => JSON.stringify(props(s).RestoreTestingPlanName).includes(p.logicalId));
    const sp = selection ? props(selection) : {};
    const rp = props(p).RecoveryPointSelection ?? {};
    return [
      `${cell(props(p).RestoreTestingPlanName)}<br>${code(ev.stackName(p.stack))} ${code(p.logicalId)}`,
      cell(`${props(p).ScheduleExpression} (${props(p).ScheduleExpressionTimezone ?? 'UTC'}), start within ${props(p).StartWindowHours ?? 24} h`),
      cell(`${rp.Algorithm}, ${asList(rp.RecoveryPointTypes).join(', ')}, from ${asList(rp.IncludeVaults).map((v) => ev.show(v, p.stack)).join(', ')}`),
      cell(selection ? `${sp.ProtectedResourceType}: ${asList(sp.ProtectedResourceArns).map((a) => ev.show(a, selection.stack)).join(', ')}` : 'none'),
      cell(sp.ValidationWindowHours !== undefined ? `${sp.ValidationWindowHours} h, then deleted by AWS Backup` : '—'),
    ];
  });
  return blocks(
    '## 8. Recovery and live verification',
    `**Restore target: ${RESTORE_TARGET_HOURS} hours**, as the proposed update of the HIPAA Security Rule asks of critical systems and data. ` +
      'AWS Backup restores the database on a schedule and measures each restore\'s time: the target is tested, not assumed.',
    table(['Restore testing plan', 'Schedule', 'Recovery point', 'Restored resource', 'Validation window'], plans, '_No restore testing plan in the templates: the restore target is not tested._'),
    verificationBlock(ev, verification, configSha256),
  );
}

function verificationBlock(ev: CellEvidence, verification: VerificationEvidence | undefined, configSha256: string): string {
  if (!verification) {
    return blocks(
      '### Live verification',
      `No live verification report of this cell was found. \`npm run verify -- ${ev.id}\` checks the deployed account, read-only, against these templates; ` +
        'its report (`verification-<cell>.json`) is included here when it is present.',
    );
  }
  const { report, file } = verification;
  const restore = report.results.find((r) => r.check === 'restore test');
  const failed = report.results.filter((r) => r.result === 'fail');
  const sameConfig = report.configSha256 === configSha256;
  return blocks(
    '### Live verification',
    `The deployed account was checked against the promises of its templates by \`npm run verify\` (${code(path.basename(file))}; every row is in its Markdown twin).`,
    table(
      ['', ''],
      [
        ['Time (UTC)', cell(report.time)],
        ['AWS account', code(report.account)],
        ['Checked by', code(report.caller)],
        ['Commit', code(report.commit)],
        ['Configuration SHA-256', cell(`${report.configSha256} (${sameConfig ? 'the configuration of this evidence pack' : '**differs from the configuration of this evidence pack**: verify again after deploying it'})`)],
        ['Result', cell(`${report.summary.pass} passed, ${report.summary.fail} failed, ${report.summary.skip} skipped`)],
        ['Last restore test', cell(restore ? `${restore.result.toUpperCase()}: ${restore.detail}` : 'not reported')],
      ],
    ),
    report.account !== ev.cell.account ? `**The report is of account ${code(report.account)}, not this cell's account ${code(ev.cell.account)}.**` : undefined,
    failed.length > 0
      ? blocks('**Failed checks:**', bullets(failed.map((f) => `${cell(f.check)} (${cell(f.region)}): ${cell(f.detail)}`)))
      : '**Every check passed.**',
  );
}
