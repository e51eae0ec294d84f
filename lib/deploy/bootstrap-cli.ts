/** `npm run bootstrap -- <cell>` (scripts/bootstrap.ts); see lib/deploy/bootstrap.ts and README, "First deploy of a cell". */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../config';
import { buildPlatform } from '../platform';
import { bootstrapPlan, runPlan } from './bootstrap';

const USAGE = `Usage: npm run bootstrap -- <cell> [--config <file>] [--out <dir>] [--run]

Synthesizes the cell (offline), writes its scoped CloudFormation execution policy and the role
boundary to <out>/bootstrap/<cell>/ (default out: cdk.out), and prints the commands that create
both policies and bootstrap the cell's primary and DR regions with them. --run also runs them
(credentials of the cell's account, from a break-glass session: people hold no deploy rights).`;

export function bootstrapCli(argv: string[], print: (line: string) => void = console.log): number {
  let config = DEFAULT_CONFIG_PATH;
  let out = 'cdk.out';
  let run = false;
  let cellId: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--run') run = true;
    else if (arg === '--config' && argv[i + 1]) config = path.resolve(argv[++i]);
    else if (arg === '--out' && argv[i + 1]) out = path.resolve(argv[++i]);
    else if (!arg.startsWith('-') && !cellId) cellId = arg;
    else {
      print(USAGE);
      return 2;
    }
  }
  if (!cellId) {
    print(USAGE);
    return 2;
  }
  try {
    const platform = loadConfig(config);
    const cell = platform.cells.find((c) => c.id === cellId);
    if (!cell) {
      print(`No cell "${cellId}" in ${config}; the cells are: ${platform.cells.map((c) => c.id).join(', ')}.`);
      return 2;
    }
    const scratch = mkdtempSync(path.join(tmpdir(), 'vp-bootstrap-'));
    try {
      const context = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
      const app = new App({ outdir: scratch, context: { ...context, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
      buildPlatform(app, platform);
      const templates = app.synth().stacksRecursively.filter((s) => s.hierarchicalId.startsWith(`${cellId}/`)).map((s) => s.template);
      const plan = bootstrapPlan({ platform: platform.platform, cell }, templates, out);
      print(`Wrote ${plan.files.join(' and ')}.`);
      for (const command of plan.commands) print(command.join(' '));
      if (run) runPlan(plan.commands);
      return 0;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      print(e.message);
      return 1;
    }
    throw e;
  }
}
