import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SecureBucket } from './secure-bucket';

/**
 * Days a SIEM copy stays in the staging bucket after S3 replication has copied it into the Object
 * Lock archives (usually within minutes): long enough to see a replication failure alarm and
 * re-replicate with S3 Batch Replication, short enough that the archives stay the record.
 */
export const SIEM_STAGING_DAYS = 30;

export interface SiemStagingBucketProps {
  readonly bucketName: string;
  /** The cell's audit key in the primary region. */
  readonly encryptionKey: kms.IKey;
  readonly serverAccessLogsBucket: s3.IBucket;
}

/**
 * Where Kinesis Data Firehose writes the SIEM copies of the audit logs. Firehose cannot write into
 * the archive itself: S3 accepts a write into a bucket with Object Lock default retention only with
 * a Content-MD5 or checksum header (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html),
 * and Firehose documents no such header (https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html).
 * S3 replication copies every object from here into the primary and the DR archive, where their
 * default retention applies to the replicas (Object Lock on the destination only is a documented
 * setup: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-replication).
 *
 * No one may delete an object here (the bucket policy denies it to every principal); lifecycle
 * removes copies after SIEM_STAGING_DAYS, leaving nothing behind.
 */
export class SiemStagingBucket extends SecureBucket {
  constructor(scope: Construct, id: string, props: SiemStagingBucketProps) {
    super(scope, id, {
      dataClass: 'audit-staging',
      bucketName: props.bucketName,
      encryptionKey: props.encryptionKey,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: `${props.bucketName}/`,
      // Firehose writes audit records here from the first minutes of the Audit stack's first create.
      keepOnFailedCreate: true,
      lifecycleRules: [
        {
          id: 'expire-after-replication-window',
          expiration: Duration.days(SIEM_STAGING_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        // S3 refuses ExpiredObjectDeleteMarker in a rule that expires by days, hence a rule of its own.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
    });
    // Lifecycle expiry is not a request and is not subject to bucket policies; people and roles are.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NoOneDeletesAuditCopiesBeforeReplication',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [this.arnForObjects('*')],
      }),
    );
  }
}
