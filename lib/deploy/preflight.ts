import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, paginateListStacks } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CellConfig, ConfigError, DEFAULT_CONFIG_PATH, PLACEHOLDER_IMAGE_DIGEST, PlatformConfig, TenantConfig, loadConfig } from '../config';
import { cellPrefix } from '../naming';
import { GitState, profilesForAccount } from './environment';

/**
 * The deploy preflight: everything that must hold before `cdk deploy '<cell>/*'` may touch an
 * account. It reads config and asks STS who the caller is; it never changes anything in AWS.
 * Every refusal is a PreflightError whose message is written for the person at the terminal.
 */

/** The stack of a cell that runs the voice image (`lib/cell-stage.ts`); a test keeps the two in step. */
export const IMAGE_STACK_ID = 'Voice';

/**
 * The CloudFormation names of a clinic's stacks, as `lib/cell-stage.ts` makes them (a Stage's stack
 * is named `<stage>-<id>`); a test keeps the two in step. The primary stack lives in the cell's
 * primary region, the replica stack in its DR region.
 */
export function clinicStackNames(cellId: string, tenantId: string): { primary: string; replica: string } {
  return { primary: `${cellId}-Tenant-${tenantId}`, replica: `${cellId}-TenantReplica-${tenantId}` };
}

/** How long the whole STS check (credential resolution and the call) may take before it is a failure. */
export const DEFAULT_STS_TIMEOUT_MS = 30_000;

/** Why a deploy was refused. Every reason exits 1; the reason lets tests and callers tell them apart. */
export type PreflightRefusal =
  | 'usage'
  | 'config'
  | 'unknown-cell'
  | 'placeholder-image'
  | 'pipeline-owns-deploys'
  | 'no-credentials'
  | 'credentials-rejected'
  | 'sts-failed'
  | 'wrong-account'
  | 'clinic-stacks-orphaned'
  | 'clinic-stacks-unreadable'
  | 'stack-needs-recovery'
  | 'stack-busy'
  | 'image-contract'
  | 'check-failed';

/** A refused deploy. The message is complete and user-facing: print it as is, without a stack trace. */
export class PreflightError extends Error {
  constructor(
    public readonly reason: PreflightRefusal,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PreflightError';
  }
}

