import { Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { CONFIG_KEY_PREFIX } from './account-detection';
import { SecureBucket } from './secure-bucket';

export interface ConfigHistoryBucketProps {
  readonly bucketName: string;
  /** The cell's audit key in the bucket's region. */
  readonly encryptionKey: kms.IKey;
  readonly serverAccessLogsBucket: s3.IBucket;
  /** Days to keep configuration history (config `retention.auditDays`). */
  readonly retentionDays: number;
}

/**
 * AWS Config history and snapshots of one region: the audit key, versioned, kept for the audit
 * retention, writable only by AWS Config of this account. Config cannot deliver to a bucket with
 * Object Lock default retention, so this is not the archive.
 */
export class ConfigHistoryBucket extends SecureBucket {
  constructor(scope: Construct, id: string, props: ConfigHistoryBucketProps) {
    super(scope, id, {
      dataClass: 'config-history',
      bucketName: props.bucketName,
      encryptionKey: props.encryptionKey,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: `${props.bucketName}/`,
      lifecycleRules: [
        {
          id: 'expire-after-audit-retention',
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    const { account } = Stack.of(this);
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html
    this.allowServiceWrite('config.amazonaws.com', `${CONFIG_KEY_PREFIX}/AWSLogs/${account}/Config`, {
      StringEquals: { 'aws:SourceAccount': account },
    });
    const notReplicated =
      'AWS Config history describes resource configurations, not PHI, and can be rebuilt from the Config service and from ' +
      'CloudTrail; the record of who changed what is CloudTrail, kept in the Object Lock archive and replicated to the DR region.';
    acknowledge(this, 'HIPAA.Security-S3BucketReplicationEnabled', notReplicated);
    acknowledge(this, 'NIST.800.53.R5-S3BucketReplicationEnabled', notReplicated);
  }
}
