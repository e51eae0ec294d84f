import { LOG_CLASS_TAG } from '../constructs/encrypted-log-group';
import { CellEvidence } from './cell-evidence';
import { conditionValues } from './policies';
import { ResourceRef, StackTemplate, asList, props, resourceKey, statementsOf, tagsOf } from './template';
import { replications } from './sections/residency';
import { targetHops } from './sections/transmission';

/** A resource drawn in the diagram. */
export interface GraphNode {
  readonly key: string;
  readonly ref?: ResourceRef;
  /** The stack subgraph it is drawn in; undefined for resources outside this cell. */
  readonly stack?: StackTemplate;
  readonly kind: string;
  readonly name: string;
  readonly shape: 'box' | 'store' | 'key';
  /** Drawn with a warning style: a copy outside the jurisdiction. */
  readonly outside?: boolean;
  readonly count?: number;
}

/** A reference from one drawn resource (or stack) to another. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly dotted?: boolean;
}

/** The kind word shown on a node, for the resource types the diagram draws. */
const DRAWN: Record<string, { kind: string; shape: GraphNode['shape'] }> = {
  'AWS::ElasticLoadBalancingV2::LoadBalancer': { kind: 'Load balancer', shape: 'box' },
  'AWS::WAFv2::WebACL': { kind: 'Web application firewall', shape: 'box' },
  'AWS::ECS::Service': { kind: 'ECS service', shape: 'box' },
  'AWS::RDS::DBInstance': { kind: 'Database', shape: 'store' },
  'AWS::RDS::DBCluster': { kind: 'Database cluster', shape: 'store' },
  'AWS::S3::Bucket': { kind: 'S3 bucket', shape: 'store' },
  'AWS::CloudTrail::Trail': { kind: 'CloudTrail trail', shape: 'box' },
  'AWS::KMS::Key': { kind: 'KMS key', shape: 'key' },
  'AWS::Backup::BackupVault': { kind: 'Backup vault', shape: 'store' },
  'AWS::KinesisFirehose::DeliveryStream': { kind: 'Firehose stream', shape: 'box' },
  'AWS::SNS::Topic': { kind: 'SNS topic', shape: 'box' },
  'AWS::ECR::Repository': { kind: 'Container images', shape: 'store' },
  'AWS::EC2::FlowLog': { kind: 'VPC flow log', shape: 'box' },
  'AWS::Logs::LogGroup': { kind: 'Log group', shape: 'store' },
};

/** Properties whose references the diagram shows, and how the edge reads. */
const EDGE_LABELS: Record<string, string> = {
  S3BucketName: 'delivers logs to',
  CloudWatchLogsLogGroupArn: 'sends events to',
  LoggingConfiguration: 'access logs to',
  LoadBalancerAttributes: 'access logs to',
  ExtendedS3DestinationConfiguration: 'delivers to',
  S3DestinationConfiguration: 'delivers to',
  HttpEndpointDestinationConfiguration: 'delivers to',
  LogGroupName: 'writes to',
  LogDestination: 'writes to',
};

/** What a container definition field's reference means: an image is pulled, never written to. */
const CONTAINER_EDGE_LABELS: Record<string, string> = {
  Image: 'pulls image from',
  LogConfiguration: 'writes logs to',
  Environment: 'writes to',
  Secrets: 'reads secret',
};

const NOT_DRAWN = new Set(['ReplicationConfiguration', 'Tags', 'KeyPolicy', 'PolicyDocument', 'AssumeRolePolicyDocument', 'Policies']);

