import { CfnDeletionPolicy, CfnResource, Stack } from 'aws-cdk-lib';
import { CfnKey } from 'aws-cdk-lib/aws-kms';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';

/**
 * Every KMS key rotates its material, survives the deletion or replacement of its stack, and has
 * the longest deletion window (30 days), so that data it protects can never become unreadable
 * by a deploy or a single mistaken call.
 */
export function KmsKeyRotatedAndRetained(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnKey)) return NagRuleCompliance.NOT_APPLICABLE;
  const stack = Stack.of(node);
  const findings: string[] = [];
  if (stack.resolve(node.enableKeyRotation) !== true) findings.push('rotation-disabled');
  if (node.cfnOptions.deletionPolicy !== CfnDeletionPolicy.RETAIN) findings.push('not-retained-on-delete');
  if (node.cfnOptions.updateReplacePolicy !== CfnDeletionPolicy.RETAIN) findings.push('not-retained-on-replace');
  if (stack.resolve(node.pendingWindowInDays) !== 30) findings.push('deletion-window-not-30-days');
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
