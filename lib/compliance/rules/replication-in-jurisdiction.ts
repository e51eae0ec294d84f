import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { CellStage } from '../../cell-stage';
import { isRegionIn } from '../../config/jurisdictions';
import { cellIndex } from './cell-index';

/**
 * Every S3 replication destination is a bucket of the same cell in a region of the cell's
 * jurisdiction, encrypted with a key in that jurisdiction. cdk-nag's S3BucketReplicationEnabled
 * only checks that replication exists, not where it goes. Findings name the offending destination.
 */
export function ReplicationInJurisdiction(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnBucket)) return NagRuleCompliance.NOT_APPLICABLE;
  const stage = CellStage.of(node);
  const replication = Stack.of(node).resolve(node.replicationConfiguration) as
    | { rules?: Array<{ destination?: { bucket?: unknown; encryptionConfiguration?: { replicaKmsKeyId?: unknown } } }> }
    | undefined;
  if (!stage || !replication?.rules) return NagRuleCompliance.NOT_APPLICABLE;

  const { jurisdiction } = stage.cell;
  const findings: string[] = [];
  for (const { destination } of replication.rules) {
    const bucketArn = destination?.bucket;
    const name = typeof bucketArn === 'string' ? bucketArn.replace(/^arn:[^:]+:s3:::/, '') : undefined;
    const bucket = name ? cellIndex(stage).buckets.get(name) : undefined;
    const region = bucket ? Stack.of(bucket).region : undefined;
    if (!name) findings.push('unresolvable-destination');
    else if (!region) findings.push(`destination-not-in-cell:${name}`);
    else if (!isRegionIn(jurisdiction, region)) findings.push(`destination-outside-${jurisdiction}:${region}`);

    const keyArn = destination?.encryptionConfiguration?.replicaKmsKeyId;
    const keyRegion = typeof keyArn === 'string' ? keyArn.split(':')[3] : undefined;
    if (keyArn !== undefined && (!keyRegion || !isRegionIn(jurisdiction, keyRegion))) {
      findings.push(`replica-key-outside-${jurisdiction}:${keyRegion ?? 'unknown'}`);
    }
  }
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
