import { phiBucketName, tenantAccessRoleName } from '../naming';
import { CellEvidence } from './cell-evidence';
import { GraphNode, cellGraph } from './diagram-graph';
import { props } from './template';
import { targetHops, transitEndpoints } from './sections/transmission';

/** A box of the cell-level diagram. */
export interface DiagramNode {
  readonly key: string;
  /** Lines of the label, first line the kind. */
  readonly lines: readonly string[];
  readonly shape: 'box' | 'store' | 'key' | 'external' | 'group';
  /** The region box it is drawn in; outside every region for callers and third parties. */
  readonly region?: string;
  /** Drawn with a warning style: data outside the jurisdiction. */
  readonly outside?: boolean;
}

/** An arrow; its label is read from a template (or config, and then says so). */
export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly dotted?: boolean;
}

/** The cell as one picture, whatever its number of clinics: every clinic's resources are one node with a count. */
export interface CellDiagram {
  readonly regions: ReadonlyArray<{ readonly id: string; readonly label: string }>;
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

const CLINICS = 'clinics';
const CLINICS_DR = 'clinics-dr';
const CALLERS = 'callers';
const CONTACTS = 'contacts';

/** Builds the cell-level diagram from the templates' references (cellGraph), collapsing every clinic into one node. */
export function cellDiagram(ev: CellEvidence): CellDiagram {
  const graph = cellGraph(ev);
  const tenantIds = ev.tenants.map((t) => t.id).sort((a, b) => b.length - a.length);
  const mask = (text: string) => tenantIds.reduce((t, id) => t.split(id).join('<clinic>'), text);
  const collapse = (key: string): string => {
    const node = graph.nodes.get(key);
    const stackPath = node?.stack?.path ?? (key.startsWith('stack:') ? key.slice('stack:'.length) : undefined);
    const tenant = stackPath ? /^[^/]+\/(Tenant|TenantReplica)-/.exec(stackPath) : null;
    return tenant ? (tenant[1] === 'Tenant' ? CLINICS : CLINICS_DR) : key;
  };

  const nodes = new Map<string, DiagramNode>();
  const regionOf = (n: GraphNode) => n.stack?.region;
  for (const n of graph.nodes.values()) {
    const key = collapse(n.key);
    if (key !== n.key) continue;
    nodes.set(key, { key, lines: [n.kind, n.name], shape: n.outside ? 'store' : n.shape, region: regionOf(n), outside: n.outside });
  }
  const summary = clinicSummary(ev);
  if (ev.tenants.length > 0) {
    nodes.set(CLINICS, { key: CLINICS, lines: [summary.primary], shape: 'group', region: ev.cell.primaryRegion });
    nodes.set(CLINICS_DR, { key: CLINICS_DR, lines: [summary.dr], shape: 'group', region: ev.cell.drRegion });
  }

  const edges: DiagramEdge[] = [];
  const seen = new Set<string>();
  const add = (from: string, to: string, label: string, dotted = false) => {
    const k = `${from}>${to}>${label}`;
    if (from === to || seen.has(k) || !nodes.has(from) || !nodes.has(to)) return;
    seen.add(k);
    edges.push({ from, to, label, dotted });
  };
  for (const e of graph.edges) add(collapse(e.from), collapse(e.to), mask(e.label), e.dotted);

  // The call's path: callers, the telephony provider, the load balancer, the service, and each sub-processor (config).
  const hops = targetHops(ev);
  const byId = new Map(ev.config.subProcessors.map((sp) => [sp.id, sp]));
  const used = ev.cell.subProcessors.flatMap((id) => byId.get(id) ?? []);
  nodes.set(CALLERS, { key: CALLERS, lines: ['Callers', 'patients phoning a clinic'], shape: 'external' });
  const entry = hops[0]?.loadBalancer;
  const service = hops[0]?.service;
  for (const sp of used) {
    const key = `sp:${sp.id}`;
    const contract = ev.cell.jurisdiction === 'EU' ? `DPA ${sp.dpa.signed ? 'signed' : 'NOT signed'}` : `BAA ${sp.baa.signed ? 'signed' : 'NOT signed'}`;
    nodes.set(key, { key, lines: [`Sub-processor: ${sp.role}`, sp.name, `${contract}; sees ${sp.dataCategories.join(', ')}`], shape: 'external' });
    if (sp.role === 'telephony') {
      add(CALLERS, key, 'phone call');
      for (const hop of hops) if (hop.loadBalancer) add(key, `${hop.loadBalancer.stack.path}#${hop.loadBalancer.logicalId}`, hop.listenerLabel);
    } else if (service) {
      add(`${service.stack.path}#${service.logicalId}`, key, `sends ${sp.dataCategories.join(', ')} (config)`);
    }
  }
  if (!used.some((sp) => sp.role === 'telephony') && entry) add(CALLERS, `${entry.stack.path}#${entry.logicalId}`, hops[0].listenerLabel);

  // Delivery to an external SIEM: the stream's HTTP endpoint, from the template.
  for (const e of transitEndpoints(ev).filter((t) => t.ref.resource.Type === 'AWS::KinesisFirehose::DeliveryStream')) {
    const key = 'siem';
    nodes.set(key, { key, lines: ['Sub-processor: siem', ev.cell.siem?.name ?? 'external SIEM', e.protocol], shape: 'external' });
    add(`${e.ref.stack.path}#${e.ref.logicalId}`, key, e.tls);
  }

  // Who the alert topics reach: their subscriptions.
  const subscriptions = ev.resources('AWS::SNS::Subscription');
  if (subscriptions.length > 0) {
    nodes.set(CONTACTS, { key: CONTACTS, lines: ['Breach-notification contacts', ...new Set(subscriptions.map((s) => ev.show(props(s).Endpoint, s.stack)))], shape: 'external' });
    for (const s of subscriptions) {
      const topic = ev.index.target(props(s).TopicArn, s.stack);
      if (topic) add(`${topic.stack.path}#${topic.logicalId}`, CONTACTS, String(props(s).Protocol));
    }
  }

  const regions = [...new Set([...nodes.values()].map((n) => n.region).filter((r): r is string => !!r))].map((id) => ({
    id,
    label: `${id} — ${id === ev.cell.primaryRegion ? 'primary region' : id === ev.cell.drRegion ? 'disaster-recovery region' : "region not in this cell's config"}`,
  }));
  return { regions, nodes: [...nodes.values()], edges };
}

/** `400 clinics, each: own key, recordings and transcripts buckets, role`, with counts where clinics differ. */
function clinicSummary(ev: CellEvidence): { primary: string; dr: string } {
  const n = ev.tenants.length;
  const count = (test: (tenant: string) => boolean) => ev.tenants.filter((t) => test(t.id)).length;
  const has = (tenant: string, stackKind: 'Tenant' | 'TenantReplica', type: string) => (ev.stacks.find((s) => s.path === `${ev.id}/${stackKind}-${tenant}`)?.byType.get(type)?.length ?? 0) > 0;
  const part = (what: string, k: number) => (k === n ? what : `${what} (${k} of ${n})`);
  const keys = count((t) => has(t, 'Tenant', 'AWS::KMS::Key'));
  const rec = count((t) => !!ev.index.bucketNamed(phiBucketName(ev.naming, t, 'rec')));
  const txt = count((t) => !!ev.index.bucketNamed(phiBucketName(ev.naming, t, 'txt')));
  const roles = count((t) => ev.resources('AWS::IAM::Role').some((r) => ev.name(r) === tenantAccessRoleName(ev.naming, t)));
  const drKeys = count((t) => has(t, 'TenantReplica', 'AWS::KMS::Key'));
  const drRec = count((t) => !!ev.index.bucketNamed(phiBucketName(ev.naming, t, 'rec', true)));
  const drTxt = count((t) => !!ev.index.bucketNamed(phiBucketName(ev.naming, t, 'txt', true)));
  const clinics = `${n} ${n === 1 ? 'clinic' : 'clinics'}`;
  return {
    primary: `${clinics}, each: ${[part('own key', keys), part('recordings bucket', rec), part('transcripts bucket', txt), part('access role', roles)].join(', ')}`,
    dr: `${clinics}' DR copies, each: ${[part('own replica key', drKeys), part('recordings replica', drRec), part('transcripts replica', drTxt)].join(', ')}`,
  };
}

/** The diagram as a Mermaid flowchart (GitHub renders it). */
export function toMermaid(d: CellDiagram): string {
  const ids = new Map(d.nodes.map((n, i) => [n.key, `n${i}`]));
  const lines = ['flowchart LR'];
  const node = (n: DiagramNode) => {
    const label = `"${n.lines.map(esc).join('<br/>')}"`;
    const id = ids.get(n.key)!;
    return n.shape === 'store' ? `${id}[(${label})]` : n.shape === 'key' ? `${id}{{${label}}}` : n.shape === 'external' ? `${id}([${label}])` : n.shape === 'group' ? `${id}[[${label}]]` : `${id}[${label}]`;
  };
  d.regions.forEach((r, i) => {
    lines.push(`  subgraph r${i}["${esc(r.label)}"]`);
    for (const n of d.nodes.filter((x) => x.region === r.id)) lines.push(`    ${node(n)}`);
    lines.push('  end');
  });
  for (const n of d.nodes.filter((x) => !x.region)) lines.push(`  ${node(n)}`);
  for (const e of d.edges) lines.push(`  ${ids.get(e.from)} ${e.dotted ? '-.->' : '-->'}|"${esc(e.label)}"| ${ids.get(e.to)}`);
  const outside = d.nodes.filter((n) => n.outside).map((n) => ids.get(n.key));
  if (outside.length) lines.push('  classDef outside stroke:#c00,stroke-width:3px,color:#c00', `  class ${outside.join(',')} outside`);
  return lines.join('\n');
}

/** Mermaid labels: quotes and angle brackets become entities. */
function esc(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/** The edges of a Mermaid flowchart and its size, as Mermaid counts them against maxEdges and maxTextSize. */
export function mermaidSize(source: string): { edges: number; textSize: number } {
  return { edges: source.split('\n').filter((l) => /\s(-->|-\.->|==>)\|/.test(l)).length, textSize: source.length };
}


/** The diagram in Graphviz DOT, for the HTML pack's inline SVG. */
export function toDot(d: CellDiagram): string {
  const ids = new Map(d.nodes.map((n, i) => [n.key, `n${i}`]));
  const q = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const shape: Record<DiagramNode['shape'], string> = { box: 'box', store: 'cylinder', key: 'hexagon', external: 'ellipse', group: 'box3d' };
  const node = (n: DiagramNode) => `${ids.get(n.key)} [label=${q(n.lines.join('\n'))}, shape=${shape[n.shape]}${n.outside ? ', color=red, fontcolor=red, penwidth=3' : ''}];`;
  const lines = ['digraph cell {', '  rankdir=LR; fontname="Helvetica"; node [fontname="Helvetica", fontsize=10]; edge [fontname="Helvetica", fontsize=9];'];
  d.regions.forEach((r, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${q(r.label)};`);
    for (const n of d.nodes.filter((x) => x.region === r.id)) lines.push(`    ${node(n)}`);
    lines.push('  }');
  });
  for (const n of d.nodes.filter((x) => !x.region)) lines.push(`  ${node(n)}`);
  for (const e of d.edges) lines.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)} [label=${q(e.label)}${e.dotted ? ', style=dashed' : ''}];`);
  lines.push('}');
  return lines.join('\n');
}
