import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledge } from '../compliance/acknowledge';
import { ScopedRole } from './scoped-role';

export interface DrReplicationProps {
  /** The bucket whose every object is copied. */
  readonly source: s3.Bucket;
  /** The key that encrypts the source bucket. */
  readonly sourceKey: kms.IKey;
  /** The replica's deterministic name (lib/naming.ts). */
  readonly destinationBucketName: string;
  /** The cell's DR region, inside the same jurisdiction. */
  readonly destinationRegion: string;
  /** Alias of the replica's key in the DR region, without `alias/`: the key is known only by alias across regions. */
  readonly destinationKeyAlias: string;
  /** The role S3 assumes to replicate; it may serve several buckets. */
  readonly role: ScopedRole;
  readonly ruleId: string;
  /**
   * Also read Object Lock retention and legal holds, so that replicas keep them.
   * @default false
   */
  readonly objectLock?: boolean;
}

/**
 * Replicates every object of a bucket to its replica in the DR region, encrypted there with the
 * DR key, and nowhere else; delete markers are not replicated, so a deletion in the primary region
 * never removes the DR copy. Grants the replication role exactly what S3 replication needs.
 */
export function replicateToDisasterRecovery(props: DrReplicationProps): void {
  const { source, role, destinationRegion } = props;
  const stack = Stack.of(source);
  const { partition, account } = stack;
  const destinationArn = `arn:${partition}:s3:::${props.destinationBucketName}`;
  const destinationKeyAlias = `alias/${props.destinationKeyAlias}`;
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
      resources: [`${destinationArn}/*`],
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
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [`arn:${partition}:kms:${destinationRegion}:${account}:key/*`],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${destinationRegion}.amazonaws.com` },
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': destinationKeyAlias },
        StringLike: context(destinationArn),
      },
    }),
  );

  (source.node.defaultChild as s3.CfnBucket).replicationConfiguration = {
    role: role.roleArn,
    rules: [
      {
        id: props.ruleId,
        status: 'Enabled',
        priority: 1,
        filter: { prefix: '' },
        deleteMarkerReplication: { status: 'Disabled' },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
        destination: {
          bucket: destinationArn,
          encryptionConfiguration: { replicaKmsKeyId: `arn:${partition}:kms:${destinationRegion}:${account}:${destinationKeyAlias}` },
        },
      },
    ],
  };

  const permissions = role.node.findChild('Permissions');
  const sourceLogicalId = stack.getLogicalId(source.node.defaultChild as s3.CfnBucket);
  acknowledge(
    permissions,
    `AwsSolutions-IAM5[Resource::<${sourceLogicalId}.Arn>/*]`,
    'S3 replication reads every object version of this one source bucket, so its objects are named as bucket/*.',
  );
  acknowledge(
    permissions,
    `AwsSolutions-IAM5[Resource::${destinationArn}/*]`,
    'S3 replication writes every object version into this one replica bucket in the DR region, named by its deterministic name.',
  );
  acknowledge(
    permissions,
    `AwsSolutions-IAM5[Resource::arn:${partition}:kms:${destinationRegion}:${account}:key/*]`,
    'The replica key in the DR region is known only by its alias across regions, so its ARN is key/* narrowed by kms:ResourceAliases to that alias, kms:ViaService S3 in the DR region and the replica bucket encryption context.',
  );
}
