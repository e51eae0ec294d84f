import { CellResolver, CellResource, CellTemplates, UNKNOWN, list, statementsOf } from './cell-templates';
import { DesignedPrincipal } from './designed';
import { PolicyDocument, Statement, isAllowed } from './simulate';

/** A principal that appears in a cell's templates. */
export interface Principal {
  /** A role ARN, a service principal (`s3.amazonaws.com`), `account:<id>` (any identity of that account), `federated:<provider>`. */
  readonly id: string;
  readonly kind: 'role' | 'account' | 'service' | 'federated';
  /** For roles: `<stack>/<logical id>` in the templates. */
  readonly where?: string;
  readonly tags: Record<string, string>;
}

/** One step of a path: `principal` may assume `role`, or (the last step) perform `action` on `resource`. */
export interface PathStep {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
}

/** A principal that can reach a clinic's PHI, the shortest path it takes, and whether that path is designed. */
export interface Reach {
  readonly principal: Principal;
  readonly path: readonly PathStep[];
  /** The designed principal it is, or undefined. */
  readonly designed?: string;
  /** True when some path of this principal reaches the clinic without entering a designed principal the way it admits. */
  readonly violation: boolean;
}

export interface ClinicReach {
  readonly clinic: string;
  /** The clinic's PHI buckets (primary and DR) that the computation examined. */
  readonly buckets: readonly string[];
  readonly reachers: readonly Reach[];
}

/**
 * Condition keys whose request values the computation knows; conditions on any other key are
 * treated as possibly true in an Allow and possibly false in a Deny, so that no condition it cannot
 * evaluate hides a path. The values it assumes are the attacker's best case (MFA present, TLS).
 */
const KNOWN_KEYS = new Set(
  [
    'aws:PrincipalArn',
    'aws:PrincipalAccount',
    'aws:SecureTransport',
    's3:TlsVersion',
    'aws:MultiFactorAuthPresent',
    'aws:MultiFactorAuthAge',
    'kms:ViaService',
    'kms:CallerAccount',
    'kms:ResourceAliases',
    'kms:EncryptionContext:aws:s3:arn',
  ].map((k) => k.toLowerCase()),
);

/** What an AWS managed policy allows cannot be read offline: assume it allows anything. */
const ANYTHING: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** The reads that expose a clinic's objects (the last step of every path). */
const OBJECT_READS = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectVersionForReplication'];

export interface ReachabilityOptions {
  readonly designed: readonly DesignedPrincipal[];
  /** Documents of customer managed policies created outside the templates (the role boundary), by ARN. */
  readonly knownPolicies?: Readonly<Record<string, PolicyDocument>>;
}

interface RoleInfo {
  readonly principal: Principal;
  readonly trust: PolicyDocument;
  readonly identity: PolicyDocument[];
  readonly boundary: PolicyDocument[];
}

interface DataTarget {
  readonly clinic: string;
  readonly bucketArn: string;
  readonly bucketPolicy?: PolicyDocument;
  readonly keyArn?: string;
  readonly keyPolicy?: PolicyDocument;
  readonly aliases: string[];
  readonly region: string;
}

/**
 * For every clinic of a cell, every principal that appears in its templates and can read the clinic's
 * PHI objects (S3 read and KMS decrypt with the clinic's key), directly or through a chain of
 * sts:AssumeRole steps, with the shortest path. Evaluation of each step is done by the IAM policy
 * evaluator (./simulate.ts) with identity policies, permissions boundaries, trust, bucket and key
 * policies; this module only chooses which requests to ask, from indexes of the policies by
 * resource, so that the work grows with the number of clinics, not with principals × resources.
 */
