import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnKey } from 'aws-cdk-lib/aws-kms';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { TENANT_TAG } from '../../constructs/phi-bucket';
import { DATA_CLASS_TAG } from '../../constructs/secure-bucket';
import { resourceByLogicalId } from './cell-index';

/**
 * Every PHI bucket is encrypted by default (SSE-KMS, bucket keys) with the key of the tenant it
 * belongs to, made in the same stack: never a shared key, never another tenant's key.
 */
export function PhiBucketEncryptedWithTenantKey(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnBucket) || node.tags.tagValues()[DATA_CLASS_TAG] !== 'phi') return NagRuleCompliance.NOT_APPLICABLE;
  const tenant = node.tags.tagValues()[TENANT_TAG];
  if (!tenant) return ['no-tenant-tag'];

  const stack = Stack.of(node);
  const encryption = stack.resolve(node.bucketEncryption) as
    | { serverSideEncryptionConfiguration?: Array<{ bucketKeyEnabled?: boolean; serverSideEncryptionByDefault?: { sseAlgorithm?: string; kmsMasterKeyId?: unknown } }> }
    | undefined;
  const rule = encryption?.serverSideEncryptionConfiguration?.[0];
  const sse = rule?.serverSideEncryptionByDefault;
  if (sse?.sseAlgorithm !== 'aws:kms' || sse.kmsMasterKeyId === undefined) return ['not-sse-kms'];

  const findings: string[] = [];
  if (rule?.bucketKeyEnabled !== true) findings.push('bucket-key-disabled');
  const getAtt = (sse.kmsMasterKeyId as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  const key = getAtt ? resourceByLogicalId(stack, getAtt[0]) : undefined;
  if (!(key instanceof CfnKey)) findings.push('key-not-made-in-tenant-stack');
  else if (key.tags.tagValues()[TENANT_TAG] !== tenant) findings.push(`key-of-another-tenant:${key.tags.tagValues()[TENANT_TAG] ?? 'shared'}`);
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
