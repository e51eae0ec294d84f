import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fixtureConfig, rawFixtureConfig } from '../fixtures/config';
import { evidenceCli } from '../../lib/evidence/cli';
import { SYNTH_RECORD_FILE } from '../../lib/evidence/provenance';
import { runCli, scratchDir, synthesized } from '../helpers';

const STACK_TRACE = /^\s+at .*:\d+/m;

/** Runs `npm run evidence` in this process (test/evidence/evidence.test.ts runs the script itself once). */
function evidence(args: string[]) {
  return runCli(() => evidenceCli(args));
}

describe('npm run evidence fails cleanly', () => {
  const scratch = scratchDir('evidence-fail');
  // A configuration of the tests' own, so that the user's config/platform.yaml plays no part.
  const fixture = path.join(scratch, 'platform.json');
  writeFileSync(fixture, JSON.stringify(rawFixtureConfig()));

  test('on a missing cdk.out: says to synthesize, prints no stack trace, writes nothing', () => {
    const missing = path.join(scratch, 'no-such-cdk.out');
    const run = evidence(['--cdk-out', missing, '--config', fixture, '--out', path.join(scratch, 'out-missing')]);
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
    const run = evidence(['--cdk-out', empty, '--config', fixture]);
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
    const result = synthesized(fixtureConfig());

    test('an incomplete assembly: a cell without its manifest', () => {
      const copy = path.join(scratch, 'partial');
      cpSync(result.outdir, copy, { recursive: true });
      rmSync(path.join(copy, 'assembly-eu-central', 'manifest.json'));
      const run = evidence(['--cdk-out', copy, '--config', result.configFile]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('assembly-eu-central (cell eu-central) has no manifest.json');
      expect(run.stderr).not.toMatch(STACK_TRACE);
    });

    test('a configuration with a tenant the assembly does not have', () => {
      const config = path.join(scratch, 'more-tenants.yaml');
      const raw = JSON.parse(readFileSync(result.configFile, 'utf8'));
      raw.tenants.push({ id: 'clinic-999', cell: 'us-east', jurisdiction: 'US' });
      writeFileSync(config, JSON.stringify(raw));
      const run = evidence(['--cdk-out', result.outdir, '--config', config, '--out', path.join(scratch, 'out-mismatch')]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('The cloud assembly does not match');
      expect(run.stderr).toContain('tenant clinic-999 has no stack us-east/Tenant-clinic-999');
      expect(run.stderr).not.toMatch(STACK_TRACE);
      expect(existsSync(path.join(scratch, 'out-mismatch'))).toBe(false);
    });

    test('a configuration changed after the synthesis: refuses, names both hashes and the fix, writes nothing', () => {
      const copy = path.join(scratch, 'changed-config');
      cpSync(result.outdir, copy, { recursive: true });
      const config = path.join(copy, 'config.json');
      // Same clinics and cells, so only the synthesis record can tell: the retention of one clinic differs.
      const raw = JSON.parse(readFileSync(config, 'utf8'));
      raw.tenants[0].transcripts.retentionDays += 1;
      writeFileSync(config, JSON.stringify(raw));
      const run = evidence(['--cdk-out', copy, '--config', config, '--out', path.join(scratch, 'out-changed')]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${config} changed after ${copy} was synthesized`);
      expect(run.stderr).toContain('Run `npx cdk synth` again');
      expect(run.stderr).not.toMatch(STACK_TRACE);
      expect(existsSync(path.join(scratch, 'out-changed'))).toBe(false);
    });

    test('an assembly without the synthesis record', () => {
      const copy = path.join(scratch, 'no-record');
      cpSync(result.outdir, copy, { recursive: true });
      rmSync(path.join(copy, SYNTH_RECORD_FILE));
      const run = evidence(['--cdk-out', copy, '--config', path.join(copy, 'config.json')]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`has no ${SYNTH_RECORD_FILE}`);
    });

    test('a missing validation report', () => {
      const copy = path.join(scratch, 'no-report');
      cpSync(result.outdir, copy, { recursive: true });
      rmSync(path.join(copy, 'validation-report.json'));
      const run = evidence(['--cdk-out', copy, '--config', result.configFile]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('has no validation-report.json');
    });
  });
});
