import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledge } from '../compliance/acknowledge';
import { ScopedRole } from './scoped-role';

/** Where one replication rule copies every object to. */
export interface ReplicationDestination {
  readonly ruleId: string;
  /** The destination's deterministic name (lib/naming.ts). */
  readonly bucketName: string;
  /** The destination's region: the source's, or the cell's DR region inside the same jurisdiction. */
  readonly region: string;
  /**
   * The destination's key: a key of the source's stack, or, in another region, the alias (without
   * `alias/`) by which the key is known there, since its ARN is not.
   */
  readonly key: kms.IKey | { readonly alias: string };
}

export interface BucketReplicationProps {
  /** The bucket whose every object is copied. */
  readonly source: s3.Bucket;
  /** The key that encrypts the source bucket. */
  readonly sourceKey: kms.IKey;
  /** The role S3 assumes to replicate; it may serve several buckets. */
  readonly role: ScopedRole;
  /** Every destination gets every object, by one rule each. */
  readonly destinations: readonly ReplicationDestination[];
  /**
   * Publish S3 replication metrics per rule (`OperationsFailedReplication`, ...), for an alarm.
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html
   * @default false
   */
  readonly metrics?: boolean;
  /**
   * Also read Object Lock retention and legal holds: required when a destination has Object Lock
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-replication).
   * @default false
   */
  readonly objectLock?: boolean;
}

export interface DrReplicationProps {
  readonly source: s3.Bucket;
  readonly sourceKey: kms.IKey;
  /** The replica's deterministic name (lib/naming.ts). */
  readonly destinationBucketName: string;
  /** The cell's DR region, inside the same jurisdiction. */
  readonly destinationRegion: string;
  /** Alias of the replica's key in the DR region, without `alias/`: the key is known only by alias across regions. */
  readonly destinationKeyAlias: string;
  readonly role: ScopedRole;
  readonly ruleId: string;
  /** @default false */
  readonly objectLock?: boolean;
}

/** Replicates every object of a bucket to its replica in the DR region (one destination of `replicateBucket`). */
export function replicateToDisasterRecovery(props: DrReplicationProps): void {
  replicateBucket({
    source: props.source,
    sourceKey: props.sourceKey,
    role: props.role,
    objectLock: props.objectLock,
    destinations: [
      { ruleId: props.ruleId, bucketName: props.destinationBucketName, region: props.destinationRegion, key: { alias: props.destinationKeyAlias } },
    ],
  });
}

/**
 * Replicates every object of a bucket to each destination, encrypted there with the destination's
 * key, and nowhere else; delete markers are not replicated, so a deletion in the source never
 * removes a copy. Grants the replication role exactly what S3 replication needs.
 */
export function replicateBucket(props: BucketReplicationProps): void {
  const { source, role, destinations } = props;
  const stack = Stack.of(source);
  const { partition, account } = stack;
  const destinationArn = (d: ReplicationDestination) => `arn:${partition}:s3:::${d.bucketName}`;
  // With S3 Bucket Keys the encryption context is the bucket ARN; without, the object ARN.
  const context = (bucketArn: string) => ({ 'kms:EncryptionContext:aws:s3:arn': [bucketArn, `${bucketArn}/*`] });

  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'], resources: [source.bucketArn] }));
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: [
        's3:GetObjectVersionForReplication',
        's3:GetObjectVersionAcl',
        's3:GetObjectVersionTagging',
        ...(props.objectLock ? ['s3:GetObjectRetention', 's3:GetObjectLegalHold'] : []),
      ],
      resources: [source.arnForObjects('*')],
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
      resources: destinations.map((d) => `${destinationArn(d)}/*`),
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [props.sourceKey.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
        StringLike: context(source.bucketArn),
      },
    }),
  );
  for (const d of destinations) {
    const viaS3There = { 'kms:ViaService': `s3.${d.region}.amazonaws.com` };
    role.addToPolicy(
      'alias' in d.key
        ? new iam.PolicyStatement({
            actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
            resources: [`arn:${partition}:kms:${d.region}:${account}:key/*`],
            conditions: {
              StringEquals: viaS3There,
              'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${d.key.alias}` },
              StringLike: context(destinationArn(d)),
            },
          })
        : new iam.PolicyStatement({
            actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
            resources: [d.key.keyArn],
            conditions: { StringEquals: viaS3There, StringLike: context(destinationArn(d)) },
          }),
    );
  }

  (source.node.defaultChild as s3.CfnBucket).replicationConfiguration = {
    role: role.roleArn,
    rules: destinations.map((d, i) => ({
      id: d.ruleId,
      status: 'Enabled',
      // Rules to different destinations all apply; priorities only need to be distinct.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-add-config.html
      priority: destinations.length - i,
      filter: { prefix: '' },
      deleteMarkerReplication: { status: 'Disabled' },
      sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
      destination: {
        bucket: destinationArn(d),
        ...(props.metrics ? { metrics: { status: 'Enabled' } } : {}),
        encryptionConfiguration: {
          replicaKmsKeyId: 'alias' in d.key ? `arn:${partition}:kms:${d.region}:${account}:alias/${d.key.alias}` : d.key.keyArn,
        },
      },
    })),
  };

  const permissions = role.node.findChild('Permissions');
  const sourceLogicalId = stack.getLogicalId(source.node.defaultChild as s3.CfnBucket);
  acknowledge(
    permissions,
    `AwsSolutions-IAM5[Resource::<${sourceLogicalId}.Arn>/*]`,
    'S3 replication reads every object version of this one source bucket, so its objects are named as bucket/*.',
  );
  for (const d of destinations) {
    acknowledge(
      permissions,
      `AwsSolutions-IAM5[Resource::${destinationArn(d)}/*]`,
      d.region === stack.region
        ? 'S3 replication writes every object version into this one destination bucket, named by its deterministic name.'
        : 'S3 replication writes every object version into this one replica bucket in the DR region, named by its deterministic name.',
    );
    if ('alias' in d.key) {
      acknowledge(
        permissions,
        `AwsSolutions-IAM5[Resource::arn:${partition}:kms:${d.region}:${account}:key/*]`,
        'The replica key in the DR region is known only by its alias across regions, so its ARN is key/* narrowed by kms:ResourceAliases to that alias, kms:ViaService S3 in the DR region and the replica bucket encryption context.',
      );
    }
  }
}
