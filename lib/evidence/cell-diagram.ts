import { phiBucketName, tenantAccessRoleName } from '../naming';
import { CellEvidence } from './cell-evidence';
import { GraphNode, cellGraph } from './diagram-graph';
import { ResourceRef, cdkPath, props } from './template';
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
  const refs = new Map<string, { ref: ResourceRef; name: string }>();
  const regionOf = (n: GraphNode) => n.stack?.region;
  for (const n of graph.nodes.values()) {
    const key = collapse(n.key);
    if (key !== n.key) continue;
    nodes.set(key, { key, lines: [n.kind, n.name], shape: n.outside ? 'store' : n.shape, region: regionOf(n), outside: n.outside });
    if (n.ref) refs.set(key, { ref: n.ref, name: n.name });
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
    // The node names the contract; the arrow into it says what the sub-processor receives.
    nodes.set(key, { key, lines: [`Sub-processor: ${sp.role}`, sp.name, contract], shape: 'external' });
    if (sp.role === 'telephony') {
      add(CALLERS, key, `phone call: ${sp.dataCategories.join(', ')} (config)`);
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

  const grouped = groupAlike([...nodes.values()], edges, refs);
  const regions = [...new Set(grouped.nodes.map((n) => n.region).filter((r): r is string => !!r))].map((id) => ({
    id,
    label: `${id} — ${id === ev.cell.primaryRegion ? 'primary region' : id === ev.cell.drRegion ? 'disaster-recovery region' : "region not in this cell's config"}`,
  }));
  return { regions, ...grouped };
}

/** Kinds drawn as one node per region and role, with a count and the members' names. */
const GROUPED: Record<string, string> = {
  'AWS::KMS::Key': 'KMS keys',
  'AWS::Logs::LogGroup': 'Log groups',
  'AWS::KinesisFirehose::DeliveryStream': 'Firehose streams',
  'AWS::S3::Bucket': 'S3 buckets',
  'AWS::SNS::Topic': 'SNS topics',
};

/**
 * Draws resources of a GROUPED kind in the same region that play the same role (the same solid arrows to the same
 * nodes; a key's dotted `encrypts` arrows aside) as one node,
 * and merges the arrows that then run between the same two nodes into one whose label is the union of theirs.
 * An arrow that reaches only some members of a group names them.
 */
function groupAlike(nodes: readonly DiagramNode[], edges: readonly DiagramEdge[], refs: ReadonlyMap<string, { ref: ResourceRef; name: string }>): { nodes: DiagramNode[]; edges: DiagramEdge[] } {
  const typeOf = (key: string) => refs.get(key)?.ref.resource.Type;
  const groupable = nodes.filter((n) => GROUPED[typeOf(n.key) ?? ''] && !n.outside);
  // Partition refinement: start from kind and region, split by outgoing solid arrows (label, class of the target) until stable.
  let cls = new Map(groupable.map((n) => [n.key, `${typeOf(n.key)}|${n.region}`]));
  for (let size = 0; ; ) {
    const of = (k: string) => cls.get(k) ?? k;
    const roles = (n: DiagramNode) => edges.filter((e) => e.from === n.key && !e.dotted).map((e) => `${e.label}>${of(e.to)}`);
    const ids = new Map<string, string>();
    cls = new Map(groupable.map((n) => {
      const sig = [of(n.key), ...new Set(roles(n))].sort().join('\n');
      if (!ids.has(sig)) ids.set(sig, `group:${ids.size}`);
      return [n.key, ids.get(sig)!];
    }));
    if (ids.size === size) break;
    size = ids.size;
  }
  const members = new Map<string, DiagramNode[]>();
  for (const n of groupable) members.set(cls.get(n.key)!, [...(members.get(cls.get(n.key)!) ?? []), n]);
  const groupOf = (key: string) => ((members.get(cls.get(key) ?? '')?.length ?? 0) > 1 ? cls.get(key)! : key);

  const short = new Map<string, string>();
  const out = new Map<string, DiagramNode>();
  for (const n of nodes) {
    const key = groupOf(n.key);
    if (out.has(key)) continue;
    if (key === n.key) {
      out.set(key, n);
      continue;
    }
    const group = members.get(key)!;
    const { lines, names } = nameList(group.map((m) => displayName(m.key, group, refs)));
    group.forEach((m, i) => short.set(m.key, names[i]));
    out.set(key, { key, lines: [`${GROUPED[typeOf(n.key)!]} (${group.length})`, ...lines], shape: n.shape, region: n.region });
  }

  // Arrows between the same two drawn nodes become one.
  const merged = new Map<string, { from: string; to: string; dotted?: boolean; labels: Map<string, Set<string>> }>();
  for (const e of edges) {
    const from = groupOf(e.from);
    const to = groupOf(e.to);
    const k = `${from}>${to}>${e.dotted ? 'dotted' : ''}`;
    const m = merged.get(k) ?? { from, to, dotted: e.dotted, labels: new Map() };
    merged.set(k, m);
    m.labels.set(e.label, (m.labels.get(e.label) ?? new Set()).add(e.to));
  }
  const partial = (to: string, reached: Set<string>) => {
    const all = members.get(to);
    return to !== '' && all && all.length > 1 && reached.size < all.length ? [...reached].map((k) => short.get(k)!).join(', ') : undefined;
  };
  return {
    nodes: [...out.values()],
    edges: [...merged.values()].map(({ from, to, dotted, labels }) => ({
      from,
      to,
      dotted,
      label: [...labels]
        .map(([label, reached]) => {
          const which = dotted ? undefined : partial(to, reached);
          // From a group of keys, each target is encrypted by one of them (which one: section 2), not by all.
          if (dotted && (members.get(from)?.length ?? 0) > 1) return `${label}, each by one (section 2)`;
          return which ? (/ to$/.test(label) ? `${label} ${which}` : `${label} (${which})`) : label;
        })
        .join('; '),
    })),
  };
}

/** A name that tells a member of a group apart: the resource's name, else (when two share it) the end of its construct path. */
function displayName(key: string, group: readonly DiagramNode[], refs: ReadonlyMap<string, { ref: ResourceRef; name: string }>): string {
  const { ref, name } = refs.get(key)!;
  const path = cdkPath(ref)?.replace(/\/(Resource|Default)$/, '').split('/');
  const shared = group.filter((m) => refs.get(m.key)!.name === name).length > 1;
  return shared && path && path.length > 2 ? path.slice(-2).join('/') : name;
}

/**
 * The members' names with a shared prefix and suffix written once (`alias/vp-us-east/{logs, audit}`,
 * `vp-us-east-{audit, config}-111111111111-us-west-2`), cut where a `/` or `-` separates them, a few names a line;
 * and each member's name without them.
 */
function nameList(full: readonly string[]): { lines: string[]; names: string[] } {
  const common = (list: readonly string[]) => list.reduce((p, n) => { while (!n.startsWith(p)) p = p.slice(0, -1); return p; }, list[0] ?? '');
  const reverse = (t: string) => [...t].reverse().join('');
  let prefix = common(full);
  prefix = prefix.slice(0, Math.max(prefix.lastIndexOf('/'), prefix.lastIndexOf('-')) + 1);
  let suffix = reverse(common(full.map((n) => reverse(n.slice(prefix.length)))));
  const cut = [suffix.indexOf('-'), suffix.indexOf('/')].filter((i) => i >= 0);
  suffix = cut.length ? suffix.slice(Math.min(...cut)) : '';
  const names = full.map((n) => n.slice(prefix.length, n.length - suffix.length));
  if (names.some((n) => n === '')) return { lines: wrap(full), names: [...full] };
  const lines = prefix || suffix ? wrap(names.map((n, i) => (i === 0 ? `${prefix}{${n}` : n)).map((n, i) => (i === names.length - 1 ? `${n}}${suffix}` : n))) : wrap(names);
  return { lines, names };
}

/** Names joined with commas, a few a line. */
function wrap(names: readonly string[]): string[] {
  const lines: string[] = [];
  for (const n of names) {
    if (lines.length && lines[lines.length - 1].length + n.length < 40) lines[lines.length - 1] += `, ${n}`;
    else lines.push(n);
  }
  return lines.map((l, i) => (i < lines.length - 1 ? `${l},` : l));
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
    dr: `${n === 1 ? '1 clinic\'s' : `${n} clinics'`} DR copies, each: ${[part('own replica key', drKeys), part('recordings replica', drRec), part('transcripts replica', drTxt)].join(', ')}`,
  };
}