/** The nodes and edges of a cell, all derived from references in its templates. */
export function cellGraph(ev: CellEvidence): { nodes: Map<string, GraphNode>; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode>();
  const subscribed = new Set(
    ev.resources('AWS::Logs::SubscriptionFilter').flatMap((f) => {
      const g = ev.index.target(props(f).LogGroupName, f.stack);
      return g ? [g] : [];
    }),
  );
  for (const [type, { kind, shape }] of Object.entries(DRAWN)) {
    for (const ref of ev.resources(type)) {
      // Only evidence logs are drawn, and logs that feed a delivery stream.
      if (type === 'AWS::Logs::LogGroup' && !['audit', 'security'].includes(tagsOf(ref)[LOG_CLASS_TAG]) && !subscribed.has(ref)) continue;
      nodes.set(resourceKey(ref), { key: resourceKey(ref), ref, stack: ref.stack, kind, name: ev.name(ref), shape });
    }
  }
  const edges: GraphEdge[] = [];
  const add = (from: ResourceRef | string | undefined, to: ResourceRef | string | undefined, label: string, dotted = false) => {
    const f = typeof from === 'string' ? from : from && resourceKey(from);
    const t = typeof to === 'string' ? to : to && resourceKey(to);
    if (f && t && f !== t && (nodes.has(f) || f.startsWith('stack:')) && (nodes.has(t) || t.startsWith('stack:'))) edges.push({ from: f, to: t, label, dotted });
  };

  for (const node of [...nodes.values()]) referenceEdges(ev, node.ref!, add);
  for (const r of replications(ev)) {
    let to = r.destination && resourceKey(r.destination);
    if (!to || !nodes.has(to)) {
      to = `external:${r.destinationName}`;
      const where = r.destination ? `${r.destination.stack.path}, ${r.destinationRegion}` : 'not in the app';
      nodes.set(to, { key: to, kind: 'S3 bucket outside this cell', name: `${r.destinationName} (${where})`, shape: 'store', outside: !r.inside });
    }
    add(r.source, to, r.destinationRegion && r.destinationRegion !== r.source.stack.region ? `replicates to ${r.destinationRegion}` : 'replicates to');
  }
  connectorEdges(ev, nodes, add);
  return { nodes, edges: dedupe(edges) };
}

type AddEdge = (from: ResourceRef | string | undefined, to: ResourceRef | string | undefined, label: string, dotted?: boolean) => void;

/** Edges from the references inside a drawn resource's own properties (keys drawn as `encrypts`). */
function referenceEdges(ev: CellEvidence, ref: ResourceRef, add: AddEdge): void {
  for (const [property, value] of Object.entries(props(ref))) {
    // Policies name resources they allow or deny, which is access, not data flow; replication is drawn apart.
    if (NOT_DRAWN.has(property)) continue;
    walkReferences(ev, value, ref.stack, property, (target) => {
      if (target.resource.Type === 'AWS::KMS::Key') add(target, ref, 'encrypts', true);
      else add(ref, target, EDGE_LABELS[property] ?? property);
    });
  }
}

/** Calls `found` for each resource a value refers to: intrinsics, ARNs, and bucket names in `*BucketName` fields. */
function walkReferences(ev: CellEvidence, value: unknown, from: StackTemplate, field: string, found: (target: ResourceRef) => void): void {
  if (typeof value === 'string') {
    const t = /BucketName$/.test(field) && !value.startsWith('arn:') ? ev.index.bucketNamed(value) : value.startsWith('arn:') || value.startsWith('alias/') ? ev.index.target(value, from) : undefined;
    if (t) found(t);
    return;
  }
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) return value.forEach((v) => walkReferences(ev, v, from, field, found));
  const v = value as Record<string, unknown>;
  if ('Ref' in v || 'Fn::GetAtt' in v || 'Fn::GetStackOutput' in v || 'Fn::ImportValue' in v) {
    const t = ev.index.target(v, from);
    if (t) found(t);
    return;
  }
  for (const [k, child] of Object.entries(v)) walkReferences(ev, child, from, k.startsWith('Fn::') ? field : k, found);
}

