import { parseArgs } from 'node:util';
import { ECRClient } from '@aws-sdk/client-ecr';
import { cellPrefix } from '../naming';
import { CdkRunner, DEFAULT_CONCURRENCY, cdkDeployCommand, formatCommand } from './cdk';
import { GitState } from './environment';
import { checkImageContract } from './image-contract';
import { IMAGE_STACK_ID, PreflightError, PreflightOptions, PreflightPreview, PreflightResult, clinicStacksSummary, preflight, preview } from './preflight';
import { checkCellStacks } from './stack-state';

export const USAGE =
  'Usage: npm run deploy -- <cell-id> [--config <file>] [--concurrency <n>] [--dry-run] [--allow-placeholder-image]\n' +
  '  --config <file>            the platform configuration (default: config/platform.yaml)\n' +
  `  --concurrency <n>          stacks deployed in parallel, dependencies permitting (default: ${DEFAULT_CONCURRENCY})\n` +
  '  --dry-run                  preview, offline too: run every check it can, report each, print the cdk command\n' +
  `  --allow-placeholder-image  first deploy of a new cell: deploy every stack except <cell>/${IMAGE_STACK_ID}`;

export interface DeployArguments {
  readonly cellId: string;
  readonly configPath?: string;
  readonly concurrency: number;
  readonly dryRun: boolean;
  readonly allowPlaceholderImage: boolean;
}

