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

const USAGE = `Usage: npm run inventory -- [--config <file>] [--check | --accept-removals [--yes]]

Records every stateful resource (database, bucket, key, log group, backup vault, image repository,
secret) of the configuration in <config>.stateful-inventory.json, beside the configuration. New
resources (a new clinic) are added; a removal, rename or replacement of a recorded one is refused,
as in \`npx cdk synth\`, unless --accept-removals --yes says it is deliberate. Commit the file.

  --config <file>      the configuration (default: config/platform.yaml)
  --check              write nothing; fail when the file is missing, when a stateful resource is not
                       recorded yet, or when one would be removed or replaced (CI runs this)
  --accept-removals    list every entry that would be dropped or changed (resources removed or
                       replaced: an approved offboarding whose data has expired, a planned
                       migration), and write nothing
  --yes                with --accept-removals: record the templates as they are now, dropping or
                       changing exactly the entries listed`;

interface InventoryArgs {
  readonly config: string;
  readonly check: boolean;
  readonly acceptRemovals: boolean;
  readonly yes: boolean;
}

function parseArgs(argv: string[]): InventoryArgs | 'help' {
  let config = DEFAULT_CONFIG_PATH;
  const flags = { check: false, acceptRemovals: false, yes: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      return 'help';
    } else if (arg === '--accept-removals') {
      flags.acceptRemovals = true;
    } else if (arg === '--check') {
      flags.check = true;
    } else if (arg === '--yes') {
      flags.yes = true;
    } else if (arg === '--config' && argv[i + 1] && !argv[i + 1].startsWith('--')) {
      config = path.resolve(argv[++i]);
    } else if (arg.startsWith('--config=')) {
      config = path.resolve(arg.slice('--config='.length));
    } else {
      throw new StatefulInventoryError(`Unknown argument "${arg}".\n\n${USAGE}`);
    }
  }
  if (flags.check && (flags.acceptRemovals || flags.yes)) throw new StatefulInventoryError(`--check writes nothing and cannot accept removals.\n\n${USAGE}`);
  if (flags.yes && !flags.acceptRemovals) throw new StatefulInventoryError(`--yes goes with --accept-removals.\n\n${USAGE}`);
  return { config, ...flags };
}

/** Synthesizes the configuration as `cdk synth` builds it (same feature flags); the packs do not change templates. */
function currentInventory(configFile: string) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'vp-inventory-'));
  try {
    const context = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
    // Templates only: no Lambda bundling (the CLI's own switch), which changes no stateful resource.
    const app = new App({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
    buildPlatform(app, loadConfig(configFile));
    const assembly = app.synth();
    return inventoryOf(assembly.stacksRecursively.map((s) => ({ path: s.hierarchicalId, environment: s.environment.name, template: s.template })));
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
    const configFlag = args.config === DEFAULT_CONFIG_PATH ? '' : ` --config ${path.relative(process.cwd(), args.config)}`;
    if (!recorded) {
      if (args.check) {
        console.error(`Stateful inventory check failed: ${shown} does not exist, so nothing protects this deployment's data from a replacing change. Write it with \`npm run inventory${configFlag ? ` --${configFlag}` : ''}\` and commit it.`);
        return 1;
      }
      writeInventory(file, current);
      console.log(`Stateful inventory written: ${shown} (${count} resources). Commit it with the configuration.`);
      return 0;
    }
    if (args.acceptRemovals) {
      const diff = diffInventory(recorded, current);
      const accepted = [...diff.clinicsGone, ...diff.removed, ...diff.replaced];
      if (!args.yes) {
        console.log(
          accepted.length > 0
            ? `These ${accepted.length} recorded entries would be dropped or changed (nothing was written):\n${accepted.map((a) => `  - ${a}`).join('\n')}\n` +
                `If every one is deliberate and approved, record them with \`npm run inventory -- --accept-removals --yes${configFlag}\` and commit the file.`
            : `Nothing to accept: no recorded resource would be removed or replaced (nothing was written).`,
        );
        return 0;
      }
      writeInventory(file, current);
      console.log(`Stateful inventory rewritten: ${shown} (${count} resources).`);
      if (accepted.length > 0) console.log(`Accepted as deliberate (${accepted.length}):\n${accepted.map((a) => `  - ${a}`).join('\n')}`);
      if (diff.added.length > 0) console.log(`Recorded ${diff.added.length} new.`);
      return 0;
    }
    const { added } = checkInventory(file, current, configFlag);
    if (args.check) {
      if (added.length > 0) {
        console.error(
          `Stateful inventory check failed: ${added.length} stateful ${added.length === 1 ? 'resource is' : 'resources are'} not recorded in ${shown}, so a later change could replace ${added.length === 1 ? 'it' : 'them'} unnoticed:\n` +
            `${added.map((a) => `  + ${a}`).join('\n')}\nRecord ${added.length === 1 ? 'it' : 'them'} with \`npm run inventory${configFlag ? ` --${configFlag}` : ''}\` and commit the file.`,
        );
        return 1;
      }
      console.log(`Stateful inventory check passed: ${shown} records all ${count} stateful resources, and none would be removed or replaced.`);
      return 0;
    }
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