export function reachability(cell: CellTemplates, options: ReachabilityOptions): ClinicReach[] {
  const resolver = new CellResolver(cell);
  const account = cell.account;
  const roles = collectRoles(resolver, options.knownPolicies ?? {});
  const byArn = new Map(roles.map((r) => [r.principal.id, r]));
  const principals = new Map<string, Principal>(roles.map((r) => [r.principal.id, r.principal]));
  const standIn = (acct: string): Principal => {
    const id = `account:${acct}`;
    if (!principals.has(id)) principals.set(id, { id, kind: 'account', tags: {} });
    return principals.get(id)!;
  };
  standIn(account);
  const targets = collectTargets(resolver);

  // Index of identity allows by resource: exact ARNs, and the few wildcard patterns.
  const assumeIndex = new ResourceIndex();
  const s3Index = new ResourceIndex();
  for (const role of roles) {
    for (const st of role.identity.flatMap(statementsOf)) {
      if (st.Effect !== 'Allow') continue;
      const actions = list<string>(st.Action);
      const resources = list<string>(st.Resource).concat(st.NotResource ? ['*'] : []);
      const notAction = st.NotAction !== undefined;
      if (notAction || actions.some((a) => matches(a, 'sts:AssumeRole'))) resources.forEach((r) => assumeIndex.add(r, role.principal.id));
      if (notAction || actions.some((a) => OBJECT_READS.some((read) => matches(a, read)))) {
        resources.forEach((r) => s3Index.add(r.replace(/^(arn:aws:s3:::[^/]*).*$/, '$1'), role.principal.id));
      }
    }
  }

  const callerOf = (id: string) => {
    const role = byArn.get(id);
    const p = principals.get(id)!;
    const arn = role ? id : p.kind === 'account' ? `arn:aws:iam::${id.slice('account:'.length)}:role/any-other-identity` : id;
    const acct = role || p.kind === 'account' ? arn.split(':')[4] : undefined;
    return {
      arn,
      acct,
      identity: role ? role.identity : p.kind === 'account' ? [ANYTHING] : [],
      boundary: role?.boundary ?? [],
      context: (acct ? { 'aws:PrincipalArn': arn, 'aws:PrincipalAccount': acct } : {}) as Record<string, string | string[]>,
    };
  };
  const ask = (id: string, action: string, resource: string, resourcePolicy: PolicyDocument | undefined, extra: Record<string, string | string[]> = {}) => {
    const c = callerOf(id);
    return isAllowed({
      principal: c.arn,
      action,
      resource,
      resourceAccount: account,
      context: { 'aws:SecureTransport': 'true', 's3:TlsVersion': '1.3', 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '60', ...c.context, ...extra },
      identityPolicies: c.identity.map((d) => normalise(d)),
      boundaries: c.boundary.map((d) => normalise(d)),
      resourcePolicy: resourcePolicy ? normalise(resourcePolicy) : undefined,
    });
  };

  // Edges: who may assume each role. Explicit principals of the trust, and, where the trust names an
  // account, the principals whose identity policies allow assuming it.
  const enteredBy = new Map<string, { from: string; action: string }[]>();
  for (const role of roles) {
    const candidates = new Map<string, string>();
    for (const st of statementsOf(role.trust)) {
      if (st.Effect !== 'Allow') continue;
      const action = list<string>(st.Action).find((a) => a.startsWith('sts:AssumeRole')) ?? 'sts:AssumeRole';
      const p = typeof st.Principal === 'string' ? { AWS: st.Principal } : (st.Principal ?? {});
      for (const service of list<string>(p.Service)) {
        if (!principals.has(service)) principals.set(service, { id: service, kind: 'service', tags: {} });
        candidates.set(service, 'sts:AssumeRole');
      }
      for (const federated of list<string>(p.Federated)) {
        const id = `federated:${federated}`;
        if (!principals.has(id)) principals.set(id, { id, kind: 'federated', tags: {} });
        candidates.set(id, action);
      }
      for (const aws of list<string>(p.AWS)) {
        const acct = aws === '*' ? account : /^\d{12}$/.test(aws) ? aws : aws.split(':')[4];
        if (aws === '*' || /^\d{12}$/.test(aws) || aws.endsWith(':root')) {
          standIn(acct);
          candidates.set(`account:${acct}`, 'sts:AssumeRole');
          if (acct === account) for (const id of assumeIndex.lookup(role.principal.id)) candidates.set(id, 'sts:AssumeRole');
        } else {
          if (!principals.has(aws) && !byArn.has(aws)) standIn(acct);
          candidates.set(byArn.has(aws) ? aws : `account:${acct}`, 'sts:AssumeRole');
        }
      }
    }
    const edges: { from: string; action: string }[] = [];
    for (const [from, action] of candidates) {
      if (from === role.principal.id) continue;
      const p = principals.get(from)!;
      // Web identity and SAML federation: the provider's claims (repository, environment) are conditions of the trust, shown in the evidence.
      if (p.kind === 'federated' || ask(from, 'sts:AssumeRole', role.principal.id, role.trust)) edges.push({ from, action });
    }
    enteredBy.set(role.principal.id, edges);
  }

  const designedOf = (id: string, clinic: string) => {
    const role = byArn.get(id);
    return role ? options.designed.find((d) => d.matches({ arn: id, tags: role.principal.tags }, clinic)) : undefined;
  };

  const byClinic = new Map<string, DataTarget[]>();
  for (const t of targets) byClinic.set(t.clinic, [...(byClinic.get(t.clinic) ?? []), t]);
  const result: ClinicReach[] = [];
  for (const [clinic, clinicTargets] of [...byClinic].sort(([a], [b]) => a.localeCompare(b))) {
    // Direct readers: candidates from the identity index and the principals the resource policies name.
    const direct = new Map<string, PathStep>();
    for (const t of clinicTargets) {
      const candidates = new Set<string>([...s3Index.lookup(t.bucketArn), `account:${account}`]);
      const named = JSON.stringify([t.bucketPolicy ?? {}, t.keyPolicy ?? {}]).match(/arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+/g) ?? [];
      named.filter((arn) => byArn.has(arn)).forEach((arn) => candidates.add(arn));
      for (const id of candidates) {
        if (direct.has(id)) continue;
        const object = `${t.bucketArn}/any-object`;
        const acct = callerOf(id).acct ?? account;
        // The key first: its policy admits few principals, so most candidates are settled by one evaluation.
        const decrypt =
          !t.keyArn ||
          ask(id, 'kms:Decrypt', t.keyArn, t.keyPolicy, {
            'kms:ViaService': `s3.${t.region}.amazonaws.com`,
            'kms:CallerAccount': acct,
            'kms:ResourceAliases': t.aliases,
            'kms:EncryptionContext:aws:s3:arn': object,
          });
        const read = decrypt ? OBJECT_READS.find((action) => ask(id, action, object, t.bucketPolicy)) : undefined;
        if (!read) continue;
        direct.set(id, { principal: id, action: `${read} + kms:Decrypt`, resource: object });
      }
    }

    // Backwards along the edges: every principal that reaches a direct reader, with its shortest path.
    const paths = new Map<string, PathStep[]>();
    const queue: string[] = [];
    for (const [id, step] of direct) {
      paths.set(id, [step]);
      queue.push(id);
    }
    while (queue.length) {
      const to = queue.shift()!;
      for (const { from, action } of enteredBy.get(to) ?? []) {
        if (paths.has(from)) continue;
        paths.set(from, [{ principal: from, action, resource: to }, ...paths.get(to)!]);
        queue.push(from);
      }
    }

    // The same walk, but a designed principal lets in only whom it admits: what it still finds is a violation.
    const undesigned = new Set<string>();
    const seen = new Set<string>();
    const walk: string[] = [];
    for (const id of direct.keys()) {
      seen.add(id);
      walk.push(id);
      if (!designedOf(id, clinic)) undesigned.add(id);
    }
    while (walk.length) {
      const to = walk.shift()!;
      const gate = designedOf(to, clinic);
      for (const { from } of enteredBy.get(to) ?? []) {
        const fromDesigned = designedOf(from, clinic);
        const admitted = gate && (gate.admits === 'anyone' || (gate.admits === 'services' && principals.get(from)!.kind === 'service') || fromDesigned);
        if (admitted || seen.has(from)) continue;
        seen.add(from);
        walk.push(from);
        if (!fromDesigned) undesigned.add(from);
      }
    }

    result.push({
      clinic,
      buckets: clinicTargets.map((t) => t.bucketArn),
      reachers: [...paths]
        .map(([id, path]) => ({ principal: principals.get(id)!, path, designed: designedOf(id, clinic)?.kind, violation: undesigned.has(id) }))
        .sort((a, b) => a.principal.id.localeCompare(b.principal.id)),
    });
  }
  return result;
}

