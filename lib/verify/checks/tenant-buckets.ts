import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  LifecycleRule,
  S3Client,
} from '@aws-sdk/client-s3';
import { CheckFamily, CheckResult, VerifyContext, attempt, mapLimit, verdict } from '../check';
import { ExpectedTenantBucket } from '../expectations';

/**
 * Each clinic's buckets (primary and DR) are encrypted by default with the clinic's own key, are
 * versioned, block every kind of public access, and, for an offboarding clinic, carry the expiry
 * rule of its termination date. Bucket configuration only: no object is listed or read.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html
 */
export const tenantBucketChecks: CheckFamily = {
  title: 'clinic buckets: key, versioning, public access, offboarding',
  async run(ctx) {
    const rows = await mapLimit(ctx.expected.tenantBuckets, 8, (b) => attempt(`clinic ${b.tenantId} bucket ${b.bucket}`, b.region, () => checkBucket(ctx, b)));
    return rows.flat();
  },
};

async function checkBucket(ctx: VerifyContext, expected: ExpectedTenantBucket): Promise<CheckResult> {
  const { bucket, region } = expected;
  const s3 = ctx.aws.client(S3Client, region);
  const problems: string[] = [];
  const facts: string[] = [];

  const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
  const byDefault = encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  const expectedKey = await ctx.aws.keyArn(region, expected.keyAlias);
  const actualKey = byDefault?.KMSMasterKeyID ? await ctx.aws.keyArn(region, byDefault.KMSMasterKeyID) : undefined;
  if (byDefault?.SSEAlgorithm === 'aws:kms' && actualKey && actualKey === expectedKey) facts.push(`key ${expected.keyAlias}`);
  else problems.push(`default encryption ${byDefault?.SSEAlgorithm ?? 'none'} with ${byDefault?.KMSMasterKeyID ?? 'no key'}, not ${expected.keyAlias}`);

  const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  if (versioning.Status === 'Enabled') facts.push('versioned');
  else problems.push(`versioning ${versioning.Status ?? 'never enabled'}`);

  const block = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration;
  const open = (['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const).filter((k) => block?.[k] !== true);
  if (open.length === 0) facts.push('public access blocked');
  else problems.push(`public access block off: ${open.join(', ')}`);

  if (expected.expiresOn) {
    let rules: LifecycleRule[] = [];
    try {
      rules = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
    } catch (e) {
      // A bucket without lifecycle rules answers this error: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html
      if ((e as Error).name !== 'NoSuchLifecycleConfiguration') throw e;
    }
    const due = new Date(expected.expiresOn).getTime();
    const rule = rules.find((r) => r.Status === 'Enabled' && r.Expiration?.Date && r.Expiration.Date.getTime() === due);
    if (rule) facts.push(`expires ${expected.expiresOn.slice(0, 10)} (offboarding)`);
    else problems.push(`no enabled lifecycle rule expiring every object on ${expected.expiresOn.slice(0, 10)} (offboarding)`);
  }
  const check = `clinic ${expected.tenantId} bucket ${bucket}`;
  return verdict(problems.length === 0, check, region, problems.length === 0 ? facts.join(', ') : problems.join('; '));
}
