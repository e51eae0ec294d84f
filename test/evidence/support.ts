import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { generateEvidencePack } from '../../lib/evidence';
import { readCloudAssembly } from '../../lib/evidence/assembly';
import { CellEvidence } from '../../lib/evidence/cell-evidence';
import { TemplateIndex } from '../../lib/evidence/references';
import { indexStack } from '../../lib/evidence/template';
import { Synthesized, scratchDir } from '../helpers';

/** Generates the evidence pack from a synthesized app's cloud assembly; returns each cell's report. */
export function evidenceOf(result: Synthesized, configFile = result.configFile): Record<string, string> {
  return packsAndAnnexesOf(result, configFile).packs;
}

/** Generates the evidence pack; returns each cell's report and each cell's annex (`evidence-<cell>-annex.md`), as written. */
export function packsAndAnnexesOf(result: Synthesized, configFile = result.configFile): { packs: Record<string, string>; annexes: Record<string, string> } {
  const outDir = scratchDir('evidence');
  const files = generateEvidencePack({ cdkOut: result.outdir, configFile, outDir });
  const read = (pattern: RegExp) => Object.fromEntries(files.filter((f) => pattern.test(path.basename(f))).map((f) => [path.basename(f).replace(pattern, '$1'), readFileSync(f, 'utf8')]));
  return { packs: read(/^evidence-(?!.*-annex\.md$)(.*)\.md$/), annexes: read(/^evidence-(.*)-annex\.md$/) };
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

/** A stack's template JSON by stack path, for a test to change before the evidence reads it. */
export type TemplateEdits = (templates: Record<string, Record<string, any>>) => void;

/**
 * One cell's evidence read from a synthesized assembly, after `edit` changed its templates in memory:
 * the way to prove that a statement follows the template (change the template, see the statement change)
 * without another synthesis.
 */
export function cellEvidenceOf(result: Synthesized, cellId: string, edit?: TemplateEdits, config = result.config): CellEvidence {
  const assembly = readCloudAssembly(result.outdir, { report: 'optional' });
  const templates = Object.fromEntries(assembly.stacks.map((s) => [s.path, structuredClone(s.template) as Record<string, any>]));
  edit?.(templates);
  const stacks = assembly.stacks.map(({ resources: _r, byLogicalId: _b, byType: _t, template: _old, ...meta }) => indexStack(meta, templates[meta.path]));
  const cell = config.cells.find((c) => c.id === cellId);
  if (!cell) throw new Error(`no cell ${cellId}`);
  return new CellEvidence(cell, config, { ...assembly, stacks }, new TemplateIndex(stacks), []);
}

/** The resources of a given type in a template, by logical id. */
export function resourcesIn(template: Record<string, any>, type: string): Array<[string, Record<string, any>]> {
  return Object.entries(template.Resources as Record<string, Record<string, any>>).filter(([, r]) => r.Type === type);
}

/**
 * The table row about one clinic: its own row, or the row that groups several clinics (`<clinic>` for their ids) and holds
 * for this one ("both clinics", "all 3 clinics", "all but" others, or a list naming it). Each text must be in the row,
 * as written or with the clinic's id written `<clinic>` (`<clinic_>` for its `_` spelling).
 */
export function clinicRow(report: string, clinicId: string, ...texts: string[]): string | undefined {
  const word = (id: string) => new RegExp(`(?<![a-z0-9])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z0-9])`);
  const masked = (t: string) => t.split(clinicId).join('&lt;clinic&gt;').split(clinicId.replace(/-/g, '_')).join('&lt;clinic_&gt;');
  const covers = (line: string) => {
    if (!line.includes('&lt;clinic')) return word(clinicId).test(line) || word(clinicId.replace(/-/g, '_')).test(line);
    // The note under the grouped name: "both clinics", "all 3 clinics", "all but clinic-002" or the clinics it holds for.
    const note = /<br>_([^_]+)_/.exec(line)?.[1] ?? '';
    if (note === 'both clinics' || /^all \d+ clinics$/.test(note)) return true;
    return note.startsWith('all but ') ? !word(clinicId).test(note) : word(clinicId).test(note);
  };
  return report.split('\n').find((l) => l.startsWith('| ') && covers(l) && texts.every((t) => l.includes(t) || l.includes(masked(t))));
}
