import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnManagedPolicy, CfnPolicy, CfnRole } from 'aws-cdk-lib/aws-iam';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { CellStage } from '../../cell-stage';
import { TENANT_TAG } from '../../constructs/phi-bucket';
import { keyAliasName, phiBucketPrefix } from '../../naming';
import { resourceByLogicalId, resourcesOf, tagsOf } from './cell-index';

/**
 * No IAM principal is granted access to the keys or buckets of more than one tenant, whether by a
 * single policy or by several policies attached to the same role. Finding: the tenant ids.
 */
export function NoCrossTenantAccess(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnRole)) return NagRuleCompliance.NOT_APPLICABLE;
  const stage = CellStage.of(node);
  if (!stage) return NagRuleCompliance.NOT_APPLICABLE;
  const stack = Stack.of(node);
  const roleLogicalId = stack.resolve(node.logicalId) as string;

  // The role's inline policies and every policy of its stack attached to it.
  const documents: unknown[] = [stack.resolve(node.policies)];
  for (const c of resourcesOf(stack).all) {
    if (c instanceof CfnPolicy || c instanceof CfnManagedPolicy) {
      const roles = JSON.stringify(stack.resolve(c.roles) ?? []);
      if (roles.includes(`"${roleLogicalId}"`)) documents.push(stack.resolve(c.policyDocument));
    }
  }
  // Only what is allowed counts: a guardrail that denies every tenant's data is the opposite of access.
  const allowed = documents
    .flatMap((d) => (Array.isArray(d) ? d.map((p: { policyDocument?: unknown }) => p?.policyDocument) : [d]))
    .flatMap((d) => ((d as { Statement?: Array<{ Effect?: string }> } | undefined)?.Statement ?? []))
    .filter((statement) => statement.Effect === 'Allow');
  const text = JSON.stringify(allowed);
  if (ALL_TENANT_PATTERNS(stage).some((pattern) => text.includes(pattern))) return ['all-tenants'];
  const tenants = tenantsNamedIn(text, stack, stage);
  return tenants.size > 1 ? [[...tenants].sort().join('+')] : NagRuleCompliance.COMPLIANT;
}

/** Wildcards that reach every tenant's buckets or keys at once. */
function ALL_TENANT_PATTERNS(stage: CellStage): string[] {
  return [`:::${phiBucketPrefix(stage)}*`, `alias/${keyAliasName(stage, 'tenant-')}*`];
}

/** The tenants whose buckets or keys a policy text names: by name, by same-stack reference, by stack output. */
function tenantsNamedIn(text: string, stack: Stack, stage: CellStage): Set<string> {
  // Linear in the text: candidate ids are read from the names, then checked against the cell's tenants.
  const known = tenantIdsOf(stage);
  const found = new Set<string>();
  const escape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = [
    new RegExp(`${escape(phiBucketPrefix(stage))}([a-z0-9-]+?)-(?:rec|txt)(?:-dr)?-\\d{12}`, 'g'),
    new RegExp(`alias/${escape(keyAliasName(stage, 'tenant-'))}([a-z0-9-]+)"`, 'g'),
    new RegExp(`"StackName":"${escape(stage.cell.id)}-Tenant(?:Replica)?-([a-z0-9-]+)"`, 'g'),
  ];
  for (const pattern of patterns) {
    for (const [, id] of text.matchAll(pattern)) if (known.has(id)) found.add(id);
  }
  for (const [, logicalId] of text.matchAll(/\{"(?:Ref|Fn::GetAtt)":\[?"([A-Za-z0-9]+)"/g)) {
    const tenant = tagsOf(resourceByLogicalId(stack, logicalId))[TENANT_TAG];
    if (tenant) found.add(tenant);
  }
  return found;
}

const tenantIds = new WeakMap<CellStage, Set<string>>();
function tenantIdsOf(stage: CellStage): Set<string> {
  let ids = tenantIds.get(stage);
  if (!ids) {
    ids = new Set(stage.tenants.map((t) => t.id));
    tenantIds.set(stage, ids);
  }
  return ids;
}
