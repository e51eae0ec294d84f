/**
 * The one door to the IAM policy evaluator, @cloud-copilot/iam-simulate: it evaluates identity
 * policies, resource policies (bucket, key and trust policies), permissions boundaries and explicit
 * denies the way AWS documents it, including the same-account rules (a resource policy alone grants
 * same-account access, except for KMS keys and role trust naming the account) and wildcard matching.
 *
 * The library's public `runSimulation` is asynchronous (cdk-nag rules are synchronous) and its
 * synchronous `runUnsafeSimulation` (0.1.173) fails on any resource policy (it loads the policy
 * without the name it then reads). So this adapter calls the library's synchronous core, `authorize`,
 * as `runUnsafeSimulation` does, with the resource policy named. The version is pinned exactly; the
 * tests of the reachability module fail if the library changes under it.
 */
import * as path from 'node:path';
import { loadPolicy } from '@cloud-copilot/iam-policy';

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
const base = path.dirname(require.resolve('@cloud-copilot/iam-simulate'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { authorize } = require(path.join(base, 'core_engine/CoreSimulatorEngine.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AwsRequestImpl } = require(path.join(base, 'request/request.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RequestContextImpl } = require(path.join(base, 'requestContext.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DiscoveryContextKeyConstraints } = require(path.join(base, 'context_keys/discoveryContextKeyConstraints.js'));

/** A policy document as it appears in a template, after intrinsic functions are resolved. */
export type PolicyDocument = { Version?: string; Statement: Statement[] };
export type Statement = Record<string, any>;

export interface Request {
  /** The calling principal: a role ARN, a service principal (`s3.amazonaws.com`), an account's identity. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** The account that owns the resource. */
  readonly resourceAccount: string;
  readonly context: Record<string, string | string[]>;
  readonly identityPolicies: readonly PolicyDocument[];
  readonly boundaries?: readonly PolicyDocument[];
  readonly resourcePolicy?: PolicyDocument;
}

const loaded = new WeakMap<PolicyDocument, Map<string, unknown>>();

/** Whether AWS would allow the request under these policies (no SCPs or RCPs: the app has none). */
export function isAllowed(request: Request): boolean {
  const load = (policy: PolicyDocument, name: string) => {
    // Parsing dominates an evaluation; the same documents are asked about many times, so each is parsed once per name.
    let byName = loaded.get(policy);
    if (!byName) loaded.set(policy, (byName = new Map()));
    let done = byName.get(name);
    if (!done) byName.set(name, (done = loadPolicy(policy as any, { name })));
    return done;
  };
  const result = authorize({
    request: new AwsRequestImpl(request.principal, { resource: request.resource, accountId: request.resourceAccount }, request.action, new RequestContextImpl(request.context)),
    sessionPolicy: undefined,
    identityPolicies: request.identityPolicies.map((p, i) => load(p, `identity-${i}`)),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy ? load(request.resourcePolicy, 'resource') : undefined,
    permissionBoundaries: request.boundaries?.length ? request.boundaries.map((p, i) => load(p, `boundary-${i}`)) : undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: {} },
  });
  return result.result === 'Allowed';
}
