import { Duration, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWarning } from '../compliance/acknowledge';
import { SecureBucket } from './secure-bucket';

/** The tag that records which tenant a resource belongs to. */
export const TENANT_TAG = 'tenant';

/** Object actions that touch PHI; only the allowed roles may perform them. */
const DATA_ACTIONS = [
  's3:GetObject*',
  's3:PutObject*',
  's3:DeleteObject*',
  's3:RestoreObject',
  's3:ReplicateObject',
  's3:ReplicateDelete',
  's3:ReplicateTags',
];

export interface PhiBucketProps {
  /** A deterministic name from `phiBucketName()`, so that the trail's data events cover it. */
  readonly bucketName: string;
  readonly tenantId: string;
  /** The tenant's own key in this region. */
  readonly encryptionKey: kms.IKey;
  /** Objects expire this many days after they are written; noncurrent versions NONCURRENT_VERSION_DAYS after they are replaced. */
  readonly retentionDays: number;
  /**
   * The clinic's contract termination date (YYYY-MM-DD): every object expires within 30 days of it.
   * @default - not offboarding
   */
  readonly terminationDate?: string;
  /** The cell's access-log bucket in this region. */
  readonly serverAccessLogsBucket: s3.IBucket;
  /** The only roles that may read or write objects (the tenant role, the replication role, break-glass), by ARN. */
  readonly allowedRoleArns: string[];
  /** The deploy path (CloudFormation execution roles): the only principals that may change the bucket's configuration. */
  readonly deployPathRoleArns: string[];
  /**
   * Roles that may reach the bucket only from the cell's network (the tenant access role); the
   * replication role (used by S3 itself) and break-glass are exempt by leaving them out.
   */
  readonly networkBoundRoleArns: string[];
  /**
   * The cell's VPC in this region (`aws:SourceVpc`), through whose S3 gateway endpoint the bound roles come.
   * @default - the cell has no network in this region: the bound roles are denied outright
   */
  readonly sourceVpcId?: string;
}

/**
 * Every action that changes how a bucket keeps, protects, replicates, logs or exposes its data, or
 * deletes it: only the deploy path may take them (bucket configuration lives in the templates).
 */
export const BUCKET_CONFIGURATION_ACTIONS = [
  's3:PutLifecycleConfiguration',
  's3:PutReplicationConfiguration',
  's3:PutBucketVersioning',
  's3:PutEncryptionConfiguration',
  's3:PutBucketObjectLockConfiguration',
  's3:PutBucketLogging',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketAcl',
  's3:PutBucketOwnershipControls',
  's3:PutBucketPublicAccessBlock',
  's3:PutBucketNotification',
  's3:PutBucketCORS',
  's3:PutBucketWebsite',
  's3:PutInventoryConfiguration',
  's3:PutAnalyticsConfiguration',
  's3:PutIntelligentTieringConfiguration',
  's3:PutBucketTagging',
  's3:DeleteBucket',
] as const;

/**
 * A bucket of one tenant's PHI (call recordings or transcripts): SSE-KMS with the tenant's own key
 * and bucket keys, every object action denied to every principal but the tenant's allowed roles,
 * retention and offboarding enforced by lifecycle rules. The one construct that makes a PHI bucket.
 */
