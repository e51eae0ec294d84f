import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { CellStage } from '../lib/cell-stage';
import { ownPacks, registerCompliancePacks } from '../lib/compliance';
import { PlatformConfig } from '../lib/config';
import { recordSynthesis } from '../lib/evidence/provenance';
import { main } from '../lib/main';
import { buildPlatform } from '../lib/platform';

export interface Violation {
  ruleName: string;
  description: string;
  violatingConstructs: Array<{ constructPath: string }>;
}
export interface SuppressedViolation extends Violation {
  acknowledgedId: string;
  reason?: string;
}
export interface PluginReport {
  pluginName: string;
  conclusion: 'success' | 'failure';
  violations: Violation[];
  suppressedViolations?: SuppressedViolation[];
}

/** A synthesized configuration, read from its cloud assembly on disk. */
export interface Synthesized {
  /** The configuration it was synthesized from. */
  config: PlatformConfig;
  /** The cloud assembly directory (cdk.out of this synthesis). */
  outdir: string;
  /** The configuration as a file beside the assembly, for tools that read both (the evidence pack). */
  configFile: string;
  /** Each cell (CDK Stage) as synthesized, in config order. */
  cells: SynthesizedCell[];
  /** cdk.out/validation-report.json as written by the synthesis (empty when synthesized without packs). */
  report: { pluginReports: PluginReport[] };
  /** Every stack of the assembly, or of one cell. */
  stacks(cellId?: string): CloudFormationStackArtifact[];
  /** A stack artifact (environment, tags, dependencies), by its path: `us-east/Network`. */
  stack(stackPath: string): CloudFormationStackArtifact;
  /** The paths of the stacks a stack is deployed after. */
  dependenciesOf(stackPath: string): string[];
  /** The template of a stack, by its path: `us-east/Network`. */
  template(stackPath: string): Template;
  /** The raw template JSON of a stack, by its path. */
  templateJson(stackPath: string): Record<string, any>;
  /** Every unacknowledged finding as `rule @ construct path`. */
  openFindings(): string[];
  /** Every acknowledged finding. */
  acknowledged(): SuppressedViolation[];
}

/** One cell of a synthesized assembly: its Stage's name, environment and stacks. */
export interface SynthesizedCell {
  stageName: string;
  account: string;
  region: string;
  stacks: CloudFormationStackArtifact[];
}

/** A synthesis done in this process, with the constructs still at hand. */
export interface SynthesizedApp extends Synthesized {
  app: App;
  /** The cells' Stage constructs, for tests that inspect the construct tree. */
  stages: CellStage[];
}

export interface SynthesizeOptions {
  /** Adds constructs before synthesis, for fixtures that break or extend the app. */
  readonly extend?: (app: App, cells: CellStage[]) => void;
  /**
   * Register the compliance packs: all of them, only our own (for tests of our rules), or none.
   * Tests about a template's shape turn them off: the packs are most of the synthesis time, and
   * only tests about findings need them. @default true
   */
  readonly packs?: boolean | 'own';
  /**
   * Bundle Lambda code (the database migration function's esbuild bundle) as `cdk synth` does.
   * Off by default: templates are the same apart from the asset hash, and bundling costs seconds
   * per synthesis; the test of the bundle itself turns it on. @default false
   */
  readonly bundling?: boolean;
}

/**
 * Synthesizes a configuration in this process, the way `cdk synth` does, but collects findings
 * into the report instead of throwing, so that tests can assert on the report. For fixtures that
 * extend the app; otherwise prefer `synthesized()`, which synthesizes each configuration once per run.
 */
export function synthesize(config: PlatformConfig, options: SynthesizeOptions = {}): SynthesizedApp {
  // Inside the run's cache folder, which the global teardown removes, so that tests leave nothing behind.
  const outdir = scratchDir('app');
  const { app, cells } = synthesizeInto(outdir, config, options);
  return { ...readSynthesis(outdir, config), app, stages: cells };
}

