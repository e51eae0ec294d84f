import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { writeConfig } from './fixtures';

const root = path.join(__dirname, '..', '..');

/** Runs `npm run deploy`'s entry with the real SDK and no AWS credentials at all. */
function deployWithoutCredentials(args: string[]) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const started = Date.now();
  const run = spawnSync('npx', ['tsx', 'bin/deploy.ts', ...args], {
    cwd: root,
    env: { ...clean, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { ...run, output: `${run.stdout}\n${run.stderr}`, seconds: (Date.now() - started) / 1000 };
}

describe('npm run deploy through the real SDK', () => {
  test('without AWS credentials: exit 1, a message about credentials, no stack trace, no hang', () => {
    const run = deployWithoutCredentials(['us-east', '--config', writeConfig()]);
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Refusing to deploy cell "us-east" to account 111111111111: no AWS credentials are available');
    expect(run.stderr).toContain('CredentialsProviderError');
    expect(run.output).not.toMatch(/^\s+at .*:\d+/m);
    expect(run.output).not.toContain('Change record');
    expect(run.output).not.toContain('Running:');
    expect(run.seconds).toBeLessThan(60);
  }, 90_000);

  test('--dry-run without AWS credentials works offline: every check reported, the command printed, exit 0', () => {
    const config = writeConfig();
    const run = deployWithoutCredentials(['us-east', '--dry-run', '--config', config]);
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ {2}passed +config +/m);
    expect(run.stdout).toMatch(/^ {2}not run +account +needs AWS credentials of account 111111111111/m);
    expect(run.stdout).toMatch(/^ {2}not run +clinic stacks +/m);
    expect(run.stdout).toContain(`npx cdk deploy 'us-east/*' --require-approval broadening --concurrency 4 -c config=${config}`);
    expect(run.output).not.toMatch(/^\s+at .*:\d+/m);
    expect(run.output).not.toContain('Running:');
  }, 90_000);
});
