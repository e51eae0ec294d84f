import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { App, AppProps } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { CellStage } from './cell-stage';
import { registerCompliancePacks } from './compliance';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from './config';
import { StatefulInventoryError, checkInventory, inventoryOf, inventoryPathFor } from './deploy/stateful-inventory';
import { recordSynthesis } from './evidence/provenance';
import { buildPlatform } from './platform';

/**
 * The CDK app as `cdk synth` runs it: load and validate config, build every cell, register the
 * compliance packs, synthesize. Exits 1 with a readable message on a config mistake (nothing is
 * built) or on any unacknowledged compliance finding.
 *
 * @param extend hook for test fixtures that add resources before synthesis
 * @param appProps for tests only: CloudFormation's schema validation may be skipped for speed
 */
export function main(extend?: (app: App, cells: CellStage[]) => void, appProps: Pick<AppProps, 'builtinCloudFormationValidation'> = {}): void {
  const app = new App({
    ...appProps,
    // The CDK CLI tells apps not to fail on validation errors and then judges only the stacks it
    // selected, and a plain `cdk synth` selects no stack inside a Stage. Every stack here lives in
    // a cell's Stage, so the app itself fails on any unacknowledged finding: the gate holds for
    // every CLI command and every stack selection.
    postCliContext: { '@aws-cdk/core:failSynthOnValidationErrors': true },
  });
  const configFile = app.node.tryGetContext('config') as string | undefined;

  const configPath = configFile ? path.resolve(configFile) : DEFAULT_CONFIG_PATH;
  let cells: CellStage[];
  try {
    const config = loadConfig(configPath);
    cells = buildPlatform(app, config);
    extend?.(app, cells);
  } catch (e) {
    if (e instanceof ConfigError) {
      // A config mistake is the user's to fix: the message names every field; no stack trace.
      console.error(e.message);
      process.exit(1);
    }
    reportDefect(e);
  }

  registerCompliancePacks(app);
  let assembly: CloudAssembly;
  try {
    assembly = app.synth();
  } catch (e) {
    if ((e as Error).name !== 'ValidationFailed') reportDefect(e);
    const message = (e as Error).message ?? '';
    // The framework printed each finding above with its rule id and the construct to fix.
    console.error(
      '\nCompliance gate: synthesis refused because of the unacknowledged findings above.\n' +
        'Fix the resource, or acknowledge one rule on one construct with a reason (lib/compliance/acknowledge.ts).\n' +
        (message.startsWith('Validation failed') ? message.replace(/^Validation failed\.\s*/, '') : message),
    );
    process.exit(1);
  }
  // The evidence pack states what the templates were made from, and refuses a config changed since.
  recordSynthesis(assembly.directory, configPath);
  enforceStatefulInventory(assembly, configPath, configFile);
}

/**
 * Refuses a synthesis that would remove, rename or replace a stateful resource recorded in the
 * configuration's inventory; reports resources that are new and not yet recorded.
 */
function enforceStatefulInventory(assembly: CloudAssembly, configPath: string, configFlag: string | undefined): void {
  const file = inventoryPathFor(configPath);
  const current = inventoryOf(assembly.stacksRecursively.map((s) => ({ path: s.hierarchicalId, environment: s.environment.name, template: s.template })));
  const flag = configFlag ? ` -- --config ${configFlag}` : '';
  try {
    const { added } = checkInventory(file, current, configFlag ? ` --config ${configFlag}` : '');
    if (added.length > 0) {
      const shown = added.slice(0, 10).map((a) => `  + ${a}`);
      if (added.length > shown.length) shown.push(`  ... and ${added.length - shown.length} more`);
      console.error(
        `Stateful inventory: ${added.length} new stateful ${added.length === 1 ? 'resource is' : 'resources are'} not yet recorded in ${path.relative(process.cwd(), file)}:\n${shown.join('\n')}\n` +
          `Record ${added.length === 1 ? 'it' : 'them'} with \`npm run inventory${flag}\` and commit the file, so that later changes cannot replace ${added.length === 1 ? 'it' : 'them'} unnoticed (CI's \`npm run inventory -- --check\` fails until then).`,
      );
    }
  } catch (e) {
    if (!(e instanceof StatefulInventoryError)) throw e;
    // Leave no complete assembly behind: nothing may deploy or be evidenced from a refused synthesis.
    rmSync(path.join(assembly.directory, 'manifest.json'), { force: true });
    console.error(`${e.message}\nThe synthesis was refused and its cloud assembly discarded.`);
    process.exit(1);
  }
}

/**
 * Validation refuses every configuration mistake before a construct exists, so any other failure
 * while building or synthesizing is ours: say so, and what a useful report holds.
 */
function reportDefect(e: unknown): never {
  const error = e instanceof Error ? e : new Error(String(e));
  console.error(
    `Synthesis failed because of a defect in the voice platform app, not a mistake in your configuration: ${error.name}: ${error.message.split('\n')[0]}\n` +
      'Nothing was synthesized. Please report it to the platform team as an issue in this repository, with the command you ran, ' +
      'the commit (`git rev-parse HEAD`) and the details below; a configuration holds no patient data, but replace real account ids before you share it.\n' +
      `Details for the report:\n${error.stack ?? error.message}`,
  );
  process.exit(70);
}