export class PhiBucket extends SecureBucket {
  constructor(scope: Construct, id: string, props: PhiBucketProps) {
    super(scope, id, {
      dataClass: 'phi',
      bucketName: props.bucketName,
      encryptionKey: props.encryptionKey,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: `${props.bucketName}/`,
      lifecycleRules: phiLifecycle(props.retentionDays, props.terminationDate),
    });
    Tags.of(this).add(TENANT_TAG, props.tenantId);
    acknowledgeWarning(
      this,
      '@aws-cdk/aws-s3:accessLogsPolicyNotAdded',
      'The cell access-log bucket (AccessLogBucket) already lets S3 log delivery write for every bucket named with the cell PHI prefix, so tenants added later need no change to it.',
    );

    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTenantRolesTouchPhi',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...DATA_ACTIONS, 's3:ListBucket*'],
        resources: [this.bucketArn, this.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': props.allowedRoleArns } },
      }),
    );
    // The account root can still delete a bucket policy that denies it: https://repost.aws/knowledge-center/s3-accidentally-denied-access
    // (that call alerts, PhiBucketChanged); everyone else, root's other calls included, goes through the deploy path.
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheDeployPathChangesTheBucket',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...BUCKET_CONFIGURATION_ACTIONS],
        resources: [this.bucketArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': props.deployPathRoleArns } },
      }),
    );
    if (props.networkBoundRoleArns.length > 0) {
      // aws:SourceVpc is set on requests through a gateway endpoint of that VPC:
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-vpc-endpoint.html
      this.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: props.sourceVpcId ? 'TenantRoleOnlyFromTheCellNetwork' : 'TenantRoleHasNoNetworkHere',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:*'],
          resources: [this.bucketArn, this.arnForObjects('*')],
          conditions: {
            ArnEquals: { 'aws:PrincipalArn': props.networkBoundRoleArns },
            ...(props.sourceVpcId ? { StringNotEquals: { 'aws:SourceVpc': props.sourceVpcId } } : {}),
          },
        }),
      );
    }
    // A request without encryption headers (every UploadPart, and any PutObject that relies on the
    // bucket default) gets SSE-KMS with the tenant key. A request that names an encryption is refused
    // unless it names exactly that: negated operators are true for an absent key, hence the Null test.
    const headerPresent = { Null: { 's3:x-amz-server-side-encryption': 'false' } };
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlySseKms',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.arnForObjects('*')],
        conditions: { ...headerPresent, StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      }),
    );
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheTenantKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.arnForObjects('*')],
        conditions: { ...headerPresent, StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': props.encryptionKey.keyArn } },
      }),
    );
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NoCustomerProvidedKeys',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.arnForObjects('*')],
        conditions: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
      }),
    );
  }
}

/**
 * How long a replaced or deleted version stays recoverable: a deletion by a compromised credential
 * can be undone for this long (versions are not deleted by the tenant role, only made noncurrent).
 */
export const NONCURRENT_VERSION_DAYS = 30;

/** Days after the termination date on which the offboarding rule expires every current object. */
export const OFFBOARDING_EXPIRY_DAYS = 1;

/**
 * Noncurrent days of an offboarding clinic: expiry on day 1, versions 27 days later, and S3 acts within
 * about a day of each, so nothing is left 30 days after termination. The contract's 30 days win over
 * NONCURRENT_VERSION_DAYS for a clinic being offboarded; overlapping rules apply the shorter expiry:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-conflicts.html
 */
export const OFFBOARDING_NONCURRENT_DAYS = 27;

function phiLifecycle(retentionDays: number, terminationDate?: string): s3.LifecycleRule[] {
  const rules: s3.LifecycleRule[] = [
    {
      id: 'retention',
      expiration: Duration.days(retentionDays),
      noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    },
    {
      // Expiry of a versioned object leaves a delete marker; once its noncurrent versions are gone, this
      // removes the marker, so that nothing is left and the bucket can be deleted. S3 refuses it in a rule
      // that expires by days or date, hence a rule of its own.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html
      id: 'remove-expired-delete-markers',
      expiredObjectDeleteMarker: true,
    },
  ];
  if (terminationDate) {
    const expiry = new Date(`${terminationDate}T00:00:00Z`);
    expiry.setUTCDate(expiry.getUTCDate() + OFFBOARDING_EXPIRY_DAYS);
    rules.push({
      id: 'offboarding',
      expirationDate: expiry,
      noncurrentVersionExpiration: Duration.days(OFFBOARDING_NONCURRENT_DAYS),
    });
  }
  return rules;
}
