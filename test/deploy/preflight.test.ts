import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, ListStacksCommand, StackSummary } from '@aws-sdk/client-cloudformation';
import { BatchGetImageCommand, ECRClient, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { App, Stack } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError, PLACEHOLDER_IMAGE_DIGEST, loadConfig } from '../../lib/config';
import {
  DeployDependencies,
  IMAGE_STACK_ID,
  PreflightError,
  clinicStackNames,
  PreflightOptions,
  preflight,
  profilesForAccount,
  runDeploy,
  spawnRunner,
} from '../../lib/deploy';
import { buildPlatform } from '../../lib/platform';
import { VoiceStack } from '../../lib/stacks/voice-stack';
import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { cdkJsonContext } from '../helpers';
import { REAL_DIGEST, imageConfigBlob, imageManifest, sdkError, writeConfig } from './fixtures';

/** Where config/platform.yaml would be: a fixture file while a test sets it, so that no test reads the user's config. */
let mockDefaultConfigPath: string | undefined;
jest.mock('../../lib/config/load', () => {
  const actual = jest.requireActual('../../lib/config/load');
  return {
    ...actual,
    get DEFAULT_CONFIG_PATH() {
      return mockDefaultConfigPath ?? '/nonexistent/config/platform.yaml';
    },
  };
});

const US_ACCOUNT = '111111111111';
const CALLER_ARN = `arn:aws:sts::${US_ACCOUNT}:assumed-role/deployer/alice`;
const NOW = new Date('2026-11-26T04:56:22.000Z');

const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);
// The deploy-time checks (test/deploy/deploy-checks.test.ts) see an image that honours the contract.
const ecr = mockClient(ECRClient);
const IMAGE_CONFIG = imageConfigBlob({ User: '10001:10001', Volumes: { '/tmp': {} } });
beforeEach(() => {
  sts.reset();
  cfn.reset();
  ecr.reset();
  // By default the cell's account holds the stacks of exactly the clinics config places in it, none of them failed.
  cfn.on(ListStacksCommand).callsFake(async () => ({ StackSummaries: [] }));
  ecr.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: imageManifest(IMAGE_CONFIG), imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' }] });
  ecr.on(GetDownloadUrlForLayerCommand).resolves({ downloadUrl: 'https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/example' });
});
afterAll(() => {
  sts.restore();
  cfn.restore();
  ecr.restore();
});

/** A stack as ListStacks reports it. */
function stack(StackName: string, StackStatus: StackSummary['StackStatus'] = 'CREATE_COMPLETE'): StackSummary {
  return { StackName, StackStatus, CreationTime: new Date('2026-01-01T00:00:00Z'), StackId: `arn:aws:cloudformation:us-east-1:111111111111:stack/${StackName}/0` };
}

/** ListStacks answers per region: the region a client was made for decides the answer. */
function stacksIn(byRegion: Record<string, StackSummary[]>) {
  cfn.on(ListStacksCommand).callsFake(async (input, getClient) => {
    const region = await (getClient() as CloudFormationClient).config.region();
    // As CloudFormation does: only the statuses asked for, when the caller filters.
    const filter: string[] | undefined = input.StackStatusFilter;
    return { StackSummaries: (byRegion[region] ?? []).filter((s) => !filter || filter.includes(s.StackStatus!)) };
  });
}

function callerIn(account: string, arn = `arn:aws:sts::${account}:assumed-role/deployer/alice`) {
  sts.on(GetCallerIdentityCommand).resolves({ Account: account, Arn: arn, UserId: 'AROAEXAMPLE:alice' });
}

/** Everything runDeploy needs, with a fake runner and captured output; no process is ever started. */
function harness(overrides: Partial<DeployDependencies> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const runner = jest.fn(async (_command: string, _args: readonly string[]) => 0);
  const stsFor = jest.fn((region: string) => new STSClient({ region }));
  const cfnFor = jest.fn((region: string) => new CloudFormationClient({ region }));
  const deps: DeployDependencies = {
    sts: stsFor,
    cloudformation: cfnFor,
    ecr: (region) => new ECRClient({ region }),
    fetchBlob: async () => IMAGE_CONFIG,
    runner,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    now: () => NOW,
    git: () => ({ commit: '886c211d020614d40894f10f4b0a5abec24b249d', dirty: false }),
    env: { AWS_CONFIG_FILE: '/dev/null' },
    ...overrides,
  };
  return { deps, out, err, runner, stsFor, cfnFor };
}

