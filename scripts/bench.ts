/**
 * `npm run bench`: how synthesis time and memory grow with the number of clinics.
 *
 * Generates configurations of 10, 100 and 500 tenants spread over four cells (two US, two EU),
 * and for each measures, in a fresh process, the full synthesis with every compliance pack and the
 * evidence pack, and the same synthesis without the packs. Also times the example configuration
 * through the real CLI (`npx cdk synth`). Prints a table and writes it to bench/results.md.
 *
 * Each figure is the median of several runs (default 3), with- and without-packs runs alternating.
 *
 * Usage: npm run bench [-- --sizes 10,100,500] [--runs 3]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../lib/config';

const ROOT = path.join(__dirname, '..');
const TARGETS = { exampleCliSeconds: 15, seconds500: 60, peakMiB500: 3072, packsFactor: 1.6, linearFactor: 1.3 };

interface Measurement {
  packs: boolean;
  synthMs: number;
  evidenceMs?: number;
  cpuMs: number;
  peakRssMiB: number;
  stacks: number;
  resources: number;
  maxResourcesPerStack: number;
  openFindings: number;
  wallMs: number;
}

/** Four cells, two per jurisdiction, with placeholder accounts; tenants spread round-robin. */
function benchConfig(tenants: number): object {
  const example = loadConfig(path.join(ROOT, 'config', 'platform.yaml'));
  const template = example.cells[0];
  const cell = (id: string, jurisdiction: 'US' | 'EU', account: string, primaryRegion: string, drRegion: string, cidr: string) => ({
    ...template,
    id,
    jurisdiction,
    account,
    primaryRegion,
    drRegion,
    vpcCidr: cidr,
    availabilityZones: ['a', 'b', 'c'].map((z) => `${primaryRegion}${z}`),
    voice: { ...template.voice, imageDigest: `sha256:${'1'.repeat(64)}`, domainName: `voice-${id}.example.com` },
  });
  const cells = [
    cell('us-east', 'US', '111111111111', 'us-east-1', 'us-west-2', '10.10.0.0/16'),
    cell('us-west', 'US', '333333333333', 'us-west-2', 'us-east-2', '10.30.0.0/16'),
    cell('eu-central', 'EU', '222222222222', 'eu-central-1', 'eu-west-1', '10.20.0.0/16'),
    cell('eu-west', 'EU', '444444444444', 'eu-west-1', 'eu-west-3', '10.40.0.0/16'),
  ];
  return {
    platform: example.platform,
    subProcessors: example.subProcessors,
    cells,
    tenants: Array.from({ length: tenants }, (_, i) => {
      const c = cells[i % cells.length];
      return { id: `clinic-${String(i + 1).padStart(4, '0')}`, cell: c.id, jurisdiction: c.jurisdiction };
    }),
  };
}

function measure(configFile: string, packs: boolean): Measurement {
  const out = mkdtempSync(path.join(tmpdir(), 'vp-bench-out-'));
  const args = ['tsx', path.join('scripts', 'bench-synth.ts'), '--config', configFile, '--out', out];
  if (!packs) args.push('--no-packs');
  else args.push('--evidence');
  const started = performance.now();
  // Same environment as a user's `cdk synth`; a stray CDK_VALIDATION=false would switch validation off.
  const env = { ...process.env };
  delete env.CDK_VALIDATION;
  const run = spawnSync('npx', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env });
  const wallMs = performance.now() - started;
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  if (run.status !== 0 || !line) throw new Error(`measurement failed (${configFile}, packs=${packs}):\n${run.stderr.slice(-3000)}`);
  return { ...JSON.parse(line), wallMs: Math.round(wallMs) };
}

function cliExampleSeconds(): number {
  const out = mkdtempSync(path.join(tmpdir(), 'vp-bench-cli-'));
  const started = performance.now();
  execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', out], { cwd: ROOT, stdio: 'ignore' });
  return (performance.now() - started) / 1000;
}

const sizeArg = process.argv.indexOf('--sizes');
const sizes = sizeArg > 0 ? process.argv[sizeArg + 1].split(',').map(Number) : [10, 100, 500];
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;

