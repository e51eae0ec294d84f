/**
 * `npm run inventory` (scripts/inventory.ts): records the stateful resources of a configuration in its inventory file
 * (config/platform.yaml → config/platform.stateful-inventory.json), which `npx cdk synth` then
 * holds every later synthesis to. See README, "The stateful inventory".
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from './config';
import { StatefulInventoryError, checkInventory, diffInventory, inventoryOf, inventoryPathFor, readInventory, writeInventory } from './deploy/stateful-inventory';
import { buildPlatform } from './platform';

const USAGE = `Usage: npm run inventory -- [--config <file>] [--accept-removals]

Records every stateful resource (database, bucket, key, log group, backup vault, image repository)
of the configuration in <config>.stateful-inventory.json, beside the configuration. New resources
(a new clinic) are added; a removal, rename or replacement of a recorded one is refused, as in
\`npx cdk synth\`, unless --accept-removals says it is deliberate. Commit the file.

  --config <file>      the configuration (default: config/platform.yaml)
  --accept-removals    record the templates as they are now, dropping or changing the entries of
                       resources that would be removed or replaced (after an approved offboarding
                       whose data has expired, or a planned migration); prints each one`;

function parseArgs(argv: string[]): { config: string; acceptRemovals: boolean } | 'help' {
  let config = DEFAULT_CONFIG_PATH;
  let acceptRemovals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      return 'help';
    } else if (arg === '--accept-removals') {
      acceptRemovals = true;
    } else if (arg === '--config' && argv[i + 1] && !argv[i + 1].startsWith('--')) {
      config = path.resolve(argv[++i]);
    } else if (arg.startsWith('--config=')) {
      config = path.resolve(arg.slice('--config='.length));
    } else {
      throw new StatefulInventoryError(`Unknown argument "${arg}".\n\n${USAGE}`);
    }
  }
  return { config, acceptRemovals };
}

/** Synthesizes the configuration as `cdk synth` builds it (same feature flags); the packs do not change templates. */
function currentInventory(configFile: string) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'vp-inventory-'));
  try {
    const context = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
    const app = new App({ outdir, context, builtinCloudFormationValidation: false });
    buildPlatform(app, loadConfig(configFile));
    const assembly = app.synth();
    return inventoryOf(assembly.stacksRecursively.map((s) => ({ path: s.hierarchicalId, template: s.template })));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Returns the exit code; a refusal or a config mistake is one message, never a stack trace. */
export function inventoryCli(argv: string[]): number {
  try {
    const args = parseArgs(argv);
    if (args === 'help') {
      console.log(USAGE);
      return 0;
    }
    const file = inventoryPathFor(args.config);
    const shown = path.relative(process.cwd(), file) || file;
    const current = currentInventory(args.config);
    const count = Object.values(current).reduce((n, e) => n + Object.keys(e).length, 0);
    const recorded = readInventory(file);
    if (!recorded) {
      writeInventory(file, current);
      console.log(`Stateful inventory written: ${shown} (${count} resources). Commit it with the configuration.`);
      return 0;
    }
    if (args.acceptRemovals) {
      const diff = diffInventory(recorded, current);
      writeInventory(file, current);
      const accepted = [...diff.clinicsGone, ...diff.removed, ...diff.replaced];
      console.log(`Stateful inventory rewritten: ${shown} (${count} resources).`);
      if (accepted.length > 0) console.log(`Accepted as deliberate (${accepted.length}):\n${accepted.map((a) => `  - ${a}`).join('\n')}`);
      if (diff.added.length > 0) console.log(`Recorded ${diff.added.length} new.`);
      return 0;
    }
    const configFlag = args.config === DEFAULT_CONFIG_PATH ? '' : ` --config ${path.relative(process.cwd(), args.config)}`;
    const { added } = checkInventory(file, current, configFlag);
    writeInventory(file, current);
    console.log(
      added.length > 0
        ? `Stateful inventory updated: ${shown}, ${added.length} new:\n${added.map((a) => `  + ${a}`).join('\n')}\nCommit it with the configuration.`
        : `Stateful inventory unchanged: ${shown} already records all ${count} stateful resources.`,
    );
    return 0;
  } catch (e) {
    if (e instanceof StatefulInventoryError || e instanceof ConfigError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}
