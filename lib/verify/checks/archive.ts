import {
  GetBucketReplicationCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  _Object,
} from '@aws-sdk/client-s3';
import { CheckFamily, CheckResult, HOUR_MS, VerifyContext, ago, attempt, fail, verdict } from '../check';
import { ExpectedArchive } from '../expectations';
import { dayPrefixes } from './dates';

/** S3 replicates most objects within 15 minutes; an object older than this must show its final status. */
const REPLICATION_SETTLE_MS = HOUR_MS;

/**
 * The audit archives (primary and DR) have Object Lock in COMPLIANCE mode with the templates'
 * retention; the primary replicates to the DR archive, and a recent trail log file says so: its
 * replication status (HeadObject metadata, never the body) is COMPLETED and its DR copy is a REPLICA.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-status.html
 */
export const archiveChecks: CheckFamily = {
  title: 'audit archives: Object Lock, replication',
  async run(ctx) {
    const rows: CheckResult[] = [];
    for (const archive of ctx.expected.archives) {
      rows.push(...(await attempt(`audit archive ${archive.bucket} Object Lock`, archive.region, () => objectLock(ctx, archive))));
      if (archive.replicaBucket) {
        rows.push(...(await attempt(`audit archive ${archive.bucket} replication`, archive.region, () => replication(ctx, archive, archive.replicaBucket!))));
      }
    }
    return rows;
  },
};

async function objectLock(ctx: VerifyContext, archive: ExpectedArchive): Promise<CheckResult> {
  const check = `audit archive ${archive.bucket} Object Lock`;
  const { ObjectLockConfiguration: lock } = await ctx.aws.client(S3Client, archive.region).send(new GetObjectLockConfigurationCommand({ Bucket: archive.bucket }));
  const retention = lock?.Rule?.DefaultRetention;
  const days = retention?.Days ?? (retention?.Years !== undefined ? retention.Years * 365 : undefined);
  const ok = lock?.ObjectLockEnabled === 'Enabled' && retention?.Mode === 'COMPLIANCE' && days !== undefined && days >= archive.retentionDays;
  const facts = lock?.ObjectLockEnabled !== 'Enabled'
    ? 'Object Lock is not enabled'
    : `${retention?.Mode ?? 'no default'} mode, ${days ?? 'no'} days default retention`;
  return verdict(ok, check, archive.region, `${facts} (expected COMPLIANCE, at least ${archive.retentionDays} days)`);
}

async function replication(ctx: VerifyContext, archive: ExpectedArchive, replicaBucket: string): Promise<CheckResult[]> {
  const check = `audit archive ${archive.bucket} replication`;
  const s3 = ctx.aws.client(S3Client, archive.region);
  const { ReplicationConfiguration: config } = await s3.send(new GetBucketReplicationCommand({ Bucket: archive.bucket }));
  const rule = config?.Rules?.find((r) => r.Status === 'Enabled' && r.Destination?.Bucket === `arn:aws:s3:::${replicaBucket}`);
  if (!rule) return [fail(check, archive.region, `no enabled replication rule to ${replicaBucket}`)];

  // The newest trail log file old enough to have settled: its replication status is S3's own verdict.
  // Log files live under <prefix>/AWSLogs/<account>/CloudTrail/<region>/yyyy/MM/dd/: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html
  const { trail } = ctx.expected;
  const base = `${trail.keyPrefix ? `${trail.keyPrefix}/` : ''}AWSLogs/${ctx.expected.cell.account}/CloudTrail/${trail.region}/`;
  let newest: _Object | undefined;
  for (const prefix of dayPrefixes(ctx.now, (day) => `${base}${day}/`)) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: archive.bucket, Prefix: prefix, MaxKeys: 1000 }));
    for (const o of listed.Contents ?? []) {
      if (!o.LastModified || ctx.now.getTime() - o.LastModified.getTime() < REPLICATION_SETTLE_MS) continue;
      if (!newest || o.LastModified > newest.LastModified!) newest = o;
    }
    if (newest) break;
  }
  if (!newest) return [fail(check, archive.region, `no trail log file between 1 and 48 hours old under ${base} to check replication with`)];

  const head = await s3.send(new HeadObjectCommand({ Bucket: archive.bucket, Key: newest.Key }));
  const status = head.ReplicationStatus ?? 'none';
  const when = ago(ctx, newest.LastModified!);
  if (status !== 'COMPLETED') return [fail(check, archive.region, `a trail log file written ${when} has replication status ${status} (expected COMPLETED)`)];
  let replica: { ReplicationStatus?: string };
  try {
    replica = await ctx.aws.client(S3Client, ctx.expected.drRegion).send(new HeadObjectCommand({ Bucket: replicaBucket, Key: newest.Key }));
  } catch (e) {
    replica = { ReplicationStatus: `missing (${(e as Error).name})` };
  }
  return [
    verdict(
      replica.ReplicationStatus === 'REPLICA',
      check,
      archive.region,
      `rule ${rule.ID ?? '(unnamed)'} to ${replicaBucket}; a trail log file written ${when}: source ${status}, DR copy ${replica.ReplicationStatus ?? 'none'}`,
    ),
  ];
}
