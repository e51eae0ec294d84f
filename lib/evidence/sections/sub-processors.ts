import { isRegionIn } from '../../config/jurisdictions';
import { CellEvidence } from '../cell-evidence';
import { blocks, cell, code, table } from '../markdown';
import { allowedEndpoints } from './voice-data-path';

/** `signed 2026-01-15`, `not signed`. */
function agreement(a: { signed: boolean; date?: string } | undefined): string {
  return a?.signed ? `signed ${a.date ?? '(date not recorded)'}` : '**not signed**';
}

/** Section 6: the third parties this cell's service uses, from config, with their contracts. */
export function subProcessorsSection(ev: CellEvidence): string {
  const j = ev.cell.jurisdiction;
  const regions = (list: readonly string[] | undefined) =>
    list?.length ? list.map((r) => `${r}${isRegionIn(j, r) ? '' : ` (OUTSIDE ${j})`}`).join(', ') : `**none listed for ${j}**`;
  const byId = new Map(ev.config.subProcessors.map((sp) => [sp.id, sp]));
  const rows = ev.cell.subProcessors.map((id) => {
    const sp = byId.get(id);
    if (!sp) return [code(id), cell('**not declared in config**'), '', '', '', '', '', '', ''];
    return [
      cell(sp.name),
      cell(sp.role),
      cell(sp.purpose),
      cell(sp.dataCategories.join(', ')),
      cell(sp.seesPhi ? 'yes' : 'no'),
      cell(agreement(sp.baa)),
      cell(agreement(sp.dpa)),
      cell(regions(sp.processingRegions[j])),
    ];
  });
  const siem = ev.cell.siem;
  if (siem) {
    rows.push([
      cell(siem.name),
      cell('siem (cells[].siem)'),
      cell(`Receives a copy of the audit logs at ${siem.url}`),
      cell('audit logs (may name PHI objects and carry database statements)'),
      cell('yes'),
      cell(siem.baaSigned ? 'signed (date not recorded in cells[].siem)' : '**not signed**'),
      cell(siem.dpaSigned ? 'signed (date not recorded in cells[].siem)' : '**not signed**'),
      cell(regions(siem.processingRegions)),
    ]);
  }
  return blocks(
    '## 6. Sub-processors and the BAA chain',
    `Source: \`config/\` (\`subProcessors\` and this cell's \`cells[].subProcessors\`${siem ? ' and `cells[].siem`' : ''}). Config validation refuses, in a cell that carries PHI, a sub-processor that sees PHI without a signed BAA (US), or without a signed DPA and processing inside the EU (EU). Processing regions: those listed for ${j}.`,
    ev.cell.carriesPhi
      ? 'This cell carries PHI.'
      : 'This cell carries no PHI: it holds no clinics (config validation refuses a clinic in a cell marked `carriesPhi: false`, and a sub-processor marked `seesPhi: false` whose role or data categories are a call\'s content).',
    table(['Name', 'Role', 'Purpose', 'Data categories', 'Sees PHI', 'BAA', 'DPA', `Processing regions (${j})`], rows, '_This cell uses no sub-processors._'),
    allowedEndpoints(ev),
  );
}
