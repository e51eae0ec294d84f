import { Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { TenantConfig } from '../config';
import { PhiBucket, TENANT_TAG } from '../constructs/phi-bucket';
import { PlatformKey } from '../constructs/platform-key';
import { replicateToDisasterRecovery } from '../constructs/dr-replication';
import { ScopedRole } from '../constructs/scoped-role';
import { clinicDatabaseUser } from '../database/plan';
import {
  accessLogBucketName,
  breakGlassRoleName,
  deployPathRoleArns,
  credentialBrokerRoleName,
  keyAliasName,
  phiBucketName,
  PROTECTED_ROLE_TAG,
  roleArn,
  tenantAccessRoleName,
  tenantReplicationRoleName,
} from '../naming';
import { CellStack, CellStackProps } from './cell-stack';

export interface TenantStackProps extends CellStackProps {
  readonly tenant: TenantConfig;
  /**
   * The cell database's resource id (`DbiResourceId`): the tenant role may connect to it as the
   * clinic's database user only. @default - no database access (the DR replica stack)
   */
  readonly databaseResourceId?: string;
  /**
   * The cell's VPC in this region: the tenant access role reaches the PHI only from it.
   * @default - no cell network in this region (the DR replica stack): the tenant access role is denied there
   */
  readonly sourceVpcId?: string;
}

type PhiKind = 'rec' | 'txt';

/** The PHI kinds a tenant stores: transcripts always, recordings unless the clinic opted out. */
export function phiKindsOf(tenant: TenantConfig): PhiKind[] {
  return tenant.recordings.enabled ? ['rec', 'txt'] : ['txt'];
}

function retentionDaysOf(tenant: TenantConfig, kind: PhiKind): number {
  if (kind === 'txt') return tenant.transcripts.retentionDays;
  // phiKindsOf never yields 'rec' for a clinic whose recordings are off.
  if (!tenant.recordings.enabled) throw new Error(`tenant ${tenant.id} keeps no recordings`);
  return tenant.recordings.retentionDays;
}

const KIND_IDS: Record<PhiKind, string> = { rec: 'Recordings', txt: 'Transcripts' };

/** The roles that may touch a tenant's PHI at all, by ARN: its access role, its replication role, break-glass. */
function allowedRoleArns(stack: CellStack, tenantId: string): string[] {
  return [
    roleArn(stack, tenantAccessRoleName(stack, tenantId)),
    roleArn(stack, tenantReplicationRoleName(stack, tenantId)),
    roleArn(stack, breakGlassRoleName(stack)),
  ];
}

/**
 * The roles that reach a tenant's PHI only from the cell's network: its access role. Exempt by name:
 * the replication role (S3 itself acts with it) and break-glass (incident access, alerted).
 */
function networkBoundRoleArns(stack: CellStack, tenantId: string): string[] {
  return [roleArn(stack, tenantAccessRoleName(stack, tenantId))];
}

/**
 * One tenant's PHI storage in the cell's primary region: its own KMS key, a bucket each for call
 * recordings (unless opted out) and transcripts, its access role, and replication of every object
 * to the tenant's replica stack in the DR region, encrypted there with the tenant's DR key.
 */
export class TenantStack extends CellStack {
  public readonly tenant: TenantConfig;
  public readonly key: PlatformKey;
  public readonly accessRole: ScopedRole;
  public readonly buckets: Partial<Record<PhiKind, PhiBucket>> = {};

  constructor(scope: Construct, id: string, props: TenantStackProps) {
    super(scope, id, { description: `PHI storage of tenant ${props.tenant.id} in cell ${props.cell.id}`, ...props });
    this.tenant = props.tenant;
    const tenantId = this.tenant.id;
    Tags.of(this).add(TENANT_TAG, tenantId);

    this.key = new PlatformKey(this, 'TenantKey', {
      alias: keyAliasName(this, `tenant-${tenantId}`),
      description: `Encrypts the PHI of tenant ${tenantId} in cell ${this.cell.id}`,
      protectFromDisabling: true,
    });
    this.key.allowUseByRoles('OnlyThisTenantsRolesThroughS3', allowedRoleArns(this, tenantId), 's3');
    this.key.denyOutsideNetwork('TenantRoleOnlyFromTheCellNetwork', networkBoundRoleArns(this, tenantId), props.sourceVpcId);

    // Only the cell's credential broker (for one call, naming the call as source identity) and break-glass may assume the tenant role.
    // The account with aws:PrincipalArn, not the role ARNs: a trust naming a role ARN fails while that role does not exist yet.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceidentity
    const broker = roleArn(this, credentialBrokerRoleName(this));
    this.accessRole = new ScopedRole(this, 'AccessRole', {
      roleName: tenantAccessRoleName(this, tenantId),
      description: `Reads and writes the PHI of tenant ${tenantId} only`,
      assumedBy: new iam.AccountRootPrincipal().withConditions({
        ArnEquals: { 'aws:PrincipalArn': broker },
        Null: { 'sts:SourceIdentity': 'false' },
      }),
    });
    this.accessRole.assumeRolePolicy!.addStatements(
      new iam.PolicyStatement({
        sid: 'BrokerTagsTheSessionWithTheCall',
        actions: ['sts:TagSession', 'sts:SetSourceIdentity'],
        principals: [new iam.AccountRootPrincipal()],
        conditions: { ArnEquals: { 'aws:PrincipalArn': broker } },
      }),
      new iam.PolicyStatement({
        sid: 'BreakGlass',
        actions: ['sts:AssumeRole'],
        principals: [new iam.AccountRootPrincipal()],
        conditions: { ArnEquals: { 'aws:PrincipalArn': roleArn(this, breakGlassRoleName(this)) } },
      }),
    );
    const replicationRole = new ScopedRole(this, 'ReplicationRole', {
      roleName: tenantReplicationRoleName(this, tenantId),
      description: `Replicates the PHI of tenant ${tenantId} to the cell's DR region`,
      // No condition: S3's documented replication trust has none; only this account can pass the role
      // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html).
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
    });

    for (const role of [this.accessRole, replicationRole]) Tags.of(role).add(PROTECTED_ROLE_TAG, 'true');

    const accessLogs = s3.Bucket.fromBucketName(this, 'AccessLogs', accessLogBucketName(this, this.region));
    for (const kind of phiKindsOf(this.tenant)) {
      const bucket = new PhiBucket(this, KIND_IDS[kind], {
        bucketName: phiBucketName(this, tenantId, kind),
        tenantId,
        encryptionKey: this.key,
        retentionDays: retentionDaysOf(this.tenant, kind),
        terminationDate: this.tenant.offboarding?.terminationDate,
        serverAccessLogsBucket: accessLogs,
        allowedRoleArns: allowedRoleArns(this, tenantId),
        deployPathRoleArns: deployPathRoleArns(this),
        networkBoundRoleArns: networkBoundRoleArns(this, tenantId),
        sourceVpcId: props.sourceVpcId,
      });
      this.buckets[kind] = bucket;
      this.grantTenantAccess(bucket);
      this.replicate(bucket, kind, replicationRole);
    }
    this.accessRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } },
      }),
    );
    if (props.databaseResourceId) {
      // IAM database authentication as this clinic's database user, whom row-level security confines to its rows.
      // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
      this.accessRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['rds-db:connect'],
          resources: [
            `arn:${this.partition}:rds-db:${this.region}:${this.account}:dbuser:${props.databaseResourceId}/${clinicDatabaseUser(tenantId)}`,
          ],
        }),
      );
    }
    const objectAccess =
      'The tenant role reads and writes objects of its own buckets only; object keys are chosen by the voice service ' +
      'per call, so the policy names each bucket\'s objects as bucket/*.';
    for (const bucket of Object.values(this.buckets)) {
      const logicalId = this.getLogicalId(bucket!.node.defaultChild as s3.CfnBucket);
      acknowledge(this.accessRole.node.findChild('Permissions'), `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/*]`, objectAccess);
    }
  }

  private grantTenantAccess(bucket: PhiBucket): void {
    this.accessRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [bucket.arnForObjects('*')],
      }),
    );
    this.accessRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  }

  /** Replicates one bucket to its replica in the DR region, encrypted with the tenant's DR key. */
  private replicate(bucket: PhiBucket, kind: PhiKind, role: ScopedRole): void {
    replicateToDisasterRecovery({
      source: bucket,
      sourceKey: this.key,
      destinationBucketName: phiBucketName(this, this.tenant.id, kind, true),
      destinationRegion: this.cell.drRegion,
      destinationKeyAlias: keyAliasName(this, `tenant-${this.tenant.id}`),
      role,
      ruleId: `${kind}-to-dr`,
    });
  }
}

