import * as path from 'node:path';
import { CellEvidence } from '../cell-evidence';
import { blocks, cell, code, table } from '../markdown';

/** Annex A5: the templates the pack was derived from, with digests so that they can be matched to what was deployed. */
export function sourcesAnnex(ev: CellEvidence): string {
  const rows = ev.stacks.map((s) => [code(s.path), cell(s.region), code(s.stackName), code(s.templateFile), code(s.sha256)]);
  return blocks(
    '## A5. Template files and their SHA-256',
    `Templates of this cell in the cloud assembly ${code(path.basename(ev.assembly.directory))}, with the SHA-256 of each file as read.`,
    table(['Stack', 'Region', 'CloudFormation stack name', 'Template file', 'SHA-256'], rows),
  );
}

/** Annex A7: every resource the pack names, with its type, stack and logical id, for finding it in its template. */
export function resourceIndex(ev: CellEvidence): string {
  const seen = new Set<string>();
  const rows = [...ev.labelled]
    .filter((r) => !seen.has(`${r.stack.path}\u0000${r.logicalId}`) && seen.add(`${r.stack.path}\u0000${r.logicalId}`))
    .sort((a, b) => ev.stacks.indexOf(a.stack) - ev.stacks.indexOf(b.stack) || a.logicalId.localeCompare(b.logicalId))
    .map((r) => [cell(ev.name(r)), code(r.resource.Type), code(ev.definedAt(r)), code(r.logicalId)]);
  return blocks(
    '## A7. Where each named resource is',
    `The pack names a resource by its name alone where no other resource of the cell has the same name, else with where it is defined. Each one's type, where it is defined (its stack, without the cell prefix \`${ev.id}/\`, then its construct) and its logical id in that stack's template:`,
    table(['Name', 'Type', 'Defined in (stack/construct)', 'Logical id'], rows),
  );
}