/** Every role with its trust, identity policies (inline, managed, attached) and boundary. */
function collectRoles(resolver: CellResolver, knownPolicies: Readonly<Record<string, PolicyDocument>>): RoleInfo[] {
  const roles = new Map<string, { r: CellResource; arn: string; identity: PolicyDocument[] }>();
  const managed = new Map<string, PolicyDocument>(Object.entries(knownPolicies));
  const attachments: { roles: unknown; doc: PolicyDocument; stack: CellResource['stack'] }[] = [];
  for (const r of resolver.resources()) {
    if (r.type === 'AWS::IAM::Role') {
      const arn = resolver.roleArn(r);
      roles.set(arn.split('/').pop()!, { r, arn, identity: [] });
    } else if (r.type === 'AWS::IAM::ManagedPolicy' || r.type === 'AWS::IAM::Policy') {
      const doc = resolver.resolve(r.stack, r.properties.PolicyDocument) as PolicyDocument;
      if (r.type === 'AWS::IAM::ManagedPolicy') managed.set(resolver.resolve(r.stack, { Ref: r.logicalId }), doc);
      attachments.push({ roles: r.properties.Roles, doc, stack: r.stack });
    }
  }
  for (const a of attachments) {
    for (const name of list(resolver.resolve(a.stack, a.roles) as string | string[])) roles.get(name)?.identity.push(a.doc);
  }
  return [...roles.values()].map(({ r, arn, identity }) => {
    const p = r.properties;
    for (const inline of list<any>(p.Policies)) identity.push(resolver.resolve(r.stack, inline.PolicyDocument));
    for (const policyArn of list<string>(resolver.resolve(r.stack, p.ManagedPolicyArns))) identity.push(managed.get(policyArn) ?? ANYTHING);
    const boundaryArn = resolver.resolve(r.stack, p.PermissionsBoundary);
    const boundaryDoc = typeof boundaryArn === 'string' ? managed.get(boundaryArn) : undefined;
    const tags = Object.fromEntries(list<{ Key: string; Value: unknown }>(p.Tags).map((t) => [t.Key, String(t.Value)]));
    return {
      principal: { id: arn, kind: 'role' as const, where: `${r.stack.stackName}/${r.logicalId}`, tags },
      trust: resolver.resolve(r.stack, p.AssumeRolePolicyDocument) as PolicyDocument,
      identity,
      // An unknown boundary narrows nothing that can be proven: leave it out.
      boundary: boundaryDoc ? [boundaryDoc] : [],
    };
  });
}

