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
