import { CfnResource, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
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
  const raw = node.replicationConfiguration as { rules?: Array<{ destination?: { encryptionConfiguration?: { replicaKmsKeyId?: unknown } } }> };
  const findings: string[] = [];
  for (const [i, { destination }] of replication.rules.entries()) {
    const bucketArn = destination?.bucket;
    const name = typeof bucketArn === 'string' ? bucketArn.replace(/^arn:[^:]+:s3:::/, '') : undefined;
    const bucket = name ? cellIndex(stage).buckets.get(name) : undefined;
    const region = bucket ? Stack.of(bucket).region : undefined;
    if (!name) findings.push('unresolvable-destination');
    else if (!region) findings.push(`destination-not-in-cell:${name}`);
    else if (!isRegionIn(jurisdiction, region)) findings.push(`destination-outside-${jurisdiction}:${region}`);

    const keyArn = destination?.encryptionConfiguration?.replicaKmsKeyId;
    const keyRegion = typeof keyArn === 'string' ? keyArn.split(':')[3] : referencedRegion(raw?.rules?.[i]?.destination?.encryptionConfiguration?.replicaKmsKeyId);
    if (keyArn !== undefined && (!keyRegion || !isRegionIn(jurisdiction, keyRegion))) {
      findings.push(`replica-key-outside-${jurisdiction}:${keyRegion ?? 'unknown'}`);
    }
  }
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}

/** The region of the resource a token references (a key of this app given by ARN), if it is one. */
function referencedRegion(value: unknown): string | undefined {
  if (typeof value !== 'string' || !Token.isUnresolved(value)) return undefined;
  const token = Tokenization.reverse(value, { failConcat: false });
  const region = token instanceof Reference ? Stack.of(token.target).region : undefined;
  return region && !Token.isUnresolved(region) ? region : undefined;
}
