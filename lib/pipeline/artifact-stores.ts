import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledge } from '../compliance/acknowledge';
import { AccessLogBucket } from '../constructs/access-log-bucket';

/** Retention figures of the artifact stores, the largest any cell the pipeline deploys asks for. */
export interface ArtifactStoreRetention {
  /** Templates are kept as long as the audit record of the deploys they describe. */
  readonly auditDays: number;
  /** Server access logs of the artifact buckets. */
  readonly accessLogDays: number;
}

export interface ArtifactStoreNaming {
  /** The platform id, the prefix of every named resource. */
  readonly platformId: string;
  /**
   * The first characters of every artifact bucket name: CloudFormation names the primary bucket
   * `<stack name>-…` and CodePipeline names each regional replication bucket `<stack name>-support-…`.
   */
  readonly bucketNamePrefix: string;
}

/** Where server access logs of the artifact buckets go, under this prefix of the access-log bucket. */
const LOG_PREFIX_SUFFIX = 'artifacts/';

/**
 * Hardens every artifact store of a CDK pipeline: the artifact bucket in the pipeline's region and
 * the replication bucket that CodePipeline creates in each other region an action runs in (the
 * `<pipeline>-support-<region>` stacks). These buckets and keys are made inside aws-cdk-lib, which
 * offers no props for them, so the settings are applied to their L1 resources:
 *
 * - versioning, so that an artifact cannot be silently overwritten;
 * - TLS 1.2 or later, like every bucket of the cells (`enforceSSL` is already set by aws-cdk-lib);
 * - server access logs to an access-log bucket of the same account and region (S3 requires both);
 * - a lifecycle that keeps artifacts as long as the audit record of the deploys they describe;
 * - the KMS key retained on stack deletion and replacement, with the 30-day deletion window, so
 *   retained artifacts stay readable (rotation comes from `enableKeyRotation` on the pipeline).
 *
 * Call it after the pipeline is built (`buildPipeline()`): the replication buckets exist only then.
 */
export function hardenArtifactStores(pipeline: codepipeline.Pipeline, naming: ArtifactStoreNaming, retention: ArtifactStoreRetention): void {
  const stores = new Map<string, s3.IBucket>([[Stack.of(pipeline).region, pipeline.artifactBucket]]);
  for (const [region, support] of Object.entries(pipeline.crossRegionSupport)) stores.set(region, support.replicationBucket);

  for (const [region, bucket] of stores) {
    if (!(bucket instanceof s3.Bucket)) throw new Error(`artifact store in ${region} is not a bucket made by the pipeline`);
    const stack = Stack.of(bucket);
    if (stack !== Stack.of(pipeline)) {
      // A support stack holds the region's artifact replica: it gets the protection of every stack here.
      stack.terminationProtection = true;
      stack.tags.setTag('platform', naming.platformId);
      stack.tags.setTag('data-classification', 'internal');
    }
    hardenBucket(bucket, naming, retention, region);
    hardenKey(bucket.encryptionKey, region);
  }
}

function hardenBucket(bucket: s3.Bucket, naming: ArtifactStoreNaming, retention: ArtifactStoreRetention, region: string): void {
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  const stack = Stack.of(bucket);
  const logs = new AccessLogBucket(stack, 'ArtifactAccessLogs', {
    bucketName: `${naming.platformId}-pipeline-access-logs-${stack.account}-${region}`,
    acceptLogsFromBucketsPrefixed: naming.bucketNamePrefix,
    retentionDays: retention.accessLogDays,
  });
  cfnBucket.versioningConfiguration = { status: 'Enabled' };
  // CodePipeline names the replication buckets; an empty one left by a failed first create would block the retry.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
  bucket.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      conditions: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    }),
  );
  cfnBucket.loggingConfiguration = {
    destinationBucketName: logs.bucketName,
    logFilePrefix: `${naming.bucketNamePrefix}${LOG_PREFIX_SUFFIX}`,
  };
  bucket.addLifecycleRule({
    id: 'keep-for-audit-retention',
    expiration: Duration.days(retention.auditDays),
    // Artifact keys are unique per execution, so nothing is overwritten in normal operation: a
    // noncurrent version means a deletion or replacement by hand, undoable for 90 days.
    noncurrentVersionExpiration: Duration.days(90),
    abortIncompleteMultipartUploadAfter: Duration.days(7),
  });

  acknowledge(bucket, 'HIPAA.Security-S3BucketReplicationEnabled', ARTIFACTS_NOT_REPLICATED);
  acknowledge(bucket, 'NIST.800.53.R5-S3BucketReplicationEnabled', ARTIFACTS_NOT_REPLICATED);
}

const ARTIFACTS_NOT_REPLICATED =
  'A pipeline artifact bucket holds build outputs (source snapshot, CloudFormation templates, asset archives) that every ' +
  'execution rebuilds from the repository, which is the system of record; it holds no PHI. CodePipeline already copies ' +
  'each artifact to the one region an action needs it in; replicating the bucket would copy templates into a further region for no recovery benefit.';

function hardenKey(key: kms.IKey | undefined, region: string): void {
  // The replication buckets are encrypted through an alias, so that the pipeline can name the key in another region.
  const target = key instanceof kms.Alias ? key.aliasTargetKey : key;
  if (!(target instanceof kms.Key)) throw new Error(`artifact store in ${region} is not encrypted with a customer-managed key made by the pipeline`);
  const cfnKey = target.node.defaultChild as kms.CfnKey;
  cfnKey.applyRemovalPolicy(RemovalPolicy.RETAIN);
  cfnKey.pendingWindowInDays = 30;
  if (Stack.of(cfnKey).resolve(cfnKey.enableKeyRotation) !== true) {
    throw new Error(`the artifact key in ${region} does not rotate; create the pipeline with enableKeyRotation: true`);
  }
}
