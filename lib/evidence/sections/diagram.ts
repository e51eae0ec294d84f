import { phiBucketName, tenantAccessRoleName } from '../../naming';
import { CellEvidence } from '../cell-evidence';
import { cellDiagram, toMermaid } from '../cell-diagram';
import { blocks, cell, code, table } from '../markdown';

/** Section 7: the cell as one Mermaid flowchart drawn from the templates, clinics as one node; per-clinic detail in a table. */
export function diagramSection(ev: CellEvidence): string {
  const diagram = cellDiagram(ev);
  const role = (t: string) => ev.resources('AWS::IAM::Role').find((r) => ev.name(r) === tenantAccessRoleName(ev.naming, t));
  const bucket = (t: string, kind: 'rec' | 'txt', replica = false) => (ev.index.bucketNamed(phiBucketName(ev.naming, t, kind, replica)) ? phiBucketName(ev.naming, t, kind, replica) : '—');
  const rows = ev.tenants.map((t) => {
    const key = ev.tenantStacks(t.id).flatMap((s) => s.byType.get('AWS::KMS::Key') ?? [])[0];
    const r = role(t.id);
    return [code(t.id), cell(key ? ev.key({ Ref: key.logicalId }, key.stack).label : '—'), cell(bucket(t.id, 'rec')), cell(bucket(t.id, 'txt')), cell(r ? ev.name(r) : '—'), cell([...new Set(ev.tenantStacks(t.id).map((s) => s.region))].join(', '))];
  });
  return blocks(
    '## 7. Architecture diagram',
    'Drawn from the templates: boxes are resources inside their region; arrows are references between them (`Ref`, `Fn::GetAtt`, `Fn::GetStackOutput`, names and ARNs), ' +
      'labelled with what the reference does; the load balancer\'s arrows carry the protocol and TLS of its listener and target group. Dotted arrows lead from a key to what it encrypts. ' +
      'Every clinic\'s stacks are drawn as one node with a count; the table below names each clinic\'s resources. Sub-processors and callers come from config.',
    ['```mermaid', toMermaid(diagram), '```'].join('\n'),
    '### Each clinic\'s resources',
    table(['Clinic', 'Key', 'Recordings bucket', 'Transcripts bucket', 'Access role', 'Regions'], rows, '_This cell holds no clinics._'),
  );
}