/** The run with the median wall time of several. */
function median(samples: Measurement[]): Measurement {
  return [...samples].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(samples.length / 2)];
}
const dir = mkdtempSync(path.join(tmpdir(), 'vp-bench-'));
const rows: Array<{ tenants: number; withPacks: Measurement; withoutPacks: Measurement }> = [];
for (const tenants of sizes) {
  const file = path.join(dir, `bench-${tenants}.yaml`);
  writeFileSync(file, stringify(benchConfig(tenants)));
  const samples: Record<'with' | 'without', Measurement[]> = { with: [], without: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate the order so that neither mode always runs on a warmer machine.
    for (const packs of i % 2 === 0 ? [false, true] : [true, false]) samples[packs ? 'with' : 'without'].push(measure(file, packs));
  }
  const withoutPacks = median(samples.without);
  const withPacks = median(samples.with);
  rows.push({ tenants, withPacks, withoutPacks });
  console.error(`measured ${tenants} tenants`);
}
const cli = cliExampleSeconds();

const s = (ms: number | undefined) => (ms === undefined ? 'n/a' : (ms / 1000).toFixed(1));
const lines = [
  `# Synthesis benchmark`,
  '',
  `Machine: ${require('node:os').cpus().length} cores, ${Math.round(require('node:os').totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
    'Each synthesis runs in a fresh process with the CLI\'s context and the built-in CloudFormation validation on, as `cdk synth` runs it; ' +
    `each figure is the median of ${runs} runs. Wall time includes the evidence pack where packs are on; "synth s" excludes it.`,
  '',
  '| tenants | stacks | resources | max resources / stack | packs | wall s | synth s | evidence s | CPU s | peak MiB | open findings | ms / tenant |',
  '| ---: | ---: | ---: | ---: | :--: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const { tenants, withPacks, withoutPacks } of rows) {
  for (const m of [withPacks, withoutPacks]) {
    lines.push(
      `| ${tenants} | ${m.stacks} | ${m.resources} | ${m.maxResourcesPerStack} | ${m.packs ? 'all' : 'none'} | ${s(m.wallMs)} | ${s(m.synthMs)} | ${s(m.evidenceMs)} | ${s(m.cpuMs)} | ${m.peakRssMiB} | ${m.openFindings} | ${Math.round(m.wallMs / tenants)} |`,
    );
  }
}
const bySize = Object.fromEntries(rows.map((r) => [r.tenants, r]));
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
lines.push('', '## Targets', '', '| target | figure | verdict |', '| --- | --- | --- |');
lines.push(`| example config through the CLI <= ${TARGETS.exampleCliSeconds} s | ${cli.toFixed(1)} s | ${verdict(cli <= TARGETS.exampleCliSeconds)} |`);
if (bySize[500]) {
  const m = bySize[500].withPacks;
  lines.push(`| 500 tenants <= ${TARGETS.seconds500} s | ${s(m.wallMs)} s | ${verdict(m.wallMs / 1000 <= TARGETS.seconds500)} |`);
  lines.push(`| 500 tenants peak memory < ${TARGETS.peakMiB500} MiB | ${m.peakRssMiB} MiB | ${verdict(m.peakRssMiB < TARGETS.peakMiB500)} |`);
}
for (const { tenants, withPacks, withoutPacks } of rows) {
  const factor = withPacks.synthMs / withoutPacks.synthMs;
  lines.push(`| packs cost <= ${TARGETS.packsFactor}x at ${tenants} tenants | ${factor.toFixed(2)}x | ${verdict(factor <= TARGETS.packsFactor)} |`);
}
if (bySize[10] && bySize[100] && bySize[500]) {
  // Marginal synthesis time per tenant, so that the fixed start-up cost does not flatter the growth.
  const marginal = (from: number, to: number) => (bySize[to].withPacks.synthMs - bySize[from].withPacks.synthMs) / (to - from);
  const factor = marginal(100, 500) / marginal(10, 100);
  lines.push(
    `| time per added tenant from 100 to 500 within ${TARGETS.linearFactor}x of that from 10 to 100 | ${marginal(100, 500).toFixed(0)} ms vs ${marginal(10, 100).toFixed(0)} ms: ${factor.toFixed(2)}x | ${verdict(factor <= TARGETS.linearFactor)} |`,
  );
}
const table = lines.join('\n');
console.log(table);
mkdirSync(path.join(ROOT, 'bench'), { recursive: true });
writeFileSync(path.join(ROOT, 'bench', 'results.md'), `${table}\n`);
console.log(`\nwritten to bench/results.md`);