/** Every PHI bucket of a clinic (tagged with its tenant id), with its bucket policy, key, key policy and aliases. */
function collectTargets(resolver: CellResolver): DataTarget[] {
  const bucketPolicies = new Map<string, PolicyDocument>();
  const keys = new Map<string, CellResource>();
  const aliases = new Map<string, string[]>();
  const buckets: CellResource[] = [];
  for (const r of resolver.resources()) {
    if (r.type === 'AWS::S3::BucketPolicy') bucketPolicies.set(resolver.resolve(r.stack, r.properties.Bucket), resolver.resolve(r.stack, r.properties.PolicyDocument));
    else if (r.type === 'AWS::KMS::Key') keys.set(resolver.keyArn(r), r);
    else if (r.type === 'AWS::S3::Bucket' && list<{ Key: string }>(r.properties.Tags).some((t) => t.Key === 'tenant')) buckets.push(r);
    else if (r.type === 'AWS::KMS::Alias') {
      const target = resolver.resolve(r.stack, r.properties.TargetKeyId);
      aliases.set(target, [...(aliases.get(target) ?? []), resolver.resolve(r.stack, r.properties.AliasName)]);
    }
  }
  const aliasToKey = new Map<string, string>();
  for (const [keyArn, names] of aliases) for (const n of names) aliasToKey.set(n, keyArn);
  return buckets.map((b) => {
    const name = resolver.bucketName(b);
    const clinic = list<{ Key: string; Value: string }>(b.properties.Tags).find((t) => t.Key === 'tenant')!.Value;
    const sse = resolver.resolve(b.stack, b.properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID);
    const keyArn = typeof sse !== 'string' ? undefined : sse.includes(':alias/') ? aliasToKey.get(sse.slice(sse.indexOf('alias/'))) : sse;
    const key = keyArn ? keys.get(keyArn) : undefined;
    return {
      clinic,
      bucketArn: `arn:aws:s3:::${name}`,
      bucketPolicy: bucketPolicies.get(name),
      keyArn: key ? keyArn : undefined,
      keyPolicy: key ? (resolver.resolve(key.stack, key.properties.KeyPolicy) as PolicyDocument) : undefined,
      aliases: keyArn ? (aliases.get(keyArn) ?? []) : [],
      region: b.stack.region,
    };
  });
}