export interface PreflightOptions {
  /** The cell to deploy: the id of a `cells[]` entry, and the name of its Stage. */
  readonly cellId: string;
  /** The configuration file; the one shipped in `config/` when omitted. */
  readonly configPath?: string;
  /**
   * The STS client to ask, or a factory that makes one for a region: it is called with the cell's
   * primary region. A client made by the factory is destroyed after the call.
   */
  readonly sts: STSClient | ((region: string) => STSClient);
  /**
   * Makes a CloudFormation client for a region (the cell's primary and DR regions), to compare the
   * clinic stacks in the account with config. Each client is destroyed after use.
   */
  readonly cloudformation: (region: string) => CloudFormationClient;
  /** Deploy a cell whose image digest is still the placeholder, leaving out the stack that runs the image. */
  readonly allowPlaceholderImage?: boolean;
  /** Upper bound for the STS check, credential resolution included. */
  readonly stsTimeoutMs?: number;
  /** The clock of the change record. */
  readonly now?: () => Date;
  /** The commit being deployed, if the code is a git checkout. */
  readonly git?: () => GitState | undefined;
  /** Where to look for `AWS_PROFILE` and `AWS_CONFIG_FILE` when suggesting a profile. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Who deploys what where: everything the change record and the cdk command need. */
export interface PreflightResult {
  readonly platform: PlatformConfig['platform'];
  readonly cell: CellConfig;
  /** The clinics of the cell: each has stacks of its own. */
  readonly tenants: readonly TenantConfig[];
  /** Absolute path of the configuration file that was validated. */
  readonly configPath: string;
  /** Whether it is the file cdk reads by default, so that `-c config=` can be left out. */
  readonly configIsDefault: boolean;
  readonly configSha256: string;
  readonly caller: { readonly arn: string; readonly account: string };
  readonly git: GitState | undefined;
  /** ISO 8601, UTC. */
  readonly timestamp: string;
  /** True when the digest is the placeholder and `allowPlaceholderImage` let it through. */
  readonly placeholderImage: boolean;
  /** The cdk stack selection: the whole cell, minus the image stack while the image is a placeholder. */
  readonly stackPatterns: readonly string[];
  /** The clinics whose stacks exist in the cell's account, every one of them placed in this cell by config. */
  readonly clinicsInAccount: readonly string[];
}

/** The outcome of one check: `not-run` when it needs something the preview does not have (credentials). */
export interface PreflightCheck {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'not-run';
  /** What was found, or the complete refusal when it failed. */
  readonly detail: string;
  readonly reason?: PreflightRefusal;
}

/** Every check of a preview, and what the cdk command would be. */
export interface PreflightPreview {
  readonly checks: readonly PreflightCheck[];
  /** The change record, when every check passed. */
  readonly result?: PreflightResult;
  /** Enough to print the command cdk would run, as far as it is known. */
  readonly command: Pick<PreflightResult, 'stackPatterns' | 'placeholderImage' | 'configPath' | 'configIsDefault'>;
  /** The account whose credentials the checks that did not run need, when the cell is known. */
  readonly account?: string;
}

/**
 * Validates config, the cell and its image digest, confirms with STS that the credentials in use
 * belong to the cell's account, and compares the clinic stacks in that account with config.
 * Returns the change record; throws PreflightError at the first refusal.
 */
export async function preflight(options: PreflightOptions): Promise<PreflightResult> {
  const { result } = await inspect(options, 'deploy');
  return result!;
}

/**
 * The dry run: every check that can run, each with its outcome, instead of stopping at the first
 * refusal. Without AWS credentials the account and clinic-stack checks are reported as not run.
 */
export async function preview(options: PreflightOptions): Promise<PreflightPreview> {
  return inspect(options, 'preview');
}

async function inspect(options: PreflightOptions, mode: 'deploy' | 'preview'): Promise<PreflightPreview> {
  const configPath = path.resolve(options.configPath ?? DEFAULT_CONFIG_PATH);
  const source = path.relative(process.cwd(), configPath) || configPath;
  const configIsDefault = configPath === path.resolve(DEFAULT_CONFIG_PATH);
  const checks: PreflightCheck[] = [];
  const passed = (name: string, detail: string) => checks.push({ name, status: 'passed', detail });
  const notRun = (names: string[], detail: string) => names.forEach((name) => checks.push({ name, status: 'not-run', detail }));
  const failed = (name: string, e: PreflightError) => {
    if (mode === 'deploy') throw e;
    checks.push({ name, status: 'failed', detail: e.message, reason: e.reason });
  };
  let command: PreflightPreview['command'] = { stackPatterns: [`${options.cellId}/*`], placeholderImage: false, configPath, configIsDefault };

  let config: PlatformConfig;
  let configSha256: string;
  try {
    config = loadConfig(configPath);
    configSha256 = createHash('sha256').update(readFileSync(configPath)).digest('hex');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    failed('config', new PreflightError('config', e.message, { cause: e }));
    notRun(['cell', 'voice image', 'pipeline', 'account', 'clinic stacks'], 'needs a valid configuration');
    return { checks, command };
  }
  passed('config', `${source} is valid (SHA-256 ${configSha256})`);

  const index = config.cells.findIndex((c) => c.id === options.cellId);
  if (index < 0) {
    const known = config.cells.map((c) => c.id);
    failed(
      'cell',
      new PreflightError(
        'unknown-cell',
        `Refusing to deploy: ${source} has no cell "${options.cellId}". ` +
          (known.length > 0 ? `The cells it defines are: ${known.join(', ')}.` : 'It defines no cells.') +
          ' Nothing was deployed.',
      ),
    );
    notRun(['voice image', 'pipeline', 'account', 'clinic stacks'], `needs a cell "${options.cellId}" in the configuration`);
    return { checks, command };
  }
  const cell = config.cells[index];
  const field = `cells[${index}] (${cell.id})`;
  const clinics = config.tenants.filter((t) => t.cell === cell.id).length;
  passed('cell', `${cell.id}: ${cell.jurisdiction}, account ${cell.account}, ${cell.primaryRegion} with DR in ${cell.drRegion}, ${clinics} ${clinics === 1 ? 'clinic' : 'clinics'}`);

  const placeholderImage = cell.voice.imageDigest === PLACEHOLDER_IMAGE_DIGEST;
  const imageStack = `${cell.id}/${IMAGE_STACK_ID}`;
  const stackPatterns = placeholderImage && options.allowPlaceholderImage ? [`${cell.id}/*`, `!${imageStack}`] : [`${cell.id}/*`];
  command = { stackPatterns, placeholderImage: placeholderImage && !!options.allowPlaceholderImage, configPath, configIsDefault };
  if (placeholderImage && !options.allowPlaceholderImage) {
    failed('voice image', new PreflightError('placeholder-image', placeholderMessage(config, cell, field, source)));
  } else {
    passed('voice image', placeholderImage ? `placeholder digest: first deploy, every stack except ${imageStack}` : cell.voice.imageDigest);
  }
  // With the pipeline on, a hand deploy would bypass its approvals; only a cell's first deploy is done by hand.
  if (config.pipeline?.enabled && !placeholderImage) {
    failed(
      'pipeline',
      new PreflightError(
        'pipeline-owns-deploys',
        `Refusing to deploy: ${source} enables the deployment pipeline (pipeline.enabled), so cell "${cell.id}" is deployed ` +
          'by the pipeline, with its approvals, when a change reaches the branch. Only the first deploy of a new cell, ' +
          'before it has an image, is done by hand. Nothing was deployed.',
      ),
    );
  } else {
    passed('pipeline', config.pipeline?.enabled ? 'the pipeline is on; the first deploy of a new cell is done by hand' : 'no deployment pipeline owns this cell');
  }

  let caller: PreflightResult['caller'] | undefined;
  try {
    caller = await callerIdentity(cell, field, source, options);
    passed('account', `${caller.arn} is in account ${caller.account}`);
  } catch (e) {
    if (!(e instanceof PreflightError)) throw e;
    if (mode === 'preview' && e.reason === 'no-credentials') {
      notRun(['account'], `needs AWS credentials of account ${cell.account}: STS GetCallerIdentity confirms that they belong to the cell's account`);
    } else {
      failed('account', e);
    }
  }

  let clinicsInAccount: string[] | undefined;
  if (caller) {
    try {
      clinicsInAccount = await checkClinicStacks(config, cell, source, options);
      passed('clinic stacks', clinicStacksSummary(clinicsInAccount));
    } catch (e) {
      if (!(e instanceof PreflightError)) throw e;
      failed('clinic stacks', e);
    }
  } else {
    notRun(
      ['clinic stacks'],
      `needs AWS credentials of account ${cell.account}: CloudFormation ListStacks in ${cell.primaryRegion} and ${cell.drRegion} shows each clinic's stacks, and a clinic with stacks there must still be placed in this cell`,
    );
  }

  if (checks.some((c) => c.status !== 'passed') || !caller || !clinicsInAccount) return { checks, command, account: cell.account };
  return {
    checks,
    command,
    account: cell.account,
    result: {
      platform: config.platform,
      cell,
      tenants: config.tenants.filter((t) => t.cell === cell.id),
      configPath,
      configIsDefault,
      configSha256,
      caller,
      git: options.git?.(),
      timestamp: (options.now?.() ?? new Date()).toISOString(),
      placeholderImage,
      stackPatterns,
      clinicsInAccount,
    },
  };
}

/** One line for the change record: how the clinic stacks in the account compare with config. */
export function clinicStacksSummary(clinics: readonly string[]): string {
  return clinics.length === 0
    ? 'none in the account yet'
    : `${clinics.length} in the account (${clinics.join(', ')}), each still placed in this cell by config`;
}

/**
 * A clinic leaves a cell only through offboarding, and moves only by the documented procedure: a
 * clinic whose stacks are in the cell's account but whom config no longer places in the cell would
 * leave its key and PHI buckets behind, unmanaged. Lists the stacks in the primary and DR regions and
 * refuses such a clinic by name. Returns the clinics found.
 */
async function checkClinicStacks(config: PlatformConfig, cell: CellConfig, source: string, options: PreflightOptions): Promise<string[]> {
  const found = new Map<string, string>();
  for (const [region, kind] of [[cell.primaryRegion, 'primary'], [cell.drRegion, 'replica']] as const) {
    const prefix = clinicStackNames(cell.id, '')[kind];
    for (const name of await liveStackNames(cell, region, options)) {
      const tenantId = name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
      if (tenantId && !found.has(tenantId)) found.set(tenantId, `${name} in ${region}`);
    }
  }
  const orphans: string[] = [];
  for (const [tenantId, where] of found) {
    const index = config.tenants.findIndex((t) => t.id === tenantId);
    const tenant = config.tenants[index];
    if (tenant?.cell === cell.id) continue;
    orphans.push(
      tenant
        ? `${tenantId} (stack ${where}) is now placed in cell "${tenant.cell}" (tenants[${index}] (${tenantId}).cell in ${source}), but its data does not follow it there. ` +
            `Put it back in cell "${cell.id}" and move it by the procedure in the README, "Move a clinic to another cell": export its data and offboard it from "${cell.id}", and onboard it in "${tenant.cell}" under a new id.`
        : `${tenantId} (stack ${where}) is no longer in ${source}, but a clinic leaves a cell only through offboarding. ` +
            `Put its entry back in cell "${cell.id}"; to end its contract follow "Offboard a clinic" in the README, whose last step deletes its stacks before the entry is removed.`,
    );
  }
  if (orphans.length > 0) {
    throw new PreflightError(
      'clinic-stacks-orphaned',
      `Refusing to deploy cell "${cell.id}": account ${cell.account} holds the stacks of ${orphans.length === 1 ? 'a clinic' : 'clinics'} that config no longer places in this cell, ` +
        'and a deploy would leave their keys and PHI buckets behind, unmanaged. Nothing was deployed.\n' +
        orphans.map((o) => `  - ${o}`).join('\n'),
    );
  }
  return [...found.keys()].sort();
}

/** The names of the stacks of a region that exist (ListStacks also reports stacks deleted in the last 90 days). */
async function liveStackNames(cell: CellConfig, region: string, options: PreflightOptions): Promise<string[]> {
  const client = options.cloudformation(region);
  const names: string[] = [];
  try {
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStacks.html
    for await (const page of paginateListStacks({ client }, {})) {
      for (const stack of page.StackSummaries ?? []) {
        if (stack.StackName && stack.StackStatus !== 'DELETE_COMPLETE') names.push(stack.StackName);
      }
    }
  } catch (e) {
    const name = errorName(e);
    const detail = firstLine(e);
    throw new PreflightError(
      'clinic-stacks-unreadable',
      `Refusing to deploy cell "${cell.id}" to account ${cell.account}: the check that no clinic was removed from config or moved to another cell ` +
        `could not list the stacks: CloudFormation ListStacks in ${region} failed with ${name}${detail ? ` (${detail})` : ''}. Nothing was deployed. ` +
        'The credentials need cloudformation:ListStacks (the deployment role has it); if they have it, retry in a minute, and check network access ' +
        `to cloudformation.${region}.amazonaws.com.`,
      { cause: e },
    );
  } finally {
    client.destroy();
  }
  return names;
}

function placeholderMessage(config: PlatformConfig, cell: CellConfig, field: string, source: string): string {
  // The repository name the Voice stack gives its ECR repository (lib/stacks/voice-stack.ts).
  const repository = `${cellPrefix({ platform: config.platform, cell })}/voice`;
  const uri = `${cell.account}.dkr.ecr.${cell.primaryRegion}.amazonaws.com/${repository}`;
  return (
    `Refusing to deploy cell "${cell.id}": its voice image digest (${field}.voice.imageDigest in ${source}) is still the ` +
    `placeholder ${PLACEHOLDER_IMAGE_DIGEST.slice(0, 15)}…, which names no image, so the voice service could never start. ` +
    'Nothing was deployed. ' +
    `Push the voice image to the cell's ECR repository ${repository} (${uri}), put the digest the push reports into ` +
    `${field}.voice.imageDigest and run again; for the very first deploy of a new cell, run with --allow-placeholder-image, ` +
    `which deploys every stack of the cell except ${cell.id}/${IMAGE_STACK_ID} (a service without its image would fail ` +
    'and roll its stack back), then push the image, set the digest and deploy again.'
  );
}

/** Credential providers that found nothing to use: nothing to sign the request with. */
const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'TokenProviderError', 'ProviderError']);
/** STS rejected the credentials it was given: expired, revoked, or not valid in this partition. */
const REJECTED_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidAccessKeyId',
]);