/** The diagram as a Mermaid flowchart (GitHub renders it). */
export function toMermaid(d: CellDiagram): string {
  const ids = new Map(d.nodes.map((n, i) => [n.key, `n${i}`]));
  const lines = ['flowchart LR'];
  const node = (n: DiagramNode) => {
    const label = `"${n.lines.map(esc).join('<br>')}"`;
    const id = ids.get(n.key)!;
    return n.shape === 'store' ? `${id}[(${label})]` : n.shape === 'key' ? `${id}{{${label}}}` : n.shape === 'external' ? `${id}([${label}])` : n.shape === 'group' ? `${id}[[${label}]]` : `${id}[${label}]`;
  };
  d.regions.forEach((r, i) => {
    lines.push(`subgraph r${i}["${esc(r.label)}"]`);
    for (const n of d.nodes.filter((x) => x.region === r.id)) lines.push(node(n));
    lines.push('end');
  });
  // Nodes outside every region (callers, third parties) are declared where an arrow first names them.
  const declared = new Set(d.nodes.filter((x) => x.region).map((x) => x.key));
  const byKey = new Map(d.nodes.map((n) => [n.key, n]));
  const ref = (k: string) => (declared.has(k) ? ids.get(k)! : (declared.add(k), node(byKey.get(k)!)));
  const loose = lines.length;
  // Arrows with one label from the same sources to the same targets share a line: `a & b -->|label| c & d`.
  const targets = new Map<string, { from: string; to: string[]; label: string; dotted?: boolean }>();
  for (const e of d.edges) {
    const k = `${e.from}>${e.dotted ? '.' : ''}>${e.label}`;
    targets.set(k, targets.get(k) ?? { from: e.from, to: [], label: e.label, dotted: e.dotted });
    targets.get(k)!.to.push(e.to);
  }
  const shared = new Map<string, { from: string[]; to: string[]; label: string; dotted?: boolean }>();
  for (const t of targets.values()) {
    const k = `${t.to.join('&')}>${t.dotted ? '.' : ''}>${t.label}`;
    shared.set(k, shared.get(k) ?? { ...t, from: [] });
    shared.get(k)!.from.push(t.from);
  }
  const list = (keys: string[]) => keys.map(ref).join(' & ');
  for (const e of shared.values()) lines.push(`${list(e.from)} ${e.dotted ? '-.->' : '-->'}|"${esc(e.label)}"| ${list(e.to)}`);
  lines.splice(loose, 0, ...d.nodes.filter((n) => !declared.has(n.key)).map(node));
  const outside = d.nodes.filter((n) => n.outside).map((n) => ids.get(n.key));
  if (outside.length) lines.push('classDef outside stroke:#c00,stroke-width:3px,color:#c00', `class ${outside.join(',')} outside`);
  return lines.join('\n');
}

/** Mermaid labels: quotes and angle brackets become entities. */
function esc(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/** The edges of a Mermaid flowchart and its size, as Mermaid counts them against maxEdges and maxTextSize. */
export function mermaidSize(source: string): { edges: number; textSize: number } {
  const edges = source.split('\n').flatMap((l) => {
    const m = /^\s*(.+?)\s(?:-->|-\.->|==>)\|"[^"]*"\|\s(.+)$/.exec(l);
    // `a & b --> c & d` is four edges.
    return m ? [m[1].split(' & ').length * m[2].split(' & ').length] : [];
  });
  return { edges: edges.reduce((a, b) => a + b, 0), textSize: source.length };
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
