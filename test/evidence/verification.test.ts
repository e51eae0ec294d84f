import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generateEvidencePack } from '../../lib/evidence';
import { VERIFICATION_FORMAT, VerificationReport } from '../../lib/verify/report';
import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';
import { section } from './support';

/** Section 8 of the evidence pack: the restore target, the restore test, and the live verification report when present. */
describe('evidence pack: recovery and live verification', () => {
  const synth = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1 }));
  const configSha256 = createHash('sha256').update(readFileSync(synth.configFile)).digest('hex');

  function evidence(report?: Partial<VerificationReport>): string {
    const verificationDir = mkdtempSync(path.join(tmpdir(), 'vp-verification-'));
    if (report) writeFileSync(path.join(verificationDir, 'verification-us-east.json'), JSON.stringify(report));
    const outDir = mkdtempSync(path.join(tmpdir(), 'vp-evidence-'));
    const [file] = generateEvidencePack({ cdkOut: synth.outdir, configFile: synth.configFile, outDir, verificationDir });
    return section(readFileSync(file, 'utf8'), '8.');
  }

  const report = (over: Partial<VerificationReport> = {}): VerificationReport => ({
    format: VERIFICATION_FORMAT,
    cell: 'us-east',
    account: '111111111111',
    caller: 'arn:aws:sts::111111111111:assumed-role/vp-us-east-auditor/auditor',
    primaryRegion: 'us-east-1',
    drRegion: 'us-west-2',
    time: '2026-12-02T12:00:00.000Z',
    commit: '0123456789abcdef0123456789abcdef01234567',
    configFile: 'config.json',
    configSha256,
    cloudAssembly: { directory: 'cdk.out', synthesizedAt: '2026-12-02T11:00:00.000Z' },
    restoreTargetHours: 72,
    summary: { pass: 2, fail: 0, skip: 0 },
    results: [
      { check: 'stack us-east-Data', region: 'us-east-1', result: 'pass', detail: 'UPDATE_COMPLETE, termination protection on, no drift' },
      { check: 'restore test', region: 'us-east-1', result: 'pass', detail: 'last restore test started 10 d ago, restored in 3 h (target 72 h, met)' },
    ],
    ...over,
  });

  test('states the 72-hour restore target and the monthly restore testing plan from the templates', () => {
    const recovery = evidence();
    expect(recovery).toContain('**Restore target: 72 hours**');
    expect(recovery).toMatch(/vp_us_east_database_restore_test[^|]*\| cron\(0 9 3 \* \? \*\) \(Etc\/UTC\)/);
    expect(recovery).toContain('LATEST_WITHIN_WINDOW, SNAPSHOT');
    expect(recovery).toContain('4 h, then deleted by AWS Backup');
  });

  test('says how to produce the live verification when no report is present', () => {
    expect(evidence()).toContain('No live verification report of this cell was found. `npm run verify -- us-east`');
  });

  test('includes the report: time, account, who checked, commit, config hash, result and the last restore test', () => {
    const recovery = evidence(report());
    expect(recovery).toContain('| Time (UTC) | 2026-12-02T12:00:00.000Z |');
    expect(recovery).toContain('| AWS account | `111111111111` |');
    expect(recovery).toContain('| Commit | `0123456789abcdef0123456789abcdef01234567` |');
    expect(recovery).toContain(`${configSha256} (the configuration of this evidence pack)`);
    expect(recovery).toContain('| Result | 2 passed, 0 failed, 0 skipped |');
    expect(recovery).toContain('| Last restore test | PASS: last restore test started 10 d ago, restored in 3 h (target 72 h, met) |');
    expect(recovery).toContain('**Every check passed.**');
  });

  test('lists failed checks and flags a report made with another configuration', () => {
    const recovery = evidence(
      report({
        configSha256: 'f'.repeat(64),
        summary: { pass: 1, fail: 1, skip: 0 },
        results: [{ check: 'restore test', region: 'us-east-1', result: 'fail', detail: 'restored in 3 d 8 h (target 72 h): it missed the 72 h restore target' }],
      }),
    );
    expect(recovery).toContain('**differs from the configuration of this evidence pack**');
    expect(recovery).toContain('**Failed checks:**');
    expect(recovery).toContain('- restore test (us-east-1): restored in 3 d 8 h (target 72 h): it missed the 72 h restore target');
  });

  test('refuses a file that is not a verification report of the cell', () => {
    expect(() => evidence({ ...report(), cell: 'eu-central' })).toThrow(/is not a verification report of cell us-east/);
  });
});
