import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../config';
import { GitState } from '../deploy/environment';
import { PreflightError, PreflightOptions, callerIdentity } from '../deploy/preflight';
import { EvidenceError, readCloudAssembly } from '../evidence/assembly';
import { AwsAccess } from './aws';
import { CheckFamily, VerifyContext, formatDuration } from './check';
import { ExpectationError, cellExpectations } from './expectations';
import { VERIFICATION_FORMAT, VerificationReport, renderMarkdown, renderTable, summarize } from './report';
import { CHECK_FAMILIES, runChecks } from './run';

/** Exit codes: every check passed; a check failed; nothing was checked (usage, config, assembly, credentials, account). */
export const EXIT = { passed: 0, failed: 1, refused: 2 } as const;

/** CloudFormation drift detection of a large stack takes minutes; longer than this is a failed check. */
export const DEFAULT_DRIFT_TIMEOUT_SECONDS = 300;

export const USAGE =
  'Usage: npm run verify -- <cell-id> [--config <file>] [--cdk-out <dir>] [--out <dir>] [--drift-timeout <seconds>]\n' +
  '  --config <file>            the platform configuration (default: config/platform.yaml)\n' +
  '  --cdk-out <dir>            the cloud assembly of `npx cdk synth`, whose promises are checked (default: cdk.out)\n' +
  '  --out <dir>                where verification-<cell>.md and .json are written (default: <cdk-out>/verification)\n' +
  `  --drift-timeout <seconds>  how long drift detection may take per stack (default: ${DEFAULT_DRIFT_TIMEOUT_SECONDS})\n` +
  'Read-only: run it with the auditor role, or CI\'s read-only role, of the cell\'s account. Exit code 0: every check passed; ' +
  '1: a check failed; 2: nothing was checked.';

class UsageError extends Error {}

interface VerifyArguments {
  readonly cellId: string;
  readonly configPath: string;
  readonly cdkOut: string;
  readonly outDir: string;
  readonly driftTimeoutMs: number;
}

