/**
 * `npm run bench`: how synthesis time and memory grow with the number of clinics.
 *
 * Generates configurations of 10, 100 and 500 tenants spread over four cells (two US, two EU),
 * and for each measures, in a fresh process, the full synthesis with every compliance pack and the
 * evidence pack, and the same synthesis without the packs. Also times the example configuration
 * through the real CLI (`npx cdk synth`). Prints a table, and writes it to bench/results.md with --write.
 *
 * Each figure is the median of several runs (default 3), with- and without-packs runs alternating.
 * Progress goes to stderr; scratch folders go under the system temp folder and are removed.
 *
 * Usage: npm run bench [-- --sizes 10,100,500] [--runs 3] [--write]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { rawFixtureConfig } from '../test/fixtures/config';

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

/**
 * Four cells, two per jurisdiction, with placeholder accounts (the test fixtures', so that the
 * figures do not depend on the user's config/platform.yaml); tenants spread round-robin.
 */
function benchConfig(tenants: number): object {
  const raw = rawFixtureConfig({ cells: 4, tenantsPerCell: 0 });
  for (const cell of raw.cells) cell.voice.imageDigest = `sha256:${'1'.repeat(64)}`;
  raw.tenants = Array.from({ length: tenants }, (_, i) => {
    const c = raw.cells[i % raw.cells.length];
    return { id: `clinic-${String(i + 1).padStart(4, '0')}`, cell: c.id, jurisdiction: c.jurisdiction };
  });
  return raw;
}

function measure(configFile: string, packs: boolean): Measurement {
  const out = mkdtempSync(path.join(dir, 'out-'));
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
  const out = mkdtempSync(path.join(dir, 'cli-'));
  const started = performance.now();
  execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', out], { cwd: ROOT, stdio: 'ignore' });
  return (performance.now() - started) / 1000;
}

const USAGE = 'Usage: npm run bench -- [--sizes 10,100,500] [--runs 3] [--write]';
const argv = process.argv.slice(2);
const valueOf = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) fail(`${name} needs a value`);
  return value;
};
function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(1);
}
for (const [i, arg] of argv.entries()) {
  if (arg.startsWith('--') && !['--sizes', '--runs', '--write'].includes(arg)) fail(`Unknown argument "${arg}"`);
  if (!arg.startsWith('--') && !['--sizes', '--runs'].includes(argv[i - 1])) fail(`Unexpected "${arg}"`);
}
const sizes = (valueOf('--sizes') ?? '10,100,500').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) fail('--sizes takes whole numbers of tenants, such as 10,100,500');
const runs = Number(valueOf('--runs') ?? 3);
if (!Number.isInteger(runs) || runs < 1) fail('--runs takes a whole number, such as 3');
const write = argv.includes('--write');

/** The run with the median wall time of several. */
function median(samples: Measurement[]): Measurement {
  return [...samples].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(samples.length / 2)];
}
const dir = mkdtempSync(path.join(tmpdir(), 'vp-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const rows: Array<{ tenants: number; withPacks: Measurement; withoutPacks: Measurement }> = [];
const total = sizes.length * runs * 2 + 1;
let step = 0;
const progress = (what: string) => console.error(`[${++step}/${total}] ${what}`);
for (const tenants of sizes) {
  const file = path.join(dir, `bench-${tenants}.yaml`);
  writeFileSync(file, stringify(benchConfig(tenants)));
  const samples: Record<'with' | 'without', Measurement[]> = { with: [], without: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate the order so that neither mode always runs on a warmer machine.
    for (const packs of i % 2 === 0 ? [false, true] : [true, false]) {
      progress(`${tenants} tenants, packs ${packs ? 'on' : 'off'}, run ${i + 1} of ${runs}`);
      const m = measure(file, packs);
      console.error(`      ${(m.wallMs / 1000).toFixed(1)} s, ${m.peakRssMiB} MiB`);
      samples[packs ? 'with' : 'without'].push(m);
    }
  }
  const withoutPacks = median(samples.without);
  const withPacks = median(samples.with);
  rows.push({ tenants, withPacks, withoutPacks });
}
progress('the example configuration through `npx cdk synth`');
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
if (write) {
  mkdirSync(path.join(ROOT, 'bench'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results.md'), `${table}\n`);
  console.log(`\nwritten to bench/results.md`);
} else {
  console.log('\n(not written; add --write to record it in bench/results.md)');
}
