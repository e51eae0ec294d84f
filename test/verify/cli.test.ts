import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { EXIT, VerificationReport, VerifyDependencies, runVerify } from '../../lib/verify';
import { scratchDir } from '../helpers';
import { ACCOUNT, NOW, expectationsOf, healthyAccount, mocks, synthesizedCell, verifyConfig } from './fixtures';

const ROOT = path.join(__dirname, '..', '..');
const expected = expectationsOf();
const synth = synthesizedCell();
beforeEach(() => healthyAccount(expected));
afterAll(() => Object.values(mocks).forEach((m) => m.restore()));

/** runVerify with the mocked account, a fixed clock and commit, and captured output. */
async function verify(extra: string[] = [], deps: Partial<VerifyDependencies> = {}) {
  const outDir = scratchDir('verify');
  const out: string[] = [];
  const err: string[] = [];
  const code = await runVerify(['us-east', '--config', synth.configFile, '--cdk-out', synth.outdir, '--out', outDir, ...extra], {
    sts: (region) => new STSClient({ region }),
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    now: () => NOW,
    git: () => ({ commit: '0123456789abcdef0123456789abcdef01234567', dirty: false }),
    env: { AWS_CONFIG_FILE: '/dev/null' },
    ...deps,
  });
  return { code, out: out.join('\n'), err: err.join('\n'), outDir };
}

describe('npm run verify -- us-east, against a mocked account', () => {
  test('prints the table, shows progress, writes the report and its JSON twin, and exits 0', async () => {
    const { code, out, err, outDir } = await verify();
    expect(code).toBe(EXIT.passed);
    expect(out.split('\n')[0]).toMatch(/^CHECK\s+REGION\s+RESULT\s+DETAIL$/);
    expect(out).toMatch(/stack us-east-Keys\s+us-east-1\s+PASS\s+UPDATE_COMPLETE, termination protection on, no drift/);
    expect(out).toMatch(/restore test\s+us-east-1\s+PASS\s+last restore test started 10 d ago, restored in 3 h \(target 72 h, met\)/);
    expect(out).toMatch(/Verified: \d+ passed, 0 failed, 0 skipped/);
    expect(err).toContain('[1/10] stacks: state, termination protection, drift…');
    expect(err).toContain('[10/10] clinic buckets: key, versioning, public access, offboarding…');

    const json = JSON.parse(readFileSync(path.join(outDir, 'verification-us-east.json'), 'utf8')) as VerificationReport;
    expect(json).toMatchObject({
      cell: 'us-east',
      account: ACCOUNT,
      time: NOW.toISOString(),
      commit: '0123456789abcdef0123456789abcdef01234567',
      configSha256: createHash('sha256').update(readFileSync(synth.configFile)).digest('hex'),
      restoreTargetHours: 72,
      summary: { fail: 0, skip: 0 },
    });
    expect(json.results.length).toBe(json.summary.pass);
    const md = readFileSync(path.join(outDir, 'verification-us-east.md'), 'utf8');
    expect(md).toContain('# Live verification — cell us-east');
    expect(md).toContain('**Every check passed**');
    expect(md).toContain(`| AWS account | \`${ACCOUNT}\` |`);
    expect(md).toContain('| Commit | `0123456789abcdef0123456789abcdef01234567` |');
  });

  test('exits 1 and says so when a check fails; the report lists the failed row', async () => {
    mocks.trail.on(GetTrailStatusCommand).resolves({ IsLogging: false, LatestDigestDeliveryTime: new Date(NOW.getTime() - 600_000) });
    const { code, out, outDir } = await verify();
    expect(code).toBe(EXIT.failed);
    expect(out).toMatch(/trail vp-us-east-trail logging\s+us-east-1\s+FAIL\s+not logging: the trail is stopped/);
    expect(out).toMatch(/Verification FAILED: \d+ passed, 1 failed/);
    expect(readFileSync(path.join(outDir, 'verification-us-east.md'), 'utf8')).toContain('**1 check(s) failed**');
  });

  test('refuses the wrong account with the preflight\'s message, checks nothing and writes nothing', async () => {
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999', Arn: 'arn:aws:sts::999999999999:assumed-role/auditor/someone' });
    const { code, err, out, outDir } = await verify();
    expect(code).toBe(EXIT.refused);
    expect(err).toContain('Refusing to verify cell "us-east" in account 111111111111: the AWS credentials in use belong to account 999999999999');
    expect(err).toContain('Nothing was checked.');
    expect(err).not.toMatch(/\n\s+at /);
    expect(out).toBe('');
    expect(mocks.cfn.calls()).toHaveLength(0);
    expect(existsSync(path.join(outDir, 'verification-us-east.json'))).toBe(false);
  });

  test('refuses without credentials, saying how to sign in', async () => {
    mocks.sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const { code, err } = await verify();
    expect(code).toBe(EXIT.refused);
    expect(err).toContain('no AWS credentials are available (CredentialsProviderError');
    expect(err).toContain('AWS_PROFILE=<profile> npm run verify -- us-east');
    expect(mocks.cfn.calls()).toHaveLength(0);
  });

  test('refuses an unknown cell, an unknown option and an assembly synthesized from another configuration', async () => {
    const unknown = await runVerify(['eu-north', '--config', synth.configFile, '--cdk-out', synth.outdir], { sts: () => new STSClient({}), err: () => undefined, out: () => undefined });
    expect(unknown).toBe(EXIT.refused);
    const err: string[] = [];
    expect(await runVerify(['us-east', '--fast'], { sts: () => new STSClient({}), err: (l) => err.push(l) })).toBe(EXIT.refused);
    expect(err.join('\n')).toContain('Unknown option --fast. Nothing was checked.');

    const other = verifyConfig((raw) => raw.tenants.push({ id: 'us-east-c099', cell: 'us-east', jurisdiction: 'US' }));
    const file = path.join(scratchDir('verify'), 'platform.json');
    writeFileSync(file, JSON.stringify(other));
    const stale: string[] = [];
    expect(await runVerify(['us-east', '--config', file, '--cdk-out', synth.outdir], { sts: () => new STSClient({}), err: (l) => stale.push(l) })).toBe(EXIT.refused);
    expect(stale.join('\n')).toContain('lacks us-east/Tenant-us-east-c099');
    expect(mocks.sts.calls()).toHaveLength(0);
  });
});