function parseVerifyArguments(argv: readonly string[]): VerifyArguments | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'config': { type: 'string' },
        'cdk-out': { type: 'string' },
        'out': { type: 'string' },
        'drift-timeout': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    const unknown = /^Unknown option '([^']+)'/.exec((e as Error).message);
    throw new UsageError(`${unknown ? `Unknown option ${unknown[1]}.` : (e as Error).message.split('\n')[0]} Nothing was checked.\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) {
    throw new UsageError(`${positionals.length === 0 ? 'Name the cell to verify.' : `Verify one cell at a time, not ${positionals.join(', ')}.`}\n${USAGE}`);
  }
  const timeout = values['drift-timeout'] ?? String(DEFAULT_DRIFT_TIMEOUT_SECONDS);
  if (!/^\d+$/.test(timeout) || Number(timeout) < 1) throw new UsageError(`--drift-timeout must be a whole number of seconds, 1 or more, not "${timeout}".\n${USAGE}`);
  for (const name of ['config', 'cdk-out', 'out'] as const) {
    if (values[name] === '') throw new UsageError(`--${name} needs a value.\n${USAGE}`);
  }
  const cdkOut = values['cdk-out'] ?? 'cdk.out';
  return {
    cellId: positionals[0],
    configPath: path.resolve(values.config ?? DEFAULT_CONFIG_PATH),
    cdkOut,
    outDir: values.out ?? path.join(cdkOut, 'verification'),
    driftTimeoutMs: Number(timeout) * 1000,
  };
}

export interface VerifyDependencies {
  /** STS for the account check, the same as the deploy preflight's. */
  readonly sts: PreflightOptions['sts'];
  /** The account's read-only clients; tests use aws-sdk-client-mock on the client classes. */
  readonly aws?: () => AwsAccess;
  readonly families?: readonly CheckFamily[];
  readonly out?: (line: string) => void;
  /** Progress and refusals go here, so that the table on `out` stays clean to pipe. */
  readonly err?: (line: string) => void;
  readonly now?: () => Date;
  readonly git?: () => GitState | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly stsTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly pollIntervalMs?: number;
}

/** `npm run verify -- <cell-id>` without process globals: returns the exit code (EXIT). */
export async function runVerify(argv: readonly string[], deps: VerifyDependencies): Promise<number> {
  const out = deps.out ?? ((line: string) => console.log(line));
  const err = deps.err ?? ((line: string) => console.error(line));
  let aws: AwsAccess | undefined;
  try {
    const args = parseVerifyArguments(argv);
    if (args === 'help') {
      out(USAGE);
      return EXIT.passed;
    }
    const source = path.relative(process.cwd(), args.configPath) || args.configPath;
    const config = loadConfig(args.configPath);
    const index = config.cells.findIndex((c) => c.id === args.cellId);
    if (index < 0) {
      throw new UsageError(`${source} has no cell "${args.cellId}". The cells it defines are: ${config.cells.map((c) => c.id).join(', ') || 'none'}. Nothing was checked.`);
    }
    const cell = config.cells[index];
    const assembly = readCloudAssembly(args.cdkOut, { report: 'optional' });
    const missing = config.tenants
      .filter((t) => t.cell === cell.id)
      .flatMap((t) => [`${cell.id}/Tenant-${t.id}`, `${cell.id}/TenantReplica-${t.id}`])
      .filter((p) => !assembly.stacks.some((s) => s.path === p));
    if (missing.length > 0) {
      throw new ExpectationError(
        `${args.cdkOut} was not synthesized from ${source}: it lacks ${missing.join(', ')}. Run \`npx cdk synth\` (with the same configuration) and verify again. Nothing was checked.`,
      );
    }
    const expected = cellExpectations(config, cell.id, assembly.stacks);

    // The same account check as the deploy preflight: verify must never report on the wrong account.
    const caller = await callerIdentity(cell, `cells[${index}]`, source, { sts: deps.sts, stsTimeoutMs: deps.stsTimeoutMs, env: deps.env }, 'verify');

    const now = deps.now?.() ?? new Date();
    aws = deps.aws?.() ?? new AwsAccess();
    const ctx: VerifyContext = {
      expected,
      aws,
      now,
      driftTimeoutMs: args.driftTimeoutMs,
      pollIntervalMs: deps.pollIntervalMs ?? 5_000,
      sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
    err(`Verifying cell ${cell.id} in account ${caller.account} (${cell.primaryRegion}, ${cell.drRegion}) as ${caller.arn}; read-only.`);
    const started = Date.now();
    const results = await runChecks(ctx, deps.families ?? CHECK_FAMILIES, (p) => err(`[${p.index}/${p.total}] ${p.title}…`));

    const git = deps.git?.();
    const report: VerificationReport = {
      format: VERIFICATION_FORMAT,
      cell: cell.id,
      account: caller.account,
      caller: caller.arn,
      primaryRegion: cell.primaryRegion,
      drRegion: cell.drRegion,
      time: now.toISOString(),
      commit: git ? `${git.commit}${git.dirty ? ' (plus uncommitted changes)' : ''}` : 'not available',
      configFile: source,
      configSha256: createHash('sha256').update(readFileSync(args.configPath)).digest('hex'),
      cloudAssembly: { directory: path.relative(process.cwd(), assembly.directory) || assembly.directory, synthesizedAt: assembly.writtenAt.toISOString() },
      restoreTargetHours: expected.backup.restoreTargetHours,
      summary: summarize(results),
      results,
    };
    mkdirSync(args.outDir, { recursive: true });
    const base = path.join(args.outDir, `verification-${cell.id}`);
    writeFileSync(`${base}.md`, renderMarkdown(report));
    writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);

    out(renderTable(results));
    const { summary } = report;
    out(
      `\n${summary.fail === 0 ? 'Verified' : 'Verification FAILED'}: ${summary.pass} passed, ${summary.fail} failed, ${summary.skip} skipped ` +
        `in ${formatDuration(Date.now() - started)}. Report: ${base}.md (and .json).`,
    );
    return summary.fail === 0 ? EXIT.passed : EXIT.failed;
  } catch (e) {
    // Every refusal is complete and user-facing: the message, never a stack trace.
    if (e instanceof PreflightError || e instanceof UsageError || e instanceof EvidenceError || e instanceof ExpectationError) {
      err(e.message);
      return EXIT.refused;
    }
    if (e instanceof ConfigError) {
      err(`${e.message.replace(/\nNothing was synthesized\..*$/s, '')}\nNothing was checked.`);
      return EXIT.refused;
    }
    throw e;
  } finally {
    aws?.destroy();
  }
}