/** Edges through resources that only connect others: listeners, associations, selections, filters, rules, security groups, roles. */
function connectorEdges(ev: CellEvidence, nodes: Map<string, GraphNode>, add: AddEdge): void {
  const services = ev.resources('AWS::ECS::Service');
  // The hop to the service is labelled from its target group: the listener's protocol is only what callers see.
  for (const hop of targetHops(ev)) add(hop.loadBalancer, hop.service, hop.targetLabel);
  for (const a of ev.resources('AWS::WAFv2::WebACLAssociation')) add(ev.index.target(props(a).WebACLArn, a.stack), ev.index.target(props(a).ResourceArn, a.stack), 'inspects requests to');
  for (const w of ev.resources('AWS::WAFv2::LoggingConfiguration')) {
    for (const d of asList(props(w).LogDestinationConfigs)) add(ev.index.target(props(w).ResourceArn, w.stack), ev.index.target(d, w.stack), 'logs to');
  }
  for (const f of ev.resources('AWS::Logs::SubscriptionFilter')) add(ev.index.target(props(f).LogGroupName, f.stack), ev.index.target(props(f).DestinationArn, f.stack), 'subscription');

  // Backups: selection -> plan -> target vault; copy actions -> DR vault.
  for (const sel of ev.resources('AWS::Backup::BackupSelection')) {
    const plan = ev.index.target(props(sel).BackupPlanId, sel.stack);
    if (!plan) continue;
    for (const rule of asList<Record<string, any>>(props(plan).BackupPlan?.BackupPlanRule)) {
      const vault = ev.index.target(rule.TargetBackupVault, plan.stack);
      walkReferences(ev, props(sel).BackupSelection?.Resources, sel.stack, 'Resources', (db) => add(db, vault, `backup: ${rule.RuleName}`));
      for (const copy of asList<Record<string, any>>(rule.CopyActions)) add(vault, ev.index.target(copy.DestinationBackupVaultArn, plan.stack), 'copies to');
    }
  }

  // Database log exports land in log groups named after the instance (RDS naming).
  for (const db of ev.resources('AWS::RDS::DBInstance')) {
    const id = props(db).DBInstanceIdentifier;
    for (const kind of asList(props(db).EnableCloudwatchLogsExports)) {
      const group = [...nodes.values()].find((n) => n.ref?.resource.Type === 'AWS::Logs::LogGroup' && n.name === `/aws/rds/instance/${id}/${kind}`);
      if (group) add(db, group.key, `exports ${kind} log to`);
    }
  }

  // The service's task definition: the log groups it writes to, and the roles its task role may assume.
  for (const s of services) {
    const task = ev.index.target(props(s).TaskDefinition, s.stack);
    if (!task) continue;
    for (const container of asList<Record<string, any>>(props(task).ContainerDefinitions)) {
      for (const [field, value] of Object.entries(container)) {
        walkReferences(ev, value, task.stack, field, (t) => add(s, t, CONTAINER_EDGE_LABELS[field] ?? `uses (${field})`));
      }
    }
    const role = ev.index.target(props(task).TaskRoleArn, task.stack);
    if (role) assumableRoles(ev, role).forEach((target) => add(s, `stack:${target.stack.path}`, `assumes ${ev.name(target)}`));
    // The credential broker: a function the task role may invoke, whose own role assumes a clinic's role for one call.
    for (const fn of role ? invokableFunctions(ev, role) : []) {
      const fnRole = ev.index.target(props(fn).Role, fn.stack);
      const fnName = typeof props(fn).FunctionName === 'string' ? props(fn).FunctionName : ev.name(fn);
      if (fnRole) assumableRoles(ev, fnRole).forEach((target) => add(s, `stack:${target.stack.path}`, `per call, through ${fnName}: ${ev.name(target)}`));
    }
  }

  // Alert rules, drawn as one node per stack: the rules of a stack that notify a topic.
  const rules = ev.resources('AWS::Events::Rule');
  for (const stack of new Set(rules.map((r) => r.stack))) {
    const own = rules.filter((r) => r.stack === stack);
    const key = `rules:${stack.path}`;
    nodes.set(key, { key, stack, kind: 'EventBridge alert rules', name: `${own.length} ${own.length === 1 ? 'rule' : 'rules'}`, shape: 'box', count: own.length });
    for (const r of own) for (const t of asList<Record<string, any>>(props(r).Targets)) add(key, ev.index.target(t.Arn, r.stack), 'notifies');
  }

  securityGroupEdges(ev, nodes, add);
}

/** Roles of the cell that a role's policies allow it to assume (sts:AssumeRole on matching role ARNs). */
function assumableRoles(ev: CellEvidence, role: ResourceRef): ResourceRef[] {
  const documents = [
    ...asList<Record<string, any>>(props(role).Policies).map((p) => p.PolicyDocument),
    ...ev.resources('AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy')
      .filter((p) => asList(props(p).Roles).some((r) => ev.index.target(r, p.stack) === role))
      .map((p) => props(p).PolicyDocument),
  ];
  const patterns = documents.flatMap((d) =>
    statementsOf(d)
      .filter((s) => s.Effect === 'Allow' && asList(s.Action).some((a) => a === 'sts:AssumeRole' || a === 'sts:*'))
      .flatMap((s) => asList(s.Resource).map((r) => ev.index.literal(r, role.stack)).filter((r): r is string => !!r)),
  );
  const matchers = patterns.map(glob);
  const self = ev.index.literal({ 'Fn::GetAtt': [role.logicalId, 'Arn'] }, role.stack);
  return ev.resources('AWS::IAM::Role').filter((r) => {
    const arn = ev.index.literal({ 'Fn::GetAtt': [r.logicalId, 'Arn'] }, r.stack);
    return r !== role && arn !== undefined && self !== undefined && matchers.some((m) => m.test(arn)) && trusts(ev, r, self);
  });
}

