import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { stringify } from 'yaml';
import { rawFixtureConfig } from './fixtures/config';
import { runApp, scratchDir } from './helpers';

const root = path.join(__dirname, '..');

/** Runs the real CDK CLI in the repository, with no AWS credentials in its environment. */
function cdk(args: string[], env: Record<string, string> = {}) {
  const output = scratchDir('cli-out');
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const run = spawnSync('npx', ['cdk', ...args, '--output', output], {
    cwd: root,
    env: { ...clean, ...env, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, out: `${run.stdout}\n${run.stderr}`, output };
}

describe('cdk synth through the CLI', () => {
  test('exits non-zero on a non-compliant resource and names the rule', () => {
    const config = path.join(scratchDir('cli-config'), 'platform.json');
    writeFileSync(config, JSON.stringify(rawFixtureConfig({ cells: 1, tenantsPerCell: 0 })));
    const run = cdk(['synth', '--app', 'npx tsx test/fixtures/noncompliant-app.ts', '-c', `config=${config}`], { NONCOMPLIANT: 'sse-s3-bucket' });
    expect(run.status).not.toBe(0);
    expect(run.out).toContain('HIPAA.Security-S3DefaultEncryptionKMS');
    expect(run.out).toContain('us-east/Network/SseS3Bucket');
    expect(run.out).toContain('Compliance gate: synthesis refused');
  });
});

// The entry point's own refusals, run in this process as the CLI runs it (test/helpers.ts, runApp).
describe('the app entry as cdk synth runs it', () => {
  test('exits 1 on a config mistake, names the field, prints no stack trace and writes no template', () => {
    const dir = scratchDir('cli-bad-config');
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'platform: { id: vp }',
        'cells:',
        '  - { id: us-east, jurisdiction: US, account: "111111111111", primaryRegion: eu-west-1, drRegion: us-west-2,',
        '      availabilityZones: [us-east-1a, us-east-1b], vpcCidr: 10.10.0.0/16, natGateways: 1, retention: { auditDays: 365 } }',
        'tenants: []',
      ].join('\n'),
    );
    const run = runApp(file);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('cells[0] (us-east).primaryRegion: "eu-west-1" is not a US region');
    expect(run.stderr).toContain('cells[0] (us-east).retention.auditDays: must be at least 2192 days');
    expect(run.stderr).not.toMatch(/^\s+at .*\.(ts|js):\d+/m);
    expect(existsSync(path.join(run.outdir, 'manifest.json'))).toBe(false);
  });

  test('a failure inside synthesis that is not the user\'s doing says it is a defect of the app and how to report it', () => {
    const config = path.join(scratchDir('cli-defect'), 'platform.yaml');
    writeFileSync(config, stringify(rawFixtureConfig({ cells: 1, tenantsPerCell: 1 })));
    const run = runApp(config, (_app, cells) => {
      // S3 refuses upper case and underscores in a bucket name: the construct throws, as a defect of ours would.
      new s3.Bucket(cells[0].network, 'MisnamedBucket', { bucketName: 'Not_A_Bucket_Name', removalPolicy: RemovalPolicy.RETAIN });
    });
    expect(run.status).toBe(70);
    expect(run.stderr).toContain('Synthesis failed because of a defect in the voice platform app, not a mistake in your configuration');
    expect(run.stderr).toContain('Not_A_Bucket_Name');
    expect(run.stderr).toContain('Please report it to the platform team as an issue in this repository');
    expect(run.stderr).toContain('Nothing was synthesized.');
    expect(existsSync(path.join(run.outdir, 'manifest.json'))).toBe(false);
  });
});
