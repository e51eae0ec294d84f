import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PlatformConfig, loadConfig } from '../config';
import { CloudAssemblyEvidence, EvidenceError, readCloudAssembly } from './assembly';
import { CellDiagram, cellDiagram } from './cell-diagram';
import { CellEvidence } from './cell-evidence';
import { PackRules, countPackRules } from './packs';
import { assertConfigUnchanged, readSynthRecord } from './provenance';
import { previousSubProcessors } from './since';
import { TemplateIndex } from './references';
import { annexFile, packFile } from './annex';
import { cellAnnex, cellReport } from './report';
import { readVerification } from './sections/recovery';

export { EvidenceError } from './assembly';

export interface EvidenceOptions {
  /** The cloud assembly written by `cdk synth`. */
  readonly cdkOut: string;
  /** The platform configuration the assembly was synthesized from. */
  readonly configFile: string;
  /** Where `evidence-<cell>.md` files are written. */
  readonly outDir: string;
  /** Where `npm run verify` wrote `verification-<cell>.json`; each present report is included. @default <cdkOut>/verification */
  readonly verificationDir?: string;
  /** A previous pack (file or folder) or git ref: each pack lists the sub-processors added or removed since then. */
  readonly since?: string;
  /** Rule counts per pack; computed from the registered packs when not given. */
  readonly packs?: readonly PackRules[];
}

/** One cell's pack: its Markdown, its annex and the diagram it draws (for the HTML pack). */
export interface CellPack {
  readonly cellId: string;
  readonly markdown: string;
  /** The statement-level listings the pack links to (`evidence-<cell>-annex.md`). */
  readonly annex: string;
  readonly diagram: CellDiagram;
}

/** Builds every cell's pack from the assembly, refusing an assembly that does not match the configuration. */
export function buildEvidencePacks(options: EvidenceOptions): CellPack[] {
  const config = loadConfig(options.configFile);
  const assembly = readCloudAssembly(options.cdkOut);
  assertMatches(config, assembly, options);
  const synthesis = readSynthRecord(assembly.directory);
  assertConfigUnchanged(synthesis, options.configFile, options.cdkOut);
  const index = new TemplateIndex(assembly.stacks);
  const packs = options.packs ?? countPackRules();
  const since = options.since ? previousSubProcessors(options.since, options.configFile) : undefined;
  const verificationDir = options.verificationDir ?? path.join(options.cdkOut, 'verification');
  const configFile = path.relative(process.cwd(), path.resolve(options.configFile)) || options.configFile;
  return config.cells.map((cell) => {
    const evidence = new CellEvidence(cell, config, assembly, index, packs);
    const verification = readVerification(verificationDir, cell.id);
    const context = { configFile, synthesis, verification, since };
    return { cellId: cell.id, markdown: cellReport(evidence, context), annex: cellAnnex(evidence, context), diagram: cellDiagram(evidence) };
  });
}

/** Writes one evidence report per cell, and its annex beside it; returns the paths written. */
export function generateEvidencePack(options: EvidenceOptions): string[] {
  const packs = buildEvidencePacks(options);
  mkdirSync(options.outDir, { recursive: true });
  return packs.flatMap((pack) => {
    const file = path.join(options.outDir, packFile(pack.cellId));
    const annex = path.join(options.outDir, annexFile(pack.cellId));
    writeFileSync(file, pack.markdown);
    writeFileSync(annex, pack.annex);
    return [file, annex];
  });
}

/** Refuses an assembly that was not synthesized from this config: evidence of other templates would mislead. */
function assertMatches(config: PlatformConfig, assembly: CloudAssemblyEvidence, options: EvidenceOptions): void {
  const problems: string[] = [];
  const cells = new Set(assembly.cells);
  for (const cell of config.cells) {
    if (!cells.has(cell.id)) problems.push(`cell ${cell.id} is in the configuration but has no assembly (assembly-${cell.id}) in ${options.cdkOut}`);
  }
  for (const id of cells) {
    if (!config.cells.some((c) => c.id === id)) problems.push(`${options.cdkOut} has cell ${id}, which the configuration does not declare`);
  }
  const paths = new Set(assembly.stacks.map((s) => s.path));
  for (const t of config.tenants) {
    for (const stack of [`${t.cell}/Tenant-${t.id}`, `${t.cell}/TenantReplica-${t.id}`]) {
      if (cells.has(t.cell) && !paths.has(stack)) problems.push(`tenant ${t.id} has no stack ${stack}`);
    }
  }
  if (problems.length > 0) {
    throw new EvidenceError(
      `The cloud assembly does not match ${options.configFile} (it is out of date, or was synthesized from another configuration):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        `\nRun \`npx cdk synth -c config=${options.configFile} --output ${options.cdkOut}\` and try again.`,
    );
  }
}