/** What the account check guards, for its messages: a deploy, or a read-only verification (`npm run verify`). */
export type AccountCheckPurpose = 'deploy' | 'verify';

/**
 * Confirms with STS that the credentials in use belong to the cell's account; throws PreflightError
 * (no credentials, rejected, STS failed, wrong account) with a message for the person at the terminal.
 */
export async function callerIdentity(
  cell: CellConfig,
  field: string,
  source: string,
  options: Pick<PreflightOptions, 'sts' | 'stsTimeoutMs' | 'env'>,
  purpose: AccountCheckPurpose = 'deploy',
): Promise<PreflightResult['caller']> {
  const region = cell.primaryRegion;
  const owned = typeof options.sts === 'function';
  const client = typeof options.sts === 'function' ? options.sts(region) : options.sts;
  const refuse = purpose === 'deploy' ? `Refusing to deploy cell "${cell.id}" to account ${cell.account}` : `Refusing to verify cell "${cell.id}" in account ${cell.account}`;
  const nothing = purpose === 'deploy' ? 'Nothing was deployed.' : 'Nothing was checked.';
  const timeoutMs = options.stsTimeoutMs ?? DEFAULT_STS_TIMEOUT_MS;

  let identity: { Account?: string; Arn?: string };
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new Error(`no answer within ${timeoutMs / 1000} seconds`);
        e.name = 'TimeoutError';
        reject(e);
      }, timeoutMs);
    });
    identity = await Promise.race([client.send(new GetCallerIdentityCommand({})), deadline]);
  } catch (e) {
    const name = errorName(e);
    const detail = firstLine(e);
    if (NO_CREDENTIALS.has(name)) {
      throw new PreflightError(
        'no-credentials',
        `${refuse}: no AWS credentials are available (${name}${detail ? `: ${detail}` : ''}), so the target account cannot be ` +
          `confirmed. ${nothing} Sign in with credentials of account ${cell.account}, for example ` +
          `\`aws sso login --profile <profile>\` and then \`AWS_PROFILE=<profile> npm run ${purpose} -- ${cell.id}\`, and run again.` +
          profileHint(cell.account, options.env),
        { cause: e },
      );
    }
    if (REJECTED_CREDENTIALS.has(name)) {
      throw new PreflightError(
        'credentials-rejected',
        `${refuse}: STS in ${region} rejected the AWS credentials in use (${name}${detail ? `: ${detail}` : ''}); they are ` +
          `expired, revoked or malformed. ${nothing} Refresh them (for example \`aws sso login --profile <profile>\`, ` +
          `or assume the role again) with credentials of account ${cell.account}, and run again.` +
          profileHint(cell.account, options.env),
        { cause: e },
      );
    }
    throw new PreflightError(
      'sts-failed',
      `${refuse}: the check of who is deploying failed, because STS GetCallerIdentity in ${region} failed with ${name}` +
        `${detail ? ` (${detail})` : ''}. ${nothing} This is usually temporary (a network problem or throttling): ` +
        `retry in a minute; if it keeps failing, check network access to sts.${region}.amazonaws.com and any proxy settings.`,
      { cause: e },
    );
  } finally {
    clearTimeout(timer);
    if (owned) client.destroy();
  }

  const account = identity.Account;
  const arn = identity.Arn ?? '(unknown)';
  if (!account) {
    throw new PreflightError(
      'sts-failed',
      `${refuse}: STS GetCallerIdentity in ${region} answered without an account id. ${nothing} Retry; if it persists, ` +
        'check for a proxy or endpoint override (AWS_ENDPOINT_URL*) that answers in place of STS.',
    );
  }
  if (account !== cell.account) {
    throw new PreflightError(
      'wrong-account',
      `${refuse}: the AWS credentials in use belong to account ${account} (${arn}), but cell "${cell.id}" is configured for ` +
        `account ${cell.account} (${field}.account in ${source}). ${nothing} Switch to credentials of a ${purpose === 'deploy' ? 'deployment' : 'read-only'} ` +
        `role in account ${cell.account} (set AWS_PROFILE to a profile for that account, or assume a role in it) and run again.` +
        profileHint(cell.account, options.env) +
        currentProfile(options.env),
    );
  }
  return { arn, account };
}

/** A sentence naming the profiles of the AWS config file that lead to the account, or nothing. */
function profileHint(account: string, env: NodeJS.ProcessEnv = process.env): string {
  const profiles = profilesForAccount(account, env);
  if (profiles.length === 0) return '';
  const list = profiles.map((p) => `${p.name}${p.via ? ` (${p.via})` : ''}`).join(', ');
  return ` Profiles for account ${account} in your AWS config: ${list}.`;
}

function currentProfile(env: NodeJS.ProcessEnv = process.env): string {
  const current = env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE;
  return current ? ` The current profile is ${current}.` : ' No AWS_PROFILE is set, so the default credentials were used.';
}

function errorName(e: unknown): string {
  if (e && typeof e === 'object') {
    const { name, code } = e as { name?: unknown; code?: unknown };
    const base = typeof name === 'string' && name ? name : 'Error';
    // Node's network errors are all named "Error"; their code (ECONNREFUSED, ENOTFOUND) says what happened.
    return base === 'Error' && typeof code === 'string' ? `${base} ${code}` : base;
  }
  return typeof e;
}

/** The first line of an error's message, short: SDK messages carry no secrets, but may be long. */
function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  const line = message.split('\n')[0].trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
