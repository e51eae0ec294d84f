import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
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
}

/**
 * Validates config, the cell and its image digest, then confirms with STS that the credentials in
 * use belong to the cell's account. Returns the change record; throws PreflightError otherwise.
 */
export async function preflight(options: PreflightOptions): Promise<PreflightResult> {
  const configPath = path.resolve(options.configPath ?? DEFAULT_CONFIG_PATH);
  const source = path.relative(process.cwd(), configPath) || configPath;

  let config: PlatformConfig;
  try {
    config = loadConfig(configPath);
  } catch (e) {
    if (e instanceof ConfigError) throw new PreflightError('config', e.message, { cause: e });
    throw e;
  }
  const configSha256 = createHash('sha256').update(readFileSync(configPath)).digest('hex');

  const index = config.cells.findIndex((c) => c.id === options.cellId);
  if (index < 0) {
    const known = config.cells.map((c) => c.id);
    throw new PreflightError(
      'unknown-cell',
      `Refusing to deploy: ${source} has no cell "${options.cellId}". ` +
        (known.length > 0 ? `The cells it defines are: ${known.join(', ')}.` : 'It defines no cells.') +
        ' Nothing was deployed.',
    );
  }
  const cell = config.cells[index];
  const field = `cells[${index}]`;

  const placeholderImage = cell.voice.imageDigest === PLACEHOLDER_IMAGE_DIGEST;
  if (placeholderImage && !options.allowPlaceholderImage) {
    throw new PreflightError('placeholder-image', placeholderMessage(config, cell, field, source));
  }
  // With the pipeline on, a hand deploy would bypass its approvals; only a cell's first deploy is done by hand.
  if (config.pipeline?.enabled && !placeholderImage) {
    throw new PreflightError(
      'pipeline-owns-deploys',
      `Refusing to deploy: ${source} enables the deployment pipeline (pipeline.enabled), so cell "${cell.id}" is deployed ` +
        'by the pipeline, with its approvals, when a change reaches the branch. Only the first deploy of a new cell, ' +
        'before it has an image, is done by hand. Nothing was deployed.',
    );
  }

  const caller = await callerIdentity(cell, field, source, options);

  const imageStack = `${cell.id}/${IMAGE_STACK_ID}`;
  return {
    platform: config.platform,
    cell,
    tenants: config.tenants.filter((t) => t.cell === cell.id),
    configPath,
    configIsDefault: configPath === path.resolve(DEFAULT_CONFIG_PATH),
    configSha256,
    caller,
    git: options.git?.(),
    timestamp: (options.now?.() ?? new Date()).toISOString(),
    placeholderImage,
    stackPatterns: placeholderImage ? [`${cell.id}/*`, `!${imageStack}`] : [`${cell.id}/*`],
  };
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

async function callerIdentity(
  cell: CellConfig,
  field: string,
  source: string,
  options: PreflightOptions,
): Promise<PreflightResult['caller']> {
  const region = cell.primaryRegion;
  const owned = typeof options.sts === 'function';
  const client = typeof options.sts === 'function' ? options.sts(region) : options.sts;
  const refuse = `Refusing to deploy cell "${cell.id}" to account ${cell.account}`;
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
          `confirmed. Nothing was deployed. Sign in with credentials of account ${cell.account}, for example ` +
          `\`aws sso login --profile <profile>\` and then \`AWS_PROFILE=<profile> npm run deploy -- ${cell.id}\`, and run again.` +
          profileHint(cell.account, options.env),
        { cause: e },
      );
    }
    if (REJECTED_CREDENTIALS.has(name)) {
      throw new PreflightError(
        'credentials-rejected',
        `${refuse}: STS in ${region} rejected the AWS credentials in use (${name}${detail ? `: ${detail}` : ''}); they are ` +
          'expired, revoked or malformed. Nothing was deployed. Refresh them (for example `aws sso login --profile <profile>`, ' +
          `or assume the role again) with credentials of account ${cell.account}, and run again.` +
          profileHint(cell.account, options.env),
        { cause: e },
      );
    }
    throw new PreflightError(
      'sts-failed',
      `${refuse}: the check of who is deploying failed, because STS GetCallerIdentity in ${region} failed with ${name}` +
        `${detail ? ` (${detail})` : ''}. Nothing was deployed. This is usually temporary (a network problem or throttling): ` +
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
      `${refuse}: STS GetCallerIdentity in ${region} answered without an account id. Nothing was deployed. Retry; if it persists, ` +
        'check for a proxy or endpoint override (AWS_ENDPOINT_URL*) that answers in place of STS.',
    );
  }
  if (account !== cell.account) {
    throw new PreflightError(
      'wrong-account',
      `${refuse}: the AWS credentials in use belong to account ${account} (${arn}), but cell "${cell.id}" is configured for ` +
        `account ${cell.account} (${field}.account in ${source}). Nothing was deployed. Switch to credentials of a deployment ` +
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
