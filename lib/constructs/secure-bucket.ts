import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The tag that records what a bucket holds, read by the compliance rules and the evidence pack. */
export const DATA_CLASS_TAG = 'data-class';

/** What a bucket holds. */
export type BucketDataClass = 'phi' | 'audit-archive' | 'audit-staging' | 'config-history' | 'access-logs';

export interface SecureBucketProps {
  /** What the bucket holds; recorded as a tag. */
  readonly dataClass: BucketDataClass;
  /** A deterministic name from lib/naming.ts. */
  readonly bucketName: string;
  /**
   * Customer-managed key for default encryption (SSE-KMS with bucket keys).
   * @default - SSE-S3, only for buckets that AWS log delivery requires to be SSE-S3
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Where server access logs go.
   * @default - no access logging (only for the access-log bucket itself)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /** Prefix of this bucket's access logs in the access-log bucket. */
  readonly serverAccessLogsPrefix?: string;
  /** @default - none */
  readonly lifecycleRules?: s3.LifecycleRule[];
  /** @default - no Object Lock */
  readonly objectLockDefaultRetention?: s3.ObjectLockRetention;
  /**
   * Keep the bucket even when the create that made it rolls back (DeletionPolicy Retain). Only for a
   * bucket that receives data during its own stack's first create; a retry then needs the recovery
   * steps that `npm run deploy` prints.
   * @default false - RetainExceptOnCreate: kept on every update and delete, removed only if its own create rolls back
   */
  readonly keepOnFailedCreate?: boolean;
}

/**
 * An S3 bucket with the hardening every bucket here shares: all public access blocked, TLS 1.2 or
 * later required by the bucket policy, ACLs disabled, versioning, and kept on stack deletion and replacement (removed only if its own first create rolls back).
 * Destroying a bucket of this app always takes a deliberate act outside CloudFormation.
 */
export class SecureBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id, {
      bucketName: props.bucketName,
      encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: props.encryptionKey ? true : undefined,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      // RetainExceptOnCreate: a failed first create leaves no bucket behind to block the retry by name.
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
      removalPolicy: props.keepOnFailedCreate ? RemovalPolicy.RETAIN : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      autoDeleteObjects: false,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsPrefix,
      lifecycleRules: props.lifecycleRules,
      objectLockEnabled: props.objectLockDefaultRetention ? true : undefined,
      objectLockDefaultRetention: props.objectLockDefaultRetention,
    });
    Tags.of(this).add(DATA_CLASS_TAG, props.dataClass);
  }

  /** Lets an AWS service write objects under a prefix, only on behalf of this account (confused deputy). */
  public allowServiceWrite(service: string, keyPrefix: string, conditions: Record<string, unknown> = {}): void {
    const principal = new iam.ServicePrincipal(service);
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${service.split('.')[0]}AclCheck`,
        principals: [principal],
        actions: ['s3:GetBucketAcl', 's3:ListBucket'],
        resources: [this.bucketArn],
        conditions,
      }),
    );
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${service.split('.')[0]}Write`,
        principals: [principal],
        actions: ['s3:PutObject'],
        resources: [this.arnForObjects(`${keyPrefix}/*`)],
        conditions,
      }),
    );
  }
}