/** Runs `npm run verify` as a user does, in a child process; resolves when it exits. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return new Promise((resolve) => {
    const child = spawn('npx', ['tsx', 'bin/verify.ts', ...args], {
      cwd: ROOT,
      env: { ...clean, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bin/verify.ts, the CLI entry', () => {
  const args = () => ['us-east', '--config', synth.configFile, '--cdk-out', synth.outdir, '--out', scratchDir('verify')];

  test('without credentials: a clear refusal, no stack trace, exit 2', async () => {
    const run = await cli(args(), {});
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain('Refusing to verify cell "us-east" in account 111111111111: no AWS credentials are available');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  }, 60_000);

  test('with credentials of another account: a clear refusal, no stack trace, exit 2', async () => {
    // A local stand-in for STS that answers GetCallerIdentity for another account (placeholder ids).
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'text/xml');
        res.end(
          '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
            '<Arn>arn:aws:sts::999999999999:assumed-role/auditor/someone</Arn><UserId>AROAEXAMPLE:someone</UserId><Account>999999999999</Account>' +
            '</GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const run = await cli(args(), {
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
        AWS_SECRET_ACCESS_KEY: 'placeholder-secret-for-a-local-stand-in',
        AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      });
      expect(run.stderr).toContain('the AWS credentials in use belong to account 999999999999 (arn:aws:sts::999999999999:assumed-role/auditor/someone), but cell "us-east" is configured for account 111111111111');
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.code).toBe(EXIT.refused);
    } finally {
      server.close();
    }
  }, 60_000);
});