/**
 * A policy as the evaluator should see it for a proof: a condition on a key whose value is not known
 * is dropped from an Allow (it may hold) and removes a Deny (it may not hold); an unresolved resource
 * becomes `*` in an Allow and matches nothing in a Deny.
 */
const normalised = new WeakMap<PolicyDocument, PolicyDocument>();
export function normalise(document: PolicyDocument): PolicyDocument {
  let done = normalised.get(document);
  if (done) return done;
  const statements: Statement[] = [];
  for (const st of statementsOf(document)) {
    const allow = st.Effect === 'Allow';
    const text = JSON.stringify(st);
    if (!text.includes(UNKNOWN) && !st.Condition) {
      statements.push(st);
      continue;
    }
    const copy: Statement = JSON.parse(allow ? text.replace(/"[^"]*\\u0000unknown\\u0000[^"]*"/g, '"*"') : text.replace(/\\u0000unknown\\u0000/g, 'unresolved'));
    if (copy.Condition) {
      const kept: Record<string, Record<string, unknown>> = {};
      let unknownInDeny = false;
      for (const [op, pairs] of Object.entries(copy.Condition as Record<string, Record<string, unknown>>)) {
        for (const [key, value] of Object.entries(pairs)) {
          const known = KNOWN_KEYS.has(key.toLowerCase()) && !JSON.stringify(value).includes('unresolved') && !(allow && JSON.stringify(value) === '"*"' && op !== 'StringLike');
          if (known) (kept[op] ??= {})[key] = value;
          else if (!allow) unknownInDeny = true;
        }
      }
      if (unknownInDeny) continue;
      if (Object.keys(kept).length) copy.Condition = kept;
      else delete copy.Condition;
    }
    statements.push(copy);
  }
  done = { Version: '2012-10-17', Statement: statements };
  normalised.set(document, done);
  return done;
}

/** IAM's wildcard match (`*` and `?`), case-insensitive as for actions. */
function matches(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern.toLowerCase() === value.toLowerCase();
  return wildcard(pattern).test(value);
}
const patterns = new Map<string, RegExp>();
function wildcard(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    patterns.set(pattern, re);
  }
  return re;
}

/** Principals by the resources their allows name: exact ARNs in a map, wildcard patterns in a short list. */
class ResourceIndex {
  private readonly exact = new Map<string, Set<string>>();
  private readonly wild: { pattern: string; id: string }[] = [];
  public add(resource: string, id: string): void {
    if (typeof resource !== 'string') return;
    if (resource.includes('*') || resource.includes('?') || resource.includes(UNKNOWN)) this.wild.push({ pattern: resource.includes(UNKNOWN) ? '*' : resource, id });
    else this.exact.set(resource, (this.exact.get(resource) ?? new Set()).add(id));
  }
  public lookup(resource: string): Set<string> {
    const found = new Set(this.exact.get(resource) ?? []);
    for (const { pattern, id } of this.wild) if (matches(pattern, resource)) found.add(id);
    return found;
  }
}
