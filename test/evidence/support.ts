import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { generateEvidencePack } from '../../lib/evidence';
import { Synthesized, scratchDir } from '../helpers';

/** Generates the evidence pack from a synthesized app's cloud assembly; returns each cell's report. */
export function evidenceOf(result: Synthesized, configFile = result.configFile): Record<string, string> {
  const outDir = scratchDir('evidence');
  const files = generateEvidencePack({ cdkOut: result.outdir, configFile, outDir });
  return Object.fromEntries(files.map((f) => [path.basename(f).replace(/^evidence-(.*)\.md$/, '$1'), readFileSync(f, 'utf8')]));
}

/** The lines of a report that mention every one of the given texts (table rows, mostly). */
export function linesWith(report: string, ...texts: string[]): string[] {
  return report.split('\n').filter((line) => texts.every((t) => line.includes(t)));
}

/** One section of a report, from its `## n.` heading to the next `## ` heading. */
export function section(report: string, heading: string): string {
  const start = report.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const end = report.indexOf('\n## ', start + 4);
  return report.slice(start, end < 0 ? undefined : end);
}