/**
 * One tenant's replicas in the cell's DR region: the tenant's DR key (same alias) and a replica
 * bucket for each primary bucket, with the same retention, offboarding and access rules.
 */
export class TenantReplicaStack extends CellStack {
  public readonly key: PlatformKey;
  public readonly buckets: Partial<Record<PhiKind, PhiBucket>> = {};

  constructor(scope: Construct, id: string, props: TenantStackProps) {
    super(scope, id, {
      description: `DR replica of the PHI of tenant ${props.tenant.id} in cell ${props.cell.id}`,
      env: { account: props.cell.account, region: props.cell.drRegion },
      ...props,
    });
    const { tenant } = props;
    Tags.of(this).add(TENANT_TAG, tenant.id);

    this.key = new PlatformKey(this, 'TenantKey', {
      alias: keyAliasName(this, `tenant-${tenant.id}`),
      description: `Encrypts the DR replica of the PHI of tenant ${tenant.id} in cell ${this.cell.id}`,
      protectFromDisabling: true,
    });
    this.key.allowUseByRoles('OnlyThisTenantsRolesThroughS3', allowedRoleArns(this, tenant.id), 's3');
    // The cell has no network in its DR region: the tenant access role has no business here until a failover deploy.
    this.key.denyOutsideNetwork('TenantRoleHasNoNetworkHere', networkBoundRoleArns(this, tenant.id));

    const accessLogs = s3.Bucket.fromBucketName(this, 'AccessLogs', accessLogBucketName(this, this.region));
    for (const kind of phiKindsOf(tenant)) {
      const bucket = new PhiBucket(this, KIND_IDS[kind], {
        bucketName: phiBucketName(this, tenant.id, kind, true),
        tenantId: tenant.id,
        encryptionKey: this.key,
        retentionDays: retentionDaysOf(tenant, kind),
        terminationDate: tenant.offboarding?.terminationDate,
        serverAccessLogsBucket: accessLogs,
        allowedRoleArns: allowedRoleArns(this, tenant.id),
        deployPathRoleArns: deployPathRoleArns(this),
        networkBoundRoleArns: networkBoundRoleArns(this, tenant.id),
      });
      this.buckets[kind] = bucket;
      const isReplica =
        'This bucket is the disaster-recovery replica of the tenant\'s primary bucket, inside the same jurisdiction; ' +
        'replicating it again would place PHI in a third region.';
      acknowledge(bucket, 'HIPAA.Security-S3BucketReplicationEnabled', isReplica);
      acknowledge(bucket, 'NIST.800.53.R5-S3BucketReplicationEnabled', isReplica);
    }
  }
}
