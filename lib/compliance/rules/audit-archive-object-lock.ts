import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { CellStage } from '../../cell-stage';
import { DATA_CLASS_TAG } from '../../constructs/secure-bucket';

/**
 * The audit archive has S3 Object Lock in COMPLIANCE mode (no one, root included, can delete or
 * shorten it) with a default retention of at least the cell's audit retention.
 */
export function AuditArchiveObjectLock(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnBucket) || node.tags.tagValues()[DATA_CLASS_TAG] !== 'audit-archive') {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const minimumDays = CellStage.of(node)?.cell.retention.auditDays ?? 2192;
  const stack = Stack.of(node);
  const config = stack.resolve(node.objectLockConfiguration) as
    | { objectLockEnabled?: string; rule?: { defaultRetention?: { mode?: string; days?: number; years?: number } } }
    | undefined;
  const retention = config?.rule?.defaultRetention;
  const findings: string[] = [];
  if (stack.resolve(node.objectLockEnabled) !== true || config?.objectLockEnabled !== 'Enabled') findings.push('object-lock-disabled');
  if (retention?.mode !== 'COMPLIANCE') findings.push('not-compliance-mode');
  const days = retention?.days ?? (retention?.years !== undefined ? retention.years * 365 : 0);
  if (days < minimumDays) findings.push(`retention-below-${minimumDays}-days`);
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
