import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { writeConfig } from './fixtures';

const root = path.join(__dirname, '..', '..');

describe('npm run deploy through the real SDK', () => {
  test('without AWS credentials: exit 1, a message about credentials, no stack trace, no hang', () => {
    const config = writeConfig();
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const started = Date.now();
    const run = spawnSync('npx', ['tsx', 'bin/deploy.ts', 'us-east', '--dry-run', '--config', config], {
      cwd: root,
      env: { ...clean, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;

    expect(run.error).toBeUndefined();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Refusing to deploy cell "us-east" to account 111111111111: no AWS credentials are available');
    expect(run.stderr).toContain('CredentialsProviderError');
    expect(output).not.toMatch(/^\s+at .*:\d+/m);
    expect(output).not.toContain('Change record');
    expect(output).not.toContain('cdk deploy');
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
