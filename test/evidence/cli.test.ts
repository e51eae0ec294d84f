import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { synthesize } from '../helpers';

const root = path.join(__dirname, '..', '..');
const STACK_TRACE = /^\s+at .*:\d+/m;

/** Runs `npm run evidence` the way a user does, through tsx. */
function evidence(args: string[]) {
  const run = spawnSync('npx', ['tsx', 'scripts/evidence.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run evidence fails cleanly', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'vp-evidence-fail-'));

  test('on a missing cdk.out: says to synthesize, prints no stack trace, writes nothing', () => {
    const missing = path.join(scratch, 'no-such-cdk.out');
    const run = evidence(['--cdk-out', missing, '--out', path.join(scratch, 'out-missing')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`There is no cloud assembly at ${missing}`);
    expect(run.stderr).toContain('npx cdk synth');
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(run.stdout).not.toContain('Evidence pack written');
    expect(existsSync(path.join(scratch, 'out-missing'))).toBe(false);
  });

  test('on a cdk.out without manifest.json', () => {
    const empty = path.join(scratch, 'stale');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'leftover.template.json'), '{}');
    const run = evidence(['--cdk-out', empty]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('has no manifest.json');
    expect(run.stderr).not.toMatch(STACK_TRACE);
  });

  test('on an unknown argument, with the usage', () => {
    const run = evidence(['--cdk-dir', 'cdk.out']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Unknown argument "--cdk-dir"');
    expect(run.stderr).toContain('Usage: npm run evidence');
  });

  describe('on an assembly that does not match', () => {
    const { app } = synthesize();

    test('an incomplete assembly: a cell without its manifest', () => {
      const copy = path.join(scratch, 'partial');
      cpSync(app.outdir, copy, { recursive: true });
      rmSync(path.join(copy, 'assembly-eu-central', 'manifest.json'));
      const run = evidence(['--cdk-out', copy]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('assembly-eu-central (cell eu-central) has no manifest.json');
      expect(run.stderr).not.toMatch(STACK_TRACE);
    });

    test('a configuration with a tenant the assembly does not have', () => {
      const config = path.join(scratch, 'more-tenants.yaml');
      writeFileSync(config, `${readFileSync(path.join(root, 'config', 'platform.yaml'), 'utf8')}\n  - id: clinic-999\n    cell: us-east\n    jurisdiction: US\n`);
      const run = evidence(['--cdk-out', app.outdir, '--config', config, '--out', path.join(scratch, 'out-mismatch')]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('The cloud assembly does not match');
      expect(run.stderr).toContain('tenant clinic-999 has no stack us-east/Tenant-clinic-999');
      expect(run.stderr).not.toMatch(STACK_TRACE);
      expect(existsSync(path.join(scratch, 'out-mismatch'))).toBe(false);
    });

    test('a missing validation report', () => {
      const copy = path.join(scratch, 'no-report');
      cpSync(app.outdir, copy, { recursive: true });
      rmSync(path.join(copy, 'validation-report.json'));
      const run = evidence(['--cdk-out', copy]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('has no validation-report.json');
    });
  });
});
