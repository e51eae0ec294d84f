import * as path from 'node:path';
import { ConfigError, loadConfig } from '../config';
import { EvidenceError, generateEvidencePack } from './index';
import { displayPath } from './paths';
import { configSubProcessors, previousSubProcessors, subProcessorChanges } from './since';

const USAGE = `Usage: npm run evidence -- [--cdk-out <dir>] [--config <file>] [--out <dir>] [--since <pack or git ref>]

Writes one evidence report per cell, evidence-<cell>.md, its annex evidence-<cell>-annex.md (every
policy statement, acknowledgement and template digest the report summarises) and both as one
self-contained evidence-<cell>.html (the diagram drawn as inline SVG), derived from the cloud assembly
that \`npx cdk synth\` wrote, its validation-report.json, and the platform configuration.

  --cdk-out <dir>   the cloud assembly (default: cdk.out)
  --config <file>   the configuration it was synthesized from (default: config/platform.yaml)
  --out <dir>       where to write the reports (default: <cdk-out>/evidence)
  --verification <dir>
                    where \`npm run verify\` wrote verification-<cell>.json; each one present is
                    included in its cell's report (default: <cdk-out>/verification)
  --since <pack or git ref>
                    a previous evidence pack (evidence-<cell>.md or .html, or their folder) or a
                    git commit, tag or branch: lists the sub-processors added or removed since then,
                    in each pack and here (a DPA requires notice before a new one starts)`;

/** Parses `--name value` and `--name=value`; refuses anything else so that a typo is never ignored. */
export function parseArgs(argv: string[]): { cdkOut: string; config: string; out?: string; verification?: string; since?: string } | 'help' {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    const [name, inline] = arg.split(/=(.*)/s, 2);
    if (!['--cdk-out', '--config', '--out', '--verification', '--since'].includes(name)) throw new EvidenceError(`Unknown argument "${arg}".\n\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new EvidenceError(`${name} needs a value.\n\n${USAGE}`);
    values[name] = value;
  }
  return {
    cdkOut: values['--cdk-out'] ?? 'cdk.out',
    config: values['--config'] ?? path.join('config', 'platform.yaml'),
    out: values['--out'],
    verification: values['--verification'],
    since: values['--since'],
  };
}

/** Prints, per cell, the sub-processors added or removed since `--since` (the packs carry the same list). */
function printChanges(since: string, configFile: string): void {
  const previous = previousSubProcessors(since, configFile);
  const config = loadConfig(configFile);
  console.log(`Sub-processor changes since ${previous.label}:`);
  for (const c of config.cells) {
    const { added, removed } = subProcessorChanges(previous.cells.get(c.id), configSubProcessors(config, c.id));
    const lines = [...added.map((e) => `    added: ${e.name} (${e.id})`), ...removed.map((e) => `    removed: ${e.name} (${e.id})`)];
    console.log(`  ${c.id}: ${lines.length ? '' : 'none'}${lines.length ? `\n${lines.join('\n')}` : ''}`);
  }
}

/** `npm run evidence` (scripts/evidence.ts): returns the exit code; every expected failure is one message, never a stack trace. */
export function evidenceCli(argv: string[]): number {
  try {
    const args = parseArgs(argv);
    if (args === 'help') {
      console.log(USAGE);
      return 0;
    }
    const files = generateEvidencePack({
      cdkOut: args.cdkOut,
      configFile: args.config,
      outDir: args.out ?? path.join(args.cdkOut, 'evidence'),
      verificationDir: args.verification,
      since: args.since,
    });
    console.log('Evidence pack written:');
    for (const file of files) {
      console.log(`  ${displayPath(file)}`);
    }
    if (args.since) printChanges(args.since, args.config);
    return 0;
  } catch (e) {
    // Every expected failure names what to do; a stack trace would only bury that.
    if (e instanceof EvidenceError) {
      console.error(e.message);
    } else if (e instanceof ConfigError) {
      console.error(`${e.message}\nPass the configuration the cloud assembly was synthesized from with --config <file>.`);
    } else {
      console.error(`Evidence pack failed: ${(e as Error).message ?? String(e)}`);
      if (process.env.EVIDENCE_DEBUG) console.error((e as Error).stack);
    }
    return 1;
  }
}