function synthesizeInto(outdir: string, config: PlatformConfig, options: SynthesizeOptions): { app: App; cells: CellStage[] } {
  const app = new App({
    outdir,
    context: {
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      ...cdkJsonContext(),
      // As the CDK CLI sets it: each resource's construct path in its metadata, which the evidence pack names resources by.
      'aws:cdk:enable-path-metadata': true,
      // The CDK CLI's own switch: bundle the assets of the stacks that match, here none unless asked.
      ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
    // The packs still run; only CloudFormation's schema check is skipped for speed (CI runs it in `cdk synth`).
    builtinCloudFormationValidation: false,
  });
  const cells = buildPlatform(app, config);
  options.extend?.(app, cells);
  const packs = options.packs ?? true;
  if (packs === 'own') Validations.of(app).addPlugins(...ownPacks(app));
  else if (packs) registerCompliancePacks(app);
  app.synth();
  writeFileSync(path.join(outdir, 'config.json'), JSON.stringify(config, null, 2));
  recordSynthesis(outdir, path.join(outdir, 'config.json'));
  return { app, cells };
}

/**
 * The synthesis of a configuration, done once per test run and shared by every test file: the
 * first file to ask synthesizes it into the run's cache folder (set up by test/global-setup.ts),
 * the others read it from there. Keyed by the configuration's hash and whether the packs ran.
 */
export function synthesized(config: PlatformConfig, options: Pick<SynthesizeOptions, 'packs' | 'bundling'> = {}): Synthesized {
  const packs = options.packs ?? true;
  const bundling = options.bundling ?? false;
  const cacheRoot = process.env.VP_TEST_SYNTH_CACHE;
  if (!cacheRoot) return synthesize(config, { packs, bundling });
  const key = createHash('sha256').update(JSON.stringify({ config, packs, bundling })).digest('hex').slice(0, 16);
  const dir = path.join(cacheRoot, key);
  const lock = `${dir}.lock`;
  if (!existsSync(dir)) {
    let owner = false;
    try {
      mkdirSync(lock);
      owner = true;
    } catch {
      waitFor(dir, lock);
    }
    // Another worker may have finished between the first look and taking the lock: look again.
    if (!existsSync(dir)) {
      const scratch = mkdtempSync(path.join(cacheRoot, `${key}-`));
      try {
        synthesizeInto(scratch, config, { packs, bundling });
        try {
          renameSync(scratch, dir);
        } catch (e) {
          // A waiter that gave up synthesized too, and the other copy landed first: use it.
          if (!['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
          rmSync(scratch, { recursive: true, force: true });
        }
      } finally {
        if (owner) rmSync(lock, { recursive: true, force: true });
      }
    }
  }
  return readSynthesis(dir, config);
}

/** Waits (synchronously: test files build their fixtures at load) for another worker's synthesis. */
function waitFor(dir: string, lock: string): void {
  const deadline = Date.now() + 180_000;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(dir) && existsSync(lock) && Date.now() < deadline) Atomics.wait(sleeper, 0, 0, 100);
}

function readSynthesis(outdir: string, config: PlatformConfig): Synthesized {
  const assembly = new CloudAssembly(outdir);
  const reportFile = path.join(outdir, 'validation-report.json');
  const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : { pluginReports: [] };
  const all = assembly.stacksRecursively;
  const stack = (stackPath: string) => {
    const found = all.find((s) => s.hierarchicalId === stackPath);
    if (!found) throw new Error(`no stack ${stackPath}; the assembly has ${all.map((s) => s.hierarchicalId).join(', ')}`);
    return found;
  };
  const templateJson = (stackPath: string) => stack(stackPath).template as Record<string, any>;
  return {
    config,
    outdir,
    configFile: path.join(outdir, 'config.json'),
    cells: config.cells.map((c) => ({
      stageName: c.id,
      account: c.account,
      region: c.primaryRegion,
      stacks: all.filter((s) => s.hierarchicalId.startsWith(`${c.id}/`)),
    })),
    report,
    stacks: (cellId) => (cellId ? all.filter((s) => s.hierarchicalId.startsWith(`${cellId}/`)) : all),
    stack,
    dependenciesOf: (stackPath) =>
      stack(stackPath).dependencies.flatMap((d) => (d instanceof CloudFormationStackArtifact ? [d.hierarchicalId] : [])),
    templateJson,
    template: (stackPath) => Template.fromJSON(templateJson(stackPath)),
    openFindings: () =>
      report.pluginReports.flatMap((r: PluginReport) =>
        r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} @ ${c.constructPath}`)),
      ),
    acknowledged: () => report.pluginReports.flatMap((r: PluginReport) => r.suppressedViolations ?? []),
  };
}

/**
 * Runs a command-line entry point in this process, as its script would, and captures what it
 * prints: as proving as a child process for exit codes and messages, at a fraction of the start-up.
 */
export function runCli(run: () => number): { status: number; stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (to: string[]) => (...args: unknown[]) => void to.push(args.map(String).join(' '));
  const spies = [
    jest.spyOn(console, 'log').mockImplementation(capture(out)),
    jest.spyOn(console, 'warn').mockImplementation(capture(err)),
    jest.spyOn(console, 'error').mockImplementation(capture(err)),
  ];
  try {
    const status = run();
    return { status, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/**
 * Runs the app's entry point (lib/main.ts) in this process as `cdk synth -c config=<file>` would
 * (cdk.json's context, an output folder), with CloudFormation's schema validation off for speed,
 * and returns its exit code, what it printed to stderr and the output folder. The one test that
 * goes through the real CDK CLI is test/cli.test.ts.
 */
export function runApp(configFile: string, extend?: (app: App, cells: CellStage[]) => void): { status: number; stderr: string; outdir: string } {
  const outdir = path.join(scratchDir('app-run'), 'cdk.out');
  const saved = { outdir: process.env.CDK_OUTDIR, context: process.env.CDK_CONTEXT_JSON };
  process.env.CDK_OUTDIR = outdir;
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ ...cdkJsonContext(), config: configFile });
  const exit = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    throw new ExitCalled(code ?? 0);
  }) as never);
  try {
    let status = 0;
    const { stderr } = runCli(() => {
      try {
        main(extend, { builtinCloudFormationValidation: false });
      } catch (e) {
        if (!(e instanceof ExitCalled)) throw e;
        status = e.code;
      }
      return status;
    });
    return { status, stderr, outdir };
  } finally {
    exit.mockRestore();
    for (const [key, value] of [['CDK_OUTDIR', saved.outdir], ['CDK_CONTEXT_JSON', saved.context]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

class ExitCalled extends Error {
  constructor(public readonly code: number) {
    super(`process.exit(${code})`);
  }
}

/** A scratch folder inside the run's cache folder, which the global teardown removes. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(path.join(process.env.VP_TEST_SYNTH_CACHE ?? tmpdir(), `${prefix}-`));
}

let cachedContext: Record<string, unknown> | undefined;
/** The feature flags from cdk.json, so that tests build what `cdk synth` builds. */
export function cdkJsonContext(): Record<string, unknown> {
  cachedContext ??= JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
  return cachedContext!;
}

/** Every resource of one type in a template, as [logicalId, resource] pairs. */
export function resourcesOfType(template: Record<string, any>, type: string): Array<[string, any]> {
  return Object.entries(template.Resources as Record<string, any>).filter(([, r]) => r.Type === type);
}