/** Lambda functions of the cell that a role's policies allow it to invoke. */
function invokableFunctions(ev: CellEvidence, role: ResourceRef): ResourceRef[] {
  const statements = ev.resources('AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy')
    .filter((p) => asList(props(p).Roles).some((r) => ev.index.target(r, p.stack) === role))
    .flatMap((p) => statementsOf(props(p).PolicyDocument).map((st) => ({ st, stack: p.stack })));
  return statements
    .filter(({ st }) => st.Effect === 'Allow' && asList(st.Action).includes('lambda:InvokeFunction'))
    .flatMap(({ st, stack }) => asList(st.Resource).map((r) => ev.index.target(r, stack)))
    .filter((t): t is ResourceRef => t?.resource.Type === 'AWS::Lambda::Function');
}

/** Whether a role's trust policy lets the given role ARN assume it: both sides must agree for the path to exist. */
function trusts(ev: CellEvidence, target: ResourceRef, callerArn: string): boolean {
  const account = callerArn.split(':')[4];
  return statementsOf(props(target).AssumeRolePolicyDocument).some((s) => {
    if (s.Effect !== 'Allow' || !asList(s.Action).some((a) => a === 'sts:AssumeRole' || a === 'sts:*')) return false;
    const principals = asList(s.Principal === '*' ? '*' : s.Principal?.AWS).map((p) => ev.index.literal(p, target.stack));
    if (!principals.some((p) => p === '*' || p === callerArn || p === `arn:aws:iam::${account}:root` || p === account)) return false;
    const pinned = conditionValues(s, 'aws:PrincipalArn').map((v) => ev.index.literal(v, target.stack));
    return pinned.length === 0 || pinned.some((p) => p !== undefined && glob(p).test(callerArn));
  });
}

/** An IAM ARN pattern (`*` wildcards) as a regular expression. */
function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Network paths: a drawn resource in a security group that another drawn resource's group admits. */
function securityGroupEdges(ev: CellEvidence, nodes: Map<string, GraphNode>, add: AddEdge): void {
  const groupKey = (value: unknown, from: StackTemplate) => {
    const t = ev.index.target(value, from);
    return t ? resourceKey(t) : undefined;
  };
  const ingress: Array<{ to: string; from: string; port: string }> = [];
  for (const i of ev.resources('AWS::EC2::SecurityGroupIngress')) {
    const to = groupKey(props(i).GroupId, i.stack);
    const from = groupKey(props(i).SourceSecurityGroupId, i.stack);
    if (to && from) ingress.push({ to, from, port: `${props(i).IpProtocol} ${props(i).FromPort}` });
  }
  const groupsOf = (ref: ResourceRef): string[] => {
    const p = props(ref);
    const values = [...asList(p.SecurityGroups), ...asList(p.VPCSecurityGroups), ...asList(p.NetworkConfiguration?.AwsvpcConfiguration?.SecurityGroups)];
    return values.map((v) => groupKey(v, ref.stack)).filter((k): k is string => !!k);
  };
  const withGroups = [...nodes.values()].filter((n) => n.ref).map((n) => ({ node: n, groups: groupsOf(n.ref!) })).filter((x) => x.groups.length);
  for (const a of withGroups) {
    for (const b of withGroups) {
      const rule = ingress.find((i) => a.groups.includes(i.from) && b.groups.includes(i.to));
      if (a !== b && rule) add(a.node.key, b.node.key, `network: ${rule.port}`);
    }
  }
}

function dedupe(edges: GraphEdge[]): GraphEdge[] {
  const seen = new Set<string>();
  return edges.filter((e) => {
    // One edge per pair: the first (most specific) derivation wins.
    const k = `${e.from}>${e.to}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
