/** The synthesized templates as the evidence pack sees them: plain JSON, read once, indexed by type. */

/** One resource of a CloudFormation template. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** The parts of a CloudFormation template the evidence reads. */
export interface CfnTemplate {
  readonly Description?: string;
  readonly Resources?: Record<string, CfnResourceJson>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
}

/** One stack of the cloud assembly, with its template. */
export interface StackTemplate {
  /** The hierarchical id, `<cell>/<stack>`, as `cdk deploy` names it: `us-east/Tenant-clinic-001`. */
  readonly path: string;
  /** The cell (CDK Stage) the stack belongs to. */
  readonly cellId: string;
  /** The CloudFormation stack name, as `Fn::GetStackOutput` names it: `us-east-Keys`. */
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  /** The template file, relative to the cloud assembly directory. */
  readonly templateFile: string;
  /** SHA-256 of the template file, so that an auditor can tie the evidence to the exact artifact. */
  readonly sha256: string;
  readonly template: CfnTemplate;
  /** Every region name that appears anywhere in the template text. */
  readonly regionsNamed: ReadonlySet<string>;
  /** Every resource, in template order. */
  readonly resources: readonly ResourceRef[];
  readonly byLogicalId: ReadonlyMap<string, ResourceRef>;
  readonly byType: ReadonlyMap<string, readonly ResourceRef[]>;
}

/** A resource, where it lives, and its template JSON. */
export interface ResourceRef {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly resource: CfnResourceJson;
}

/** A stable key for maps of resources. */
export function resourceKey(ref: ResourceRef): string {
  return `${ref.stack.path}#${ref.logicalId}`;
}

/** The properties of a resource, never undefined. */
export function props(ref: ResourceRef): Record<string, any> {
  return ref.resource.Properties ?? {};
}

/** The construct path CDK recorded in the template metadata, if any. */
export function cdkPath(ref: ResourceRef): string | undefined {
  const path = ref.resource.Metadata?.['aws:cdk:path'];
  return typeof path === 'string' ? path : undefined;
}

/** The construct id CDK gave the resource (`AuditArchive`), from its path; the logical id if there is none. */
export function constructId(ref: ResourceRef): string {
  const path = cdkPath(ref)?.replace(/\/(Resource|Default)$/, '');
  return path ? path.slice(path.lastIndexOf('/') + 1) : ref.logicalId;
}

/** Tags of a resource, from the `Tags` list or map its template carries. */
export function tagsOf(ref: ResourceRef): Record<string, string> {
  const p = props(ref);
  const raw = p.Tags ?? p.BackupVaultTags ?? p.BackupPlanTags;
  const tags: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const t of raw) if (t && typeof t.Key === 'string' && typeof t.Value === 'string') tags[t.Key] = t.Value;
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') tags[k] = v;
  }
  return tags;
}

/** Resources of the given types across stacks, in stack order. */
export function resourcesOfType(stacks: readonly StackTemplate[], ...types: string[]): ResourceRef[] {
  return stacks.flatMap((s) => types.flatMap((t) => s.byType.get(t) ?? []));
}

/** Indexes a parsed template into a StackTemplate. */
export function indexStack(
  meta: Omit<StackTemplate, 'resources' | 'byLogicalId' | 'byType' | 'template'>,
  template: CfnTemplate,
): StackTemplate {
  const resources: ResourceRef[] = [];
  const byLogicalId = new Map<string, ResourceRef>();
  const byType = new Map<string, ResourceRef[]>();
  const stack: StackTemplate = { ...meta, template, resources, byLogicalId, byType };
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const ref: ResourceRef = { stack, logicalId, resource };
    resources.push(ref);
    byLogicalId.set(logicalId, ref);
    const list = byType.get(resource.Type);
    if (list) list.push(ref);
    else byType.set(resource.Type, [ref]);
  }
  return stack;
}

/** A value as a list: CloudFormation accepts a single value wherever it accepts a list. */
export function asList<T = unknown>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}

/** A policy document's statements. */
export function statementsOf(document: unknown): Array<Record<string, any>> {
  const doc = document as { Statement?: unknown } | undefined;
  return asList<Record<string, any>>(doc?.Statement).filter((s) => s && typeof s === 'object');
}
