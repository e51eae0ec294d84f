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
  /** Objects expire this many days after they are written; noncurrent versions a day after they are replaced. */
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
}

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

/** Days after the termination date by which lifecycle has started expiring; S3 acts within about a day. */
export const OFFBOARDING_EXPIRY_DAYS = 28;

function phiLifecycle(retentionDays: number, terminationDate?: string): s3.LifecycleRule[] {
  const rules: s3.LifecycleRule[] = [
    {
      id: 'retention',
      expiration: Duration.days(retentionDays),
      noncurrentVersionExpiration: Duration.days(1),
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
    });
  }
  return rules;
}
