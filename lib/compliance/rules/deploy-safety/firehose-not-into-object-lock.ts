import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { CellStage } from '../../../cell-stage';
import { cellIndex } from '../cell-index';
import { deliveryStreamBuckets } from '../log-delivery-in-jurisdiction';
import { rendered } from './rendered';

/**
 * No Kinesis Data Firehose stream writes into a bucket with Object Lock default retention: S3
 * accepts such a write only with a Content-MD5 or checksum header, and Firehose documents none, so
 * every delivery would fail into the error prefix. Deliver into a bucket without default retention
 * and replicate into the locked one. Findings name the bucket: `object-lock-destination:<path>`.
 * Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 */
export function FirehoseNotIntoObjectLockBucket(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::KinesisFirehose::DeliveryStream') return NagRuleCompliance.NOT_APPLICABLE;
  const stage = CellStage.of(node);
  const findings = new Set<string>();
  for (const target of deliveryStreamBuckets(node)) {
    let bucket: CfnBucket | undefined;
    if ('resource' in target && target.resource instanceof CfnBucket) bucket = target.resource;
    else if ('literal' in target && stage) {
      const name = /^arn:[^:]+:s3:::([^/]+)$/.exec(target.literal)?.[1];
      bucket = name ? cellIndex(stage).buckets.get(name) : undefined;
    }
    if (bucket && hasDefaultRetention(bucket)) findings.add(`object-lock-destination:${bucket.node.path}`);
  }
  return findings.size > 0 ? [...findings] : NagRuleCompliance.COMPLIANT;
}

function hasDefaultRetention(bucket: CfnBucket): boolean {
  const lock = Stack.of(bucket).resolve(rendered(bucket).Properties.ObjectLockConfiguration);
  return lock?.Rule?.DefaultRetention !== undefined;
}