/** Runs the preflight alone with a mocked STS and returns its refusal. */
async function refusal(options: Partial<PreflightOptions> & { cellId?: string } = {}): Promise<PreflightError> {
  try {
    await preflight({
      cellId: 'us-east',
      configPath: writeConfig(),
      sts: new STSClient({ region: 'us-east-1' }),
      cloudformation: (region) => new CloudFormationClient({ region }),
      env: {},
      ...options,
    });
  } catch (e) {
    if (e instanceof PreflightError) return e;
    throw e;
  }
  throw new Error('the preflight passed');
}

describe('deploy with the right account', () => {
  test('passes, asks STS in the primary region once, and runs exactly cdk deploy for the cell', async () => {
    callerIn(US_ACCOUNT, CALLER_ARN);
    const config = writeConfig();
    const { deps, out, err, runner, stsFor } = harness();

    const code = await runDeploy(['us-east', '--config', config], deps);

    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(stsFor).toHaveBeenCalledWith('us-east-1');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(runner).toHaveBeenCalledTimes(1);
    expect(runner).toHaveBeenCalledWith('npx', [
      'cdk', 'deploy', 'us-east/*', '--require-approval', 'broadening', '--concurrency', '4', '-c', `config=${config}`,
    ]);
    expect(out).toContain(`Running: npx cdk deploy 'us-east/*' --require-approval broadening --concurrency 4 -c config=${config}`);
  });

  test('exits with the code of cdk', async () => {
    callerIn(US_ACCOUNT);
    const { deps } = harness({ runner: async () => 3 });
    expect(await runDeploy(['us-east', '--config', writeConfig()], deps)).toBe(3);
  });

  test('the EU cell is checked in its own primary region and account', async () => {
    callerIn('222222222222');
    const { deps, runner, stsFor } = harness();
    expect(await runDeploy(['eu-central', '--config', writeConfig()], deps)).toBe(0);
    expect(stsFor).toHaveBeenCalledWith('eu-central-1');
    expect(runner.mock.calls[0][1].slice(0, 3)).toEqual(['cdk', 'deploy', 'eu-central/*']);
  });

  test('--concurrency overrides the default of 4', async () => {
    callerIn(US_ACCOUNT);
    const { deps, runner } = harness();
    expect(await runDeploy(['us-east', '--config', writeConfig(), '--concurrency', '8'], deps)).toBe(0);
    expect(runner.mock.calls[0][1]).toEqual(expect.arrayContaining(['--concurrency', '8']));
    expect(runner.mock.calls[0][1]).not.toContain('4');
  });

  test('--dry-run runs every check, prints the command and runs nothing', async () => {
    callerIn(US_ACCOUNT);
    const config = writeConfig();
    const { deps, out, runner } = harness();
    expect(await runDeploy(['us-east', '--config', config, '--dry-run'], deps)).toBe(0);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(runner).not.toHaveBeenCalled();
    expect(out.join('\n')).toContain(`npx cdk deploy 'us-east/*' --require-approval broadening --concurrency 4 -c config=${config}`);
  });

  test('prints the change record: who, which account, cell, jurisdiction, regions, stacks, config and its hash, commit, time', async () => {
    callerIn(US_ACCOUNT, CALLER_ARN);
    const config = writeConfig();
    const sha = createHash('sha256').update(readFileSync(config)).digest('hex');
    const { deps, out } = harness({ git: () => ({ commit: '886c211d020614d40894f10f4b0a5abec24b249d', dirty: true }) });

    await runDeploy(['us-east', '--config', config], deps);

    const record = out.join('\n');
    expect(out[0]).toBe('Deploy preflight passed. Change record:');
    for (const line of [
      /^ {2}caller +arn:aws:sts::111111111111:assumed-role\/deployer\/alice$/m,
      /^ {2}account +111111111111$/m,
      /^ {2}cell +us-east$/m,
      /^ {2}jurisdiction +US$/m,
      /^ {2}primary region +us-east-1$/m,
      /^ {2}DR region +us-west-2$/m,
      /^ {2}stacks +'us-east\/\*'$/m,
      new RegExp(`^ {2}voice image +${REAL_DIGEST}$`, 'm'),
      new RegExp(`^ {2}config +${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
      new RegExp(`^ {2}config SHA-256 +${sha}$`, 'm'),
      /^ {2}git commit +886c211d020614d40894f10f4b0a5abec24b249d \(plus uncommitted changes in the working tree\)$/m,
      /^ {2}time \(UTC\) +2026-11-26T04:56:22\.000Z$/m,
    ]) {
      expect(record).toMatch(line);
    }
  });

  test('the change record tolerates a checkout without git', async () => {
    callerIn(US_ACCOUNT);
    const { deps, out } = harness({ git: () => undefined });
    await runDeploy(['us-east', '--config', writeConfig()], deps);
    expect(out.join('\n')).toMatch(/^ {2}git commit +not available$/m);
  });

  test('the default config is not passed to cdk with -c, which reads it by default', async () => {
    callerIn(US_ACCOUNT);
    const { deps, runner } = harness();
    // The default path points at a fixture here (see jest.mock above), never at the user's file.
    mockDefaultConfigPath = writeConfig();
    try {
      expect(await runDeploy(['us-east'], deps)).toBe(0);
    } finally {
      mockDefaultConfigPath = undefined;
    }
    expect(runner.mock.calls[0][1]).not.toContain('-c');
  });
});

describe('deploy refused', () => {
  async function refusedRun(argv: string[], overrides: Partial<DeployDependencies> = {}) {
    const h = harness(overrides);
    const code = await runDeploy(argv, h.deps);
    expect(code).toBe(1);
    expect(h.runner).not.toHaveBeenCalled();
    expect(h.out).toEqual([]);
    return { ...h, message: h.err.join('\n') };
  }

  test('wrong account: names both accounts and the caller, runs nothing', async () => {
    callerIn('999999999999', 'arn:aws:sts::999999999999:assumed-role/deployer/alice');
    const { message } = await refusedRun(['us-east', '--config', writeConfig()], { env: { AWS_CONFIG_FILE: '/dev/null', AWS_PROFILE: 'eu-prod' } });
    expect(message).toContain('belong to account 999999999999');
    expect(message).toContain('configured for account 111111111111');
    expect(message).toContain('arn:aws:sts::999999999999:assumed-role/deployer/alice');
    expect(message).toContain('cells[0] (us-east).account');
    expect(message).toContain('The current profile is eu-prod.');
    expect(message).toContain('Nothing was deployed.');
  });

  test('wrong account: suggests the profiles of the AWS config that lead to the cell account', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vp-awscfg-'));
    const awsConfig = path.join(dir, 'config');
    writeFileSync(
      awsConfig,
      [
        '[default]',
        'region = us-east-1',
        '[profile us-prod]',
        'sso_account_id = 111111111111',
        'sso_role_name = Deployer',
        '[profile us-ci]',
        'role_arn = arn:aws:iam::111111111111:role/ci-deployer',
        'source_profile = default',
        '[profile eu-prod]',
        'sso_account_id = 222222222222',
      ].join('\n'),
    );
    callerIn('222222222222');
    const { message } = await refusedRun(['us-east', '--config', writeConfig()], { env: { AWS_CONFIG_FILE: awsConfig } });
    expect(message).toContain('Profiles for account 111111111111 in your AWS config: us-prod (SSO), us-ci (role ci-deployer).');
    expect(message).not.toContain('eu-prod');
    expect(message).toContain('No AWS_PROFILE is set');
  });

  test('missing credentials: a message about credentials, no STS answer needed, runs nothing', async () => {
    sts.on(GetCallerIdentityCommand).rejects(sdkError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const { message } = await refusedRun(['us-east', '--config', writeConfig()]);
    expect(message).toMatch(/no AWS credentials are available \(CredentialsProviderError/);
    expect(message).toContain('Sign in with credentials of account 111111111111');
    expect(message).toContain('aws sso login');
  });

  test('missing credentials are recognized by the error name, not its message', async () => {
    sts.on(GetCallerIdentityCommand).rejects(sdkError('CredentialsProviderError', 'Some future wording'));
    expect((await refusal()).reason).toBe('no-credentials');
    sts.on(GetCallerIdentityCommand).rejects(sdkError('TokenProviderError', 'The SSO session has expired'));
    expect((await refusal()).reason).toBe('no-credentials');
  });

  test('expired credentials: rejected, with the error name', async () => {
    sts.on(GetCallerIdentityCommand).rejects(sdkError('ExpiredToken', 'The security token included in the request is expired'));
    const e = await refusal();
    expect(e.reason).toBe('credentials-rejected');
    expect(e.message).toContain('ExpiredToken');
  });

  test('network error: names the error and says to retry, runs nothing', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      sdkError('Error', 'getaddrinfo ENOTFOUND sts.us-east-1.amazonaws.com', { code: 'ENOTFOUND' }),
    );
    const { message } = await refusedRun(['us-east', '--config', writeConfig()]);
    expect(message).toContain('STS GetCallerIdentity in us-east-1 failed with Error ENOTFOUND');
    expect(message).toMatch(/retry/i);
  });

  test('throttling: names ThrottlingException and says to retry, runs nothing', async () => {
    sts.on(GetCallerIdentityCommand).rejects(sdkError('ThrottlingException', 'Rate exceeded'));
    const { message } = await refusedRun(['us-east', '--config', writeConfig()]);
    expect(message).toContain('failed with ThrottlingException (Rate exceeded)');
    expect(message).toMatch(/retry/i);
  });

  test('an STS call that never answers is refused after the time limit', async () => {
    sts.on(GetCallerIdentityCommand).callsFake(() => new Promise(() => undefined));
    const e = await refusal({ stsTimeoutMs: 50 });
    expect(e.reason).toBe('sts-failed');
    expect(e.message).toContain('TimeoutError');
  });

  test('unknown cell: lists the known cells, never asks STS', async () => {
    const { message } = await refusedRun(['us-west', '--config', writeConfig()]);
    expect(message).toContain('has no cell "us-west"');
    expect(message).toContain('The cells it defines are: us-east, eu-central.');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  test('placeholder digest: refused with the first-deploy procedure, never asks STS', async () => {
    const config = writeConfig((raw) => {
      raw.cells[0].voice.imageDigest = PLACEHOLDER_IMAGE_DIGEST;
    });
    const { message } = await refusedRun(['us-east', '--config', config]);
    expect(message).toContain('cells[0] (us-east).voice.imageDigest');
    expect(message).toContain('still the placeholder');
    expect(message).toContain('ECR repository vp-us-east/voice (111111111111.dkr.ecr.us-east-1.amazonaws.com/vp-us-east/voice)');
    expect(message).toContain('--allow-placeholder-image');
    expect(message).toContain('every stack of the cell except us-east/Voice');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  test('with the pipeline enabled, a hand deploy of a cell that has an image is refused: the pipeline owns it', async () => {
    const config = writeConfig((raw) => {
      raw.pipeline.enabled = true;
    });
    const e = await refusal({ configPath: config });
    expect(e.reason).toBe('pipeline-owns-deploys');
    expect(e.message).toContain('deployed by the pipeline, with its approvals');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  test('a config with the placeholder digest is refused', async () => {
    const e = await refusal({ configPath: writeConfig((raw) => (raw.cells[0].voice.imageDigest = PLACEHOLDER_IMAGE_DIGEST)) });
    expect(e.reason).toBe('placeholder-image');
  });

  test('a config mistake is printed exactly as ConfigError words it', async () => {
    const config = writeConfig((raw) => {
      raw.cells[0].account = '1234';
    });
    let expected = '';
    try {
      loadConfig(config);
    } catch (e) {
      expected = (e as ConfigError).message;
    }
    expect(expected).toContain('cells[0] (us-east).account');
    const { err } = await refusedRun(['us-east', '--config', config]);
    expect(err).toEqual([expected]);
  });

  test('a missing config file is a config mistake', async () => {
    const { message } = await refusedRun(['us-east', '--config', '/nonexistent/platform.yaml']);
    expect(message).toContain('cannot read the file');
  });

  test.each([
    [['us-east', '--dryrun'], 'Unknown option --dryrun.'],
    [[], 'Name the cell to deploy.'],
    [['us-east', 'eu-central'], 'Deploy one cell at a time'],
    [['us-east', '--concurrency', '0'], '--concurrency must be a whole number'],
    [['us-east', '--concurrency', 'lots'], '--concurrency must be a whole number'],
  ])('a command line mistake is refused before anything else: %j', async (argv, expected) => {
    const { message } = await refusedRun(argv);
    expect(message).toContain(expected);
    expect(message).toContain('Usage: npm run deploy');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });
});

describe('first deploy of a new cell (--allow-placeholder-image)', () => {
  const placeholder = () =>
    writeConfig((raw) => {
      raw.cells[0].voice.imageDigest = PLACEHOLDER_IMAGE_DIGEST;
    });

  test('deploys every stack of the cell except the one that runs the image, and says so', async () => {
    callerIn(US_ACCOUNT);
    const config = placeholder();
    const { deps, out, runner } = harness();
    expect(await runDeploy(['us-east', '--config', config, '--allow-placeholder-image'], deps)).toBe(0);
    expect(runner).toHaveBeenCalledWith('npx', [
      'cdk', 'deploy', 'us-east/*', '!us-east/Voice', '--exclusively', '--require-approval', 'broadening', '--concurrency', '4', '-c', `config=${config}`,
    ]);
    const printed = out.join('\n');
    expect(printed).toMatch(/^ {2}stacks +'us-east\/\*' '!us-east\/Voice'$/m);
    expect(printed).toContain('(placeholder)');
    expect(printed).toContain('us-east/Voice is left out');
  });

  test('still refuses the wrong account', async () => {
    callerIn('999999999999');
    const { deps, runner } = harness();
    expect(await runDeploy(['us-east', '--config', placeholder(), '--allow-placeholder-image'], deps)).toBe(1);
    expect(runner).not.toHaveBeenCalled();
  });

  test('has no effect on a cell with a real digest: every stack is deployed', async () => {
    callerIn(US_ACCOUNT);
    const { deps, out, runner } = harness();
    expect(await runDeploy(['us-east', '--config', writeConfig(), '--allow-placeholder-image'], deps)).toBe(0);
    expect(runner.mock.calls[0][1]).not.toContain('!us-east/Voice');
    expect(runner.mock.calls[0][1]).not.toContain('--exclusively');
    expect(out.join('\n')).toContain('--allow-placeholder-image has no effect');
  });

  test(`the stack left out, "${IMAGE_STACK_ID}", is the cell's voice stack`, () => {
    const app = new App({ context: cdkJsonContext() });
    const [cell] = buildPlatform(app, fixtureConfig({ cells: 1, tenantsPerCell: 0 }));
    expect(cell.node.tryFindChild(IMAGE_STACK_ID)).toBeInstanceOf(VoiceStack);
  });
});

describe('helpers', () => {
  test('profilesForAccount reads nothing when there is no AWS config', () => {
    expect(profilesForAccount(US_ACCOUNT, { AWS_CONFIG_FILE: '/nonexistent/config' })).toEqual([]);
  });

  test('the real runner returns the exit code of the command it runs', async () => {
    const run = spawnRunner(tmpdir());
    expect(await run(process.execPath, ['-e', 'process.exit(3)'])).toBe(3);
    expect(await run(process.execPath, ['-e', ''])).toBe(0);
  });
});

describe('a clinic that disappeared from the cell or moved is refused by name', () => {
  const c1 = fixtureTenantId('us-east', 1);
  const c2 = fixtureTenantId('us-east', 2);
  const inPlace = () => ({
    'us-east-1': [stack(`us-east-Tenant-${c1}`), stack(`us-east-Tenant-${c2}`), stack('us-east-Network'), stack('eu-central-Tenant-eu-central-c001')],
    'us-west-2': [stack(`us-east-TenantReplica-${c1}`), stack(`us-east-TenantReplica-${c2}`)],
  });

  test('clinics whose stacks match config pass, both regions are listed, and the change record says so', async () => {
    callerIn(US_ACCOUNT);
    stacksIn(inPlace());
    const { deps, out, err, runner, cfnFor } = harness();
    expect(await runDeploy(['us-east', '--config', writeConfig()], deps)).toBe(0);
    expect(err).toEqual([]);
    // Both regions are asked (by the clinic-stack check, and again by the stack-state check).
    expect([...new Set(cfnFor.mock.calls.map(([region]) => region))].sort()).toEqual(['us-east-1', 'us-west-2']);
    expect(runner).toHaveBeenCalledTimes(1);
    expect(out.join('\n')).toMatch(new RegExp(`^ {2}clinic stacks +2 in the account \\(${c1}, ${c2}\\), each still placed in this cell by config$`, 'm'));
  });

  test('a clinic removed from config: refused, naming it, its stack and the offboarding procedure; nothing runs', async () => {
    callerIn(US_ACCOUNT);
    stacksIn(inPlace());
    const config = writeConfig((raw) => {
      raw.tenants = raw.tenants.filter((t: { id: string }) => t.id !== c2);
    });
    const { deps, err, out, runner } = harness();
    expect(await runDeploy(['us-east', '--config', config], deps)).toBe(1);
    expect(runner).not.toHaveBeenCalled();
    expect(out).toEqual([]);
    const message = err.join('\n');
    expect(message).toContain('Refusing to deploy cell "us-east": account 111111111111 holds the stacks of a clinic that config no longer places in this cell');
    expect(message).toContain(`${c2} (stack us-east-Tenant-${c2} in us-east-1) is no longer in`);
    expect(message).toContain('a clinic leaves a cell only through offboarding');
    expect(message).toContain('"Offboard a clinic" in the README');
    expect(message).toContain('Nothing was deployed.');
  });

  test('a clinic moved to another cell: refused, naming it, the new cell, the field and the move procedure', async () => {
    callerIn(US_ACCOUNT);
    stacksIn(inPlace());
    const config = writeConfig((raw) => {
      raw.tenants.find((t: { id: string }) => t.id === c2).cell = 'us-west';
    }, 4);
    const e = await refusal({ configPath: config });
    expect(e.reason).toBe('clinic-stacks-orphaned');
    expect(e.message).toContain(`${c2} (stack us-east-Tenant-${c2} in us-east-1) is now placed in cell "us-west" (tenants[1] (${c2}).cell in`);
    expect(e.message).toContain('its data does not follow it there');
    expect(e.message).toContain('"Move a clinic to another cell"');
    expect(e.message).not.toContain(c1);
  });

  test('a clinic whose primary stack is gone but whose DR replica stack remains is still refused', async () => {
    callerIn(US_ACCOUNT);
    stacksIn({ 'us-west-2': [stack(`us-east-TenantReplica-clinic-old`)] });
    const e = await refusal();
    expect(e.reason).toBe('clinic-stacks-orphaned');
    expect(e.message).toContain('clinic-old (stack us-east-TenantReplica-clinic-old in us-west-2) is no longer in');
  });

  test('stacks deleted earlier (ListStacks keeps them for 90 days) do not count', async () => {
    callerIn(US_ACCOUNT);
    stacksIn({ 'us-east-1': [stack('us-east-Tenant-clinic-old', 'DELETE_COMPLETE')] });
    const { deps } = harness();
    expect(await runDeploy(['us-east', '--config', writeConfig()], deps)).toBe(0);
  });

  test('ListStacks refused: the deploy is refused, since the check cannot run', async () => {
    callerIn(US_ACCOUNT);
    cfn.on(ListStacksCommand).rejects(sdkError('AccessDenied', 'User is not authorized to perform: cloudformation:ListStacks'));
    const e = await refusal();
    expect(e.reason).toBe('clinic-stacks-unreadable');
    expect(e.message).toContain('CloudFormation ListStacks in us-east-1 failed with AccessDenied');
    expect(e.message).toContain('cloudformation:ListStacks');
  });

  test('clinicStackNames names the stacks as the cell builds them', () => {
    const app = new App({ context: cdkJsonContext() });
    const [cell] = buildPlatform(app, fixtureConfig({ cells: 1, tenantsPerCell: 1 }));
    const names = clinicStackNames('us-east', fixtureTenantId('us-east', 1));
    const stackNames = cell.node.children.filter((c): c is Stack => c instanceof Stack).map((s) => [s.stackName, s.region]);
    expect(stackNames).toContainEqual([names.primary, 'us-east-1']);
    expect(stackNames).toContainEqual([names.replica, 'us-west-2']);
  });
});

describe('--dry-run is a preview that works offline', () => {
  test('without credentials: reports each check, the two that need credentials as not run, prints the command, exit 0', async () => {
    sts.on(GetCallerIdentityCommand).rejects(sdkError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const config = writeConfig();
    const { deps, out, err, runner } = harness();
    expect(await runDeploy(['us-east', '--config', config, '--dry-run'], deps)).toBe(0);
    expect(runner).not.toHaveBeenCalled();
    expect(err).toEqual([]);
    expect(cfn.commandCalls(ListStacksCommand)).toHaveLength(0);
    const printed = out.join('\n');
    expect(printed).toMatch(/^Dry run for cell us-east: every check that can run here, nothing deployed\.$/m);
    expect(printed).toMatch(/^ {2}passed +config +.*platform\.yaml is valid \(SHA-256 [0-9a-f]{64}\)$/m);
    expect(printed).toMatch(/^ {2}passed +cell +us-east: US, account 111111111111, us-east-1 with DR in us-west-2, 2 clinics$/m);
    expect(printed).toMatch(/^ {2}passed +voice image +sha256:/m);
    expect(printed).toMatch(/^ {2}passed +pipeline +/m);
    expect(printed).toMatch(/^ {2}not run +account +needs AWS credentials of account 111111111111/m);
    expect(printed).toMatch(/^ {2}not run +clinic stacks +needs AWS credentials of account 111111111111: CloudFormation ListStacks/m);
    expect(printed).toContain('2 could not run here (they need credentials of account 111111111111): the deploy runs them and refuses if they fail.');
    expect(printed).toContain(`The command it would run:\n  npx cdk deploy 'us-east/*' --require-approval broadening --concurrency 4 -c config=${config}`);
  });

  test('reports every failure instead of stopping at the first, still prints the command, exit 1', async () => {
    callerIn('999999999999');
    const config = writeConfig((raw) => {
      raw.cells[0].voice.imageDigest = PLACEHOLDER_IMAGE_DIGEST;
    });
    const { deps, out, runner } = harness();
    expect(await runDeploy(['us-east', '--config', config, '--dry-run'], deps)).toBe(1);
    expect(runner).not.toHaveBeenCalled();
    const printed = out.join('\n');
    expect(printed).toMatch(/^ {2}FAILED +voice image +Refusing to deploy cell "us-east": its voice image digest/m);
    expect(printed).toMatch(/^ {2}FAILED +account +Refusing to deploy cell "us-east" to account 111111111111: the AWS credentials in use belong to account 999999999999/m);
    expect(printed).toMatch(/^ {2}not run +clinic stacks +/m);
    expect(printed).toContain('2 checks failed: the deploy refuses until they are fixed');
    expect(printed).toContain("The command it would run:\n  npx cdk deploy 'us-east/*'");
  });

  test('a config mistake is reported, the checks that need the config are not run, and the command is printed', async () => {
    const config = writeConfig((raw) => {
      raw.cells[0].account = '1234';
    });
    const { deps, out } = harness();
    expect(await runDeploy(['us-east', '--config', config, '--dry-run'], deps)).toBe(1);
    const printed = out.join('\n');
    expect(printed).toMatch(/^ {2}FAILED +config +.* is not a valid platform configuration \(1 problem\):$/m);
    expect(printed).toContain('cells[0] (us-east).account: must be exactly 12 digits');
    expect(printed).toMatch(/^ {2}not run +clinic stacks +needs a valid configuration$/m);
    expect(printed).toContain("npx cdk deploy 'us-east/*'");
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  test('a clinic removed from config is reported in the preview with credentials', async () => {
    callerIn(US_ACCOUNT);
    stacksIn({ 'us-east-1': [stack('us-east-Tenant-clinic-gone')] });
    const { deps, out } = harness();
    expect(await runDeploy(['us-east', '--config', writeConfig(), '--dry-run'], deps)).toBe(1);
    expect(out.join('\n')).toMatch(/^ {2}FAILED +clinic stacks +Refusing to deploy cell "us-east": account 111111111111 holds the stacks of a clinic/m);
    expect(out.join('\n')).toContain('clinic-gone (stack us-east-Tenant-clinic-gone in us-east-1) is no longer in');
  });
});

