import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SecureBucket } from './secure-bucket';

export interface AuditArchiveBucketProps {
  readonly bucketName: string;
  /** The cell's audit key in the bucket's region. */
  readonly encryptionKey: kms.IKey;
  /** Object Lock default retention, in days (config `retention.auditDays`). */
  readonly retentionDays: number;
  /** Days before objects move to cold storage (config `retention.archiveColdAfterDays`). */
  readonly coldAfterDays: number;
  readonly serverAccessLogsBucket: s3.IBucket;
  /** Keep the bucket if its stack's first create rolls back: it receives audit records during that create. @default false */
  readonly keepOnFailedCreate?: boolean;
}

/**
 * The audit archive: S3 Object Lock in COMPLIANCE mode with a default retention of the cell's
 * audit retention, so that no one, the account root included, can delete or overwrite an audit
 * record until its retention ends, and the retention cannot be shortened. Objects move to Glacier
 * Flexible Retrieval after the configured days and expire once their retention has ended.
 */
export class AuditArchiveBucket extends SecureBucket {
  constructor(scope: Construct, id: string, props: AuditArchiveBucketProps) {
    super(scope, id, {
      dataClass: 'audit-archive',
      bucketName: props.bucketName,
      encryptionKey: props.encryptionKey,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: `${props.bucketName}/`,
      keepOnFailedCreate: props.keepOnFailedCreate,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.retentionDays)),
      lifecycleRules: [
        {
          id: 'cold-storage-then-expire-after-retention',
          transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(props.coldAfterDays) }],
          // Object Lock refuses any deletion before the retention ends; expiry only cleans up after it.
          expiration: Duration.days(props.retentionDays + 1),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
  }
}