/** Parses the command line strictly: an unknown or misspelt option is refused, never ignored. */
export function parseDeployArguments(argv: readonly string[]): DeployArguments | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'config': { type: 'string' },
        'concurrency': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'allow-placeholder-image': { type: 'boolean' },
        'help': { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // Node's own wording suggests `--` to pass the word through; here an unknown option is simply a mistake.
    const unknown = /^Unknown option '([^']+)'/.exec((e as Error).message);
    const problem = unknown ? `Unknown option ${unknown[1]}.` : (e as Error).message.split('\n')[0];
    throw new PreflightError('usage', `${problem} Nothing was deployed.\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) {
    throw new PreflightError(
      'usage',
      `${positionals.length === 0 ? 'Name the cell to deploy.' : `Deploy one cell at a time, not ${positionals.join(', ')}.`}\n${USAGE}`,
    );
  }
  let concurrency = DEFAULT_CONCURRENCY;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!/^\d+$/.test(values.concurrency) || !Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new PreflightError('usage', `--concurrency must be a whole number of stacks, 1 or more, not "${values.concurrency}".\n${USAGE}`);
    }
  }
  if (values.config === '') throw new PreflightError('usage', `--config needs a file name.\n${USAGE}`);
  return {
    cellId: positionals[0],
    configPath: values.config,
    concurrency,
    dryRun: values['dry-run'] ?? false,
    allowPlaceholderImage: values['allow-placeholder-image'] ?? false,
  };
}

export interface DeployDependencies {
  /** STS for a region; the CLI passes a client with bounded timeouts. */
  readonly sts: PreflightOptions['sts'];
  /**
   * CloudFormation for a region: the clinic stacks in the account compared with config, and the
   * state of the cell's stacks. Tests pass mocked clients.
   */
  readonly cloudformation: PreflightOptions['cloudformation'];
  /** ECR for a region: the configuration of the voice image. Tests pass mocked clients. */
  readonly ecr: (region: string) => ECRClient;
  /** Fetches an image configuration from the pre-signed URL ECR returns. @default global fetch */
  readonly fetchBlob?: (url: string) => Promise<string>;
  /** Runs cdk; tests pass a fake. */
  readonly runner: CdkRunner;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  readonly now?: () => Date;
  readonly git?: () => GitState | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly stsTimeoutMs?: number;
}

/**
 * `npm run deploy -- <cell-id> ...` without process globals: returns the exit code. 0 after a dry
 * run or a successful cdk deploy, 1 for every refusal (nothing was run), otherwise cdk's own code.
 */
export async function runDeploy(argv: readonly string[], deps: DeployDependencies): Promise<number> {
  const out = deps.out ?? ((line: string) => console.log(line));
  const err = deps.err ?? ((line: string) => console.error(line));
  try {
    const args = parseDeployArguments(argv);
    if (args === 'help') {
      out(USAGE);
      return 0;
    }
    const options: PreflightOptions = {
      cellId: args.cellId,
      configPath: args.configPath,
      sts: deps.sts,
      cloudformation: deps.cloudformation,
      allowPlaceholderImage: args.allowPlaceholderImage,
      now: deps.now,
      git: deps.git,
      env: deps.env,
      stsTimeoutMs: deps.stsTimeoutMs,
    };
    if (args.dryRun) {
      const previewed = await preview(options);
      for (const line of previewReport(previewed, args.cellId, args.concurrency)) out(line);
      return previewed.checks.some((c) => c.status === 'failed') ? 1 : 0;
    }
    const result = await preflight(options);
    const checks = await deployTimeChecks(result, deps);
    const command = cdkDeployCommand(result, args.concurrency);
    for (const line of changeRecord(result)) out(line);
    for (const line of checks) out(line);
    if (args.allowPlaceholderImage && !result.placeholderImage) {
      out(`Note: --allow-placeholder-image has no effect: cell ${result.cell.id} has a real image digest, so every stack is deployed.`);
    }
    if (result.placeholderImage) {
      out(
        `Warning: the image digest is the placeholder, so ${result.cell.id}/${IMAGE_STACK_ID} is left out. ` +
          `Push the voice image, put its digest in config and deploy again without --allow-placeholder-image.`,
      );
    }
    out(`Running: ${formatCommand(command)}`);
    return await deps.runner(command.command, command.args);
  } catch (e) {
    if (e instanceof PreflightError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
}

/**
 * The checks against the live account that `cdk deploy` would otherwise fail on: the voice image
 * honours the task's contract (non-root user, writable /tmp volume), and no stack of the cell is in
 * a state that needs recovery by hand (ROLLBACK_COMPLETE, *_FAILED) or busy. Read-only; a failed
 * check is a PreflightError with the steps to take. Returns one line per passed check.
 */
export async function deployTimeChecks(result: PreflightResult, deps: DeployDependencies): Promise<string[]> {
  try {
    return await runChecks(result, deps);
  } catch (e) {
    if (e instanceof PreflightError) throw e;
    const name = e instanceof Error ? e.name : 'Error';
    const detail = e instanceof Error ? e.message.split('\n')[0].slice(0, 200) : String(e);
    throw new PreflightError(
      'check-failed',
      `Refusing to deploy cell "${result.cell.id}": a deploy-time check failed with ${name} (${detail}). Nothing was deployed. ` +
        'The deploying role needs cloudformation:ListStacks and cloudformation:ListStackResources in the primary and DR regions, and ' +
        'ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the cell\'s voice repository. Retry; if it persists, check those permissions.',
      { cause: e },
    );
  }
}

async function runChecks(result: PreflightResult, deps: DeployDependencies): Promise<string[]> {
  const { cell } = result;
  const lines = ['Deploy-time checks passed:'];
  if (!result.placeholderImage) {
    const ecr = deps.ecr(cell.primaryRegion);
    try {
      const image = await checkImageContract({
        ecr,
        registryId: cell.account,
        // The repository the Registry stack creates (lib/stacks/registry-stack.ts).
        repositoryName: `${cellPrefix({ platform: result.platform, cell })}/voice`,
        digest: cell.voice.imageDigest,
        fetchBlob: deps.fetchBlob ?? fetchText,
      });
      lines.push(`  voice image   runs as user ${image.user}, declares the volumes ${image.volumes.join(', ')}`);
    } finally {
      ecr.destroy();
    }
  }
  await checkCellStacks(cell, result.tenants, deps.cloudformation);
  lines.push(`  cell stacks   none in ${cell.primaryRegion} or ${cell.drRegion} is rolled back, failed or busy`);
  return lines;
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new PreflightError('image-contract', `Refusing to deploy: the voice image configuration could not be downloaded from ECR (HTTP ${response.status}). Nothing was deployed. Retry.`);
  return response.text();
}

/** Who deploys what where, for the change record: one `label  value` line each. */
export function changeRecord(result: PreflightResult): string[] {
  const { cell } = result;
  const git = result.git ? `${result.git.commit}${result.git.dirty ? ' (plus uncommitted changes in the working tree)' : ''}` : 'not available';
  const rows: Array<[string, string]> = [
    ['caller', result.caller.arn],
    ['account', result.caller.account],
    ['cell', cell.id],
    ['jurisdiction', cell.jurisdiction],
    ['primary region', cell.primaryRegion],
    ['DR region', cell.drRegion],
    ['stacks', result.stackPatterns.map((p) => `'${p}'`).join(' ')],
    ['voice image', result.placeholderImage ? `${cell.voice.imageDigest} (placeholder)` : cell.voice.imageDigest],
    ['clinic stacks', clinicStacksSummary(result.clinicsInAccount)],
    ['config', result.configPath],
    ['config SHA-256', result.configSha256],
    ['git commit', git],
    ['time (UTC)', result.timestamp],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return ['Deploy preflight passed. Change record:', ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)];
}

const STATUS_LABEL: Record<PreflightPreview['checks'][number]['status'], string> = { passed: 'passed', failed: 'FAILED', 'not-run': 'not run' };

/** The dry run's report: each check and its outcome, the change record when all passed, and the command. */
export function previewReport(previewed: PreflightPreview, cellId: string, concurrency: number): string[] {
  const lines = [`Dry run for cell ${cellId}: every check that can run here, nothing deployed.`];
  const width = Math.max(...previewed.checks.map((c) => c.name.length));
  for (const check of previewed.checks) {
    const [first, ...rest] = check.detail.split('\n');
    lines.push(`  ${STATUS_LABEL[check.status].padEnd(7)}  ${check.name.padEnd(width)}  ${first}`, ...rest.map((l) => `    ${l}`));
  }
  const failed = previewed.checks.filter((c) => c.status === 'failed').length;
  const notRun = previewed.checks.filter((c) => c.status === 'not-run').length;
  if (previewed.result) {
    lines.push(...changeRecord(previewed.result));
  } else {
    const parts = [];
    if (failed > 0) parts.push(`${failed} ${failed === 1 ? 'check' : 'checks'} failed: the deploy refuses until ${failed === 1 ? 'it is' : 'they are'} fixed`);
    if (notRun > 0) {
      parts.push(
        `${notRun} could not run here${previewed.account ? ` (they need credentials of account ${previewed.account})` : ''}: the deploy runs them and refuses if they fail`,
      );
    }
    lines.push(`${parts.join('; ')}.`);
  }
  lines.push(`The command it would run:\n  ${formatCommand(cdkDeployCommand(previewed.command, concurrency))}`);
  return lines;
}
