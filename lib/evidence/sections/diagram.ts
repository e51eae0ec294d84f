import { CellEvidence } from '../cell-evidence';
import { GraphEdge, GraphNode, cellGraph } from '../diagram-graph';
import { blocks, bullets, code, plural } from '../markdown';

/** Above this many tenants, tenants whose stacks have the same resources and references are drawn once. */
export const MAX_TENANTS_DRAWN = 8;

/** Section 7: the cell as a Mermaid flowchart, drawn from the templates. */
export function diagramSection(ev: CellEvidence): string {
  const { nodes, edges } = cellGraph(ev);
  const groups = tenantGroups(ev, nodes, edges);
  const hidden = new Set(groups.flatMap((g) => g.tenants.slice(1)).flatMap((t) => ev.tenantStacks(t).map((s) => s.path)));
  const drawnNodes = [...nodes.values()].filter((n) => !n.stack || !hidden.has(n.stack.path));
  const drawnKeys = new Set(drawnNodes.map((n) => n.key));
  const visible = (k: string) => (k.startsWith('stack:') ? !hidden.has(k.slice(6)) : drawnKeys.has(k));
  const drawnEdges = edges.filter((e) => visible(e.from) && visible(e.to));

  const ids = new Map<string, string>();
  drawnNodes.forEach((n, i) => ids.set(n.key, `n${i}`));
  const stacks = ev.stacks.filter((s) => !hidden.has(s.path));
  stacks.forEach((s, i) => ids.set(`stack:${s.path}`, `s${i}`));
  const representing = new Map(groups.map((g) => [g.tenants[0], g.tenants.length - 1]));

  const lines = ['flowchart LR'];
  const regions = [...new Set(stacks.map((s) => s.region))];
  regions.forEach((region, r) => {
    lines.push(`  subgraph r${r}["${esc(`${region} — ${regionRole(ev, region)}`)}"]`);
    for (const stack of stacks.filter((s) => s.region === region)) {
      const own = drawnNodes.filter((n) => n.stack === stack);
      const targeted = drawnEdges.some((e) => e.to === `stack:${stack.path}`);
      if (own.length === 0 && !targeted) continue;
      const others = representing.get(ev.tenantOf(stack) ?? '') ?? 0;
      lines.push(`    subgraph ${ids.get(`stack:${stack.path}`)}["${esc(stack.path + (others ? ` (+ ${plural(others, 'tenant')} of the same shape)` : ''))}"]`);
      for (const n of own) lines.push(`      ${node(ids.get(n.key)!, n)}`);
      lines.push('    end');
    }
    lines.push('  end');
  });
  for (const n of drawnNodes.filter((n) => !n.stack)) lines.push(`  ${node(ids.get(n.key)!, n)}`);
  for (const e of drawnEdges) lines.push(`  ${ids.get(e.from)} ${e.dotted ? '-.->' : '-->'}|"${esc(e.label)}"| ${ids.get(e.to)}`);
  const outside = drawnNodes.filter((n) => n.outside).map((n) => ids.get(n.key));
  if (outside.length) lines.push('  classDef outside stroke:#c00,stroke-width:3px,color:#c00', `  class ${outside.join(',')} outside`);

  const grouped = groups.filter((g) => g.tenants.length > 1);
  return blocks(
    '## 7. Architecture diagram',
    'Drawn from the templates: each box is a stack of this cell inside its region; arrows are references between resources ' +
      '(`Ref`, `Fn::GetAtt`, `Fn::GetStackOutput`, names and ARNs), labelled with what the reference does. Dotted arrows lead from a key to what it encrypts. ' +
      'Only audit and security log groups (and logs that feed a delivery stream) are drawn.',
    ['```mermaid', ...lines, '```'].join('\n'),
    grouped.length > 0 &&
      bullets(
        grouped.map((g) => `${code(g.tenants[0])} also stands for ${g.tenants.slice(1).map(code).join(', ')}: their stacks have the same resources and references.`),
      ),
  );
}

/** Tenants grouped by the shape of their stacks; every tenant is its own group while there are few. */
function tenantGroups(ev: CellEvidence, nodes: Map<string, GraphNode>, edges: GraphEdge[]): Array<{ tenants: string[] }> {
  const tenants = [...new Set(ev.stacks.map((s) => ev.tenantOf(s)).filter((t): t is string => !!t))];
  if (tenants.length <= MAX_TENANTS_DRAWN) return tenants.map((t) => ({ tenants: [t] }));
  const bySignature = new Map<string, string[]>();
  for (const t of tenants) {
    const sig = signature(ev, t, nodes, edges);
    bySignature.set(sig, [...(bySignature.get(sig) ?? []), t]);
  }
  return [...bySignature.values()].map((group) => ({ tenants: group }));
}

/** A tenant's resources and references with its id blanked out: equal signatures draw the same picture. */
function signature(ev: CellEvidence, tenant: string, nodes: Map<string, GraphNode>, edges: GraphEdge[]): string {
  const stacks = new Set(ev.tenantStacks(tenant).map((s) => s.path));
  const blank = (s: string) => s.split(tenant).join('*');
  const isLocal = (k: string) => {
    const n = nodes.get(k);
    return n?.stack ? stacks.has(n.stack.path) : stacks.has(k.slice('stack:'.length));
  };
  const local = (k: string) => {
    const n = nodes.get(k);
    return blank(n?.stack && stacks.has(n.stack.path) ? `${n.stack.path}#${n.ref?.logicalId ?? n.key}` : k);
  };
  const own = [...nodes.values()].filter((n) => n.stack && stacks.has(n.stack.path)).map((n) => `${local(n.key)}:${n.kind}`);
  const touching = edges.filter((e) => isLocal(e.from) || isLocal(e.to)).map((e) => `${local(e.from)}>${local(e.to)}:${blank(e.label)}`);
  return [...own, ...touching].sort().join('\n');
}

function regionRole(ev: CellEvidence, region: string): string {
  if (region === ev.cell.primaryRegion) return 'primary region';
  if (region === ev.cell.drRegion) return 'disaster-recovery region';
  return 'region not in this cell\'s config';
}

function node(id: string, n: GraphNode): string {
  const label = `"${esc(n.kind)}<br/>${esc(n.name)}"`;
  return n.shape === 'store' ? `${id}[(${label})]` : n.shape === 'key' ? `${id}{{${label}}}` : `${id}[${label}]`;
}

/** Mermaid labels: quotes become entities; nothing else in a quoted label needs escaping. */
function esc(text: string): string {
  return text.replace(/"/g, '#quot;');
}
