import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { CellStage } from '../../cell-stage';
import { LOG_CLASS_TAG, LogClass, retentionDaysFor } from '../../constructs/encrypted-log-group';

const LOG_CLASSES: readonly LogClass[] = ['audit', 'security', 'operational'];

/**
 * Every log group is encrypted with a customer-managed key and keeps its data at least as long as
 * config requires for its class (audit and security: the cell's audit retention). A log group
 * without a class tag is a finding too: its retention could not be checked.
 */
export function LogGroupEncryptedAndRetained(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnLogGroup)) return NagRuleCompliance.NOT_APPLICABLE;
  const cell = CellStage.of(node)?.cell;
  const findings: string[] = [];
  const stack = Stack.of(node);

  if (stack.resolve(node.kmsKeyId) === undefined) findings.push('no-kms-key');

  const retention = stack.resolve(node.retentionInDays) as number | undefined;
  const logClass = node.tags.tagValues()[LOG_CLASS_TAG] as LogClass | undefined;
  if (retention === undefined) {
    findings.push('no-retention');
  } else if (!logClass || !LOG_CLASSES.includes(logClass)) {
    findings.push('no-log-class');
  } else if (cell && retention < retentionDaysFor(logClass, cell.retention)) {
    findings.push(`${logClass}-retention-below-${retentionDaysFor(logClass, cell.retention)}-days`);
  }
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
