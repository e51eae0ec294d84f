import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { CellStage } from '../../cell-stage';
import { DATA_CLASS_TAG } from '../../constructs/secure-bucket';

interface FieldSelector {
  field: string;
  equalTo?: string[];
  startsWith?: string[];
}

/**
 * Every PHI bucket is covered by the cell's CloudTrail data events, for reads and for writes of
 * its objects (HIPAA 164.312(b) audit controls). Findings: `no-trail`, `unnamed-bucket`,
 * `not-covered`.
 */
export function PhiBucketCoveredByTrail(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnBucket) || node.tags.tagValues()[DATA_CLASS_TAG] !== 'phi') return NagRuleCompliance.NOT_APPLICABLE;
  const trail = CellStage.of(node)?.audit?.trail;
  if (!trail || Stack.of(trail).resolve(trail.isLogging) !== true) return ['no-trail'];

  const bucketName = Stack.of(node).resolve(node.bucketName);
  if (typeof bucketName !== 'string') return ['unnamed-bucket'];
  const objectArn = `arn:${Stack.of(node).partition}:s3:::${bucketName}/`;

  const selectors = (Stack.of(trail).resolve(trail.advancedEventSelectors) ?? []) as Array<{ fieldSelectors: FieldSelector[] }>;
  const covered = selectors.some(({ fieldSelectors }) => {
    const field = (name: string) => fieldSelectors.find((f) => f.field === name);
    const prefixes = field('resources.ARN')?.startsWith ?? [];
    return (
      field('eventCategory')?.equalTo?.includes('Data') === true &&
      field('resources.type')?.equalTo?.includes('AWS::S3::Object') === true &&
      field('readOnly') === undefined && // both reads and writes
      prefixes.some((p) => typeof p === 'string' && objectArn.startsWith(p))
    );
  });
  return covered ? NagRuleCompliance.COMPLIANT : ['not-covered'];
}
