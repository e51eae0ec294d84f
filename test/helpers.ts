import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CellStage } from '../lib/cell-stage';
import { registerCompliancePacks } from '../lib/compliance';
import { PlatformConfig, loadConfig } from '../lib/config';
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

export interface Synthesized {
  app: App;
  cells: CellStage[];
  /** cdk.out/validation-report.json as written by the synthesis. */
  report: { pluginReports: PluginReport[] };
  /** The template of a stack, by its path: `us-east/Network`. */
  template(stackPath: string): Template;
  /** The raw template JSON of a stack, by its path. */
  templateJson(stackPath: string): Record<string, any>;
  /** Every unacknowledged finding as `rule @ construct path`. */
  openFindings(): string[];
  /** Every acknowledged finding. */
  acknowledged(): SuppressedViolation[];
}

/** The example configuration that ships in config/. */
export function exampleConfig(): PlatformConfig {
  return loadConfig();
}

/**
 * Synthesizes a configuration with every compliance pack, the way `cdk synth` does, but collects
 * findings into the report instead of throwing, so that tests can assert on the report.
 */
export function synthesize(
  config: PlatformConfig = exampleConfig(),
  extend?: (app: App, cells: CellStage[]) => void,
): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'vp-test-'));
  const app = new App({
    outdir,
    context: { '@aws-cdk/core:failSynthOnValidationErrors': false, ...cdkJsonContext() },
    // The packs still run; only CloudFormation's schema check is skipped for speed (CI runs it in `cdk synth`).
    builtinCloudFormationValidation: false,
  });
  const cells = buildPlatform(app, config);
  extend?.(app, cells);
  registerCompliancePacks(app);
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));

  const templateJson = (stackPath: string) => {
    const [cellId, ...rest] = stackPath.split('/');
    const stage = cells.find((c) => c.stageName === cellId);
    if (!stage) throw new Error(`no cell ${cellId}`);
    const stack = stage.node.findChild(rest.join('/'));
    const artifact = stage.synth().stacks.find((s) => s.hierarchicalId === stack.node.path);
    if (!artifact) throw new Error(`no stack ${stackPath}`);
    return artifact.template as Record<string, any>;
  };
  return {
    app,
    cells,
    report,
    templateJson,
    template: (stackPath) => Template.fromJSON(templateJson(stackPath)),
    openFindings: () =>
      report.pluginReports.flatMap((r: PluginReport) =>
        r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} @ ${c.constructPath}`)),
      ),
    acknowledged: () => report.pluginReports.flatMap((r: PluginReport) => r.suppressedViolations ?? []),
  };
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
