/**
 * One measured synthesis, run in a fresh process by scripts/bench.ts so that time and peak memory
 * belong to this synthesis alone. Builds exactly what `cdk synth` builds (same context, built-in
 * CloudFormation validation on), with or without the compliance packs, then optionally the
 * evidence pack. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { registerCompliancePacks } from '../lib/compliance';
import { loadConfig } from '../lib/config';
import { generateEvidencePack } from '../lib/evidence';
import { recordSynthesis } from '../lib/evidence/provenance';
import { buildPlatform } from '../lib/platform';

const args = process.argv.slice(2);
const arg = (name: string) => args[args.indexOf(name) + 1];
const configFile = arg('--config');
const outdir = arg('--out');
const packs = !args.includes('--no-packs');
const evidence = args.includes('--evidence');

const started = performance.now();
const context = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
// The context the CDK CLI adds to every synth, so that templates and timings match `cdk synth`.
const cliContext = {
  'aws:cdk:enable-path-metadata': true,
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:version-reporting': true,
  'aws:cdk:bundling-stacks': ['**'],
};
const app = new App({
  outdir,
  // Findings are counted, not thrown, so that a measurement always completes.
  context: { ...context, ...cliContext, '@aws-cdk/core:failSynthOnValidationErrors': false },
  builtinCloudFormationValidation: true,
});
const cells = buildPlatform(app, loadConfig(configFile));
if (packs) registerCompliancePacks(app);
const assembly = app.synth();
// As lib/main.ts does after every synth: the evidence pack refuses an assembly without it.
recordSynthesis(assembly.directory, configFile);
const synthMs = performance.now() - started;

let stacks = 0;
let resources = 0;
let maxResourcesPerStack = 0;
for (const cell of cells) {
  for (const stack of cell.synth().stacks) {
    const count = Object.keys((stack.template as { Resources: object }).Resources).length;
    stacks += 1;
    resources += count;
    maxResourcesPerStack = Math.max(maxResourcesPerStack, count);
  }
}
const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
const openFindings = report.pluginReports.reduce((n: number, r: { violations: unknown[] }) => n + r.violations.length, 0);

let evidenceMs: number | undefined;
if (evidence) {
  const t = performance.now();
  generateEvidencePack({ cdkOut: assembly.directory, configFile, outDir: path.join(assembly.directory, 'evidence') });
  evidenceMs = performance.now() - t;
}

const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    packs,
    synthMs: Math.round(synthMs),
    evidenceMs: evidenceMs === undefined ? undefined : Math.round(evidenceMs),
    cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
    peakRssMiB: Math.round(usage.maxRSS / 1024),
    stacks,
    resources,
    maxResourcesPerStack,
    openFindings,
  }),
);
