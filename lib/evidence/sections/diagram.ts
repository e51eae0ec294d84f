import { phiBucketName, tenantAccessRoleName } from '../../naming';
import { CellEvidence } from '../cell-evidence';
import { cellDiagram, toMermaid } from '../cell-diagram';
import { blocks, cell, code, table } from '../markdown';

/** Section 7: the cell as one Mermaid flowchart drawn from the templates, clinics as one node; per-clinic detail in a table. */
export function diagramSection(ev: CellEvidence): string {
  const diagram = cellDiagram(ev);
  return blocks(
    '## 7. Architecture diagram',
    'Drawn from the templates (callers and sub-processors: config): arrows are references labelled with what they do (protocol and TLS on the call\'s path); dotted, a key encrypts. ' +
      'A count marks one node for a region\'s resources of one kind and role, or for all clinics (table below).',
    ['```mermaid', toMermaid(diagram), '```'].join('\n'),
    '### Each clinic\'s resources',
    clinicTable(ev),
  );
}

/** Each clinic's key, buckets, role and regions; a name every clinic's resource follows is written once, in the header. */
function clinicTable(ev: CellEvidence): string {
  const named = (name: string, exists: boolean) => (exists ? name : undefined);
  const columns: Array<{ header: string; name: (tenant: string) => string | undefined }> = [
    {
      header: 'Key',
      name: (t) => {
        const key = ev.tenantStacks(t).flatMap((s) => s.byType.get('AWS::KMS::Key') ?? [])[0];
        return key ? ev.key({ Ref: key.logicalId }, key.stack).label : undefined;
      },
    },
    { header: 'Recordings bucket', name: (t) => named(phiBucketName(ev.naming, t, 'rec'), !!ev.index.bucketNamed(phiBucketName(ev.naming, t, 'rec'))) },
    { header: 'Transcripts bucket', name: (t) => named(phiBucketName(ev.naming, t, 'txt'), !!ev.index.bucketNamed(phiBucketName(ev.naming, t, 'txt'))) },
    { header: 'Access role', name: (t) => named(tenantAccessRoleName(ev.naming, t), ev.resources('AWS::IAM::Role').some((r) => ev.name(r) === tenantAccessRoleName(ev.naming, t))) },
  ];
  const ids = ev.tenants.map((t) => t.id);
  const shaped = columns.map((c) => {
    const names = ids.map((id) => c.name(id));
    const first = ids.findIndex((_, i) => names[i] !== undefined);
    const pattern = first < 0 ? undefined : names[first]!.split(ids[first]).join('<clinic>');
    // The pattern is written once only if it gives every clinic's actual name back.
    const shared = pattern !== undefined && names.every((n, i) => n === undefined || n === pattern.split('<clinic>').join(ids[i]));
    return { header: shared ? `${c.header} ${cell(pattern)}` : c.header, cells: names.map((n) => (n === undefined ? '—' : shared ? 'yes' : cell(n))) };
  });
  const rows = ids.map((id, i) => [code(id), ...shaped.map((c) => c.cells[i]), cell([...new Set(ev.tenantStacks(id).map((s) => s.region))].join(', '))]);
  return table(['Clinic', ...shaped.map((c) => c.header), 'Regions'], rows, '_This cell holds no clinics._');
}
