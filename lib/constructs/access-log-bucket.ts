import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { SecureBucket } from './secure-bucket';

export interface AccessLogBucketProps {
  readonly bucketName: string;
  /**
   * Buckets whose names start with this prefix may deliver server access logs here, including
   * buckets of stacks deployed later (the tenants' PHI buckets).
   */
  readonly acceptLogsFromBucketsPrefixed: string;
  /** How long access logs are kept (config `retention.accessLogDays`). */
  readonly retentionDays: number;
}

/**
 * The bucket that receives S3 server access logs and load balancer access logs. AWS log delivery
 * can only write to SSE-S3 buckets without Object Lock default retention, so this is the one
 * bucket without a customer-managed key; it holds request metadata (who, when, which object key),
 * and object keys in this app carry ids only, never PHI.
 */
export class AccessLogBucket extends SecureBucket {
  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id, {
      dataClass: 'access-logs',
      bucketName: props.bucketName,
      lifecycleRules: [
        {
          id: 'expire-after-retention',
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });

    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ServerAccessLogsOfCellBuckets',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.arnForObjects(`${props.acceptLogsFromBucketsPrefixed}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${Stack.of(this).partition}:s3:::${props.acceptLogsFromBucketsPrefixed}*` },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );

    const sseS3 =
      'AWS server access log and load balancer log delivery only writes to buckets encrypted with SSE-S3 (AES-256, ' +
      'AWS-managed keys); a customer-managed KMS key would make delivery fail. The bucket holds request metadata only.';
    acknowledge(this, 'HIPAA.Security-S3DefaultEncryptionKMS', sseS3);
    acknowledge(this, 'NIST.800.53.R5-S3DefaultEncryptionKMS', sseS3);
    const noSelfLogging =
      'This is the access-log bucket: logging its own access into itself would create a log record for every log ' +
      'delivery, without end. Changes to it are recorded by CloudTrail management events.';
    acknowledge(this, 'AwsSolutions-S1', noSelfLogging);
    acknowledge(this, 'HIPAA.Security-S3BucketLoggingEnabled', noSelfLogging);
    acknowledge(this, 'NIST.800.53.R5-S3BucketLoggingEnabled', noSelfLogging);
    const noReplication =
      'Access logs are regional request metadata. The authoritative audit record of every PHI object access is ' +
      'CloudTrail data events, which are kept in the Object Lock audit archive and replicated to the DR region.';
    acknowledge(this, 'HIPAA.Security-S3BucketReplicationEnabled', noReplication);
    acknowledge(this, 'NIST.800.53.R5-S3BucketReplicationEnabled', noReplication);
  }
}
