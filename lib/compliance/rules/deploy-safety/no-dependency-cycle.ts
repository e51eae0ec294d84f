import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';

/** Each stack's resources and what each refers to (Ref, Fn::GetAtt, Fn::Sub names, DependsOn), built once per validation run. */
const graphs = new WeakMap<Stack, Map<string, Set<string>>>();

function referencesIn(value: unknown, ids: ReadonlySet<string>, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, ids, found);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string' && ids.has(v)) found.add(v);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(v) ? v[0] : typeof v === 'string' ? v.split('.')[0] : undefined;
        if (typeof target === 'string' && ids.has(target)) found.add(target);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g)) if (ids.has(m[1])) found.add(m[1]);
        if (Array.isArray(v)) referencesIn(v[1], ids, found);
      } else referencesIn(v, ids, found);
    }
  }
}

function graphOf(stack: Stack): Map<string, Set<string>> {
  let graph = graphs.get(stack);
  if (!graph) {
    const template = stack.resolve((stack as unknown as { _toCloudFormation(): unknown })._toCloudFormation()) as { Resources?: Record<string, any> };
    const resources = template.Resources ?? {};
    const ids = new Set(Object.keys(resources));
    graph = new Map();
    for (const [id, r] of Object.entries(resources)) {
      const edges = new Set<string>();
      referencesIn(r.Properties ?? {}, ids, edges);
      for (const d of [].concat(r.DependsOn ?? [])) if (ids.has(d)) edges.add(d);
      graph.set(id, edges);
    }
    graphs.set(stack, graph);
  }
  return graph;
}

/**
 * No resource depends on itself through references and DependsOn: CloudFormation refuses such a
 * template ("Circular dependency between resources") before it creates anything. Overrides on
 * aws-cdk-lib's own resources (a role that names a policy which names the role) can make one that
 * synthesizes without complaint.
 * Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html
 */
export function NoDependencyCycle(node: CfnResource): NagRuleResult {
  const stack = Stack.of(node);
  const graph = graphOf(stack);
  const start = stack.resolve(node.logicalId) as string;
  if (!graph.has(start)) return NagRuleCompliance.NOT_APPLICABLE;
  const seen = new Set<string>();
  const queue = [...(graph.get(start) ?? [])];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (id === start) return ['circular-dependency'];
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(graph.get(id) ?? []));
  }
  return NagRuleCompliance.COMPLIANT;
}
