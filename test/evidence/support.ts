import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG_PATH } from '../../lib/config';
import { generateEvidencePack } from '../../lib/evidence';
import { Synthesized } from '../helpers';

/** Generates the evidence pack from a synthesized app's cloud assembly; returns each cell's report. */
export function evidenceOf(result: Synthesized, configFile = DEFAULT_CONFIG_PATH): Record<string, string> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'vp-evidence-'));
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
