import { Stage, StageProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PermissionsBoundary } from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { CellConfig, endpointsFor, PlatformConfig, SubProcessorConfig, TenantConfig } from './config';
import { roleBoundaryPolicyName } from './naming';
import { AccessStack } from './stacks/access-stack';
import { AuditStack } from './stacks/audit-stack';
import { DataStack } from './stacks/data-stack';
import { DetectionStack } from './stacks/detection-stack';
import { DisasterRecoveryStack } from './stacks/disaster-recovery-stack';
import { KeysStack } from './stacks/keys-stack';
import { NetworkStack } from './stacks/network-stack';
import { RegistryStack } from './stacks/registry-stack';
import { TenantReplicaStack, TenantStack } from './stacks/tenant-stacks';
import { VoiceStack } from './stacks/voice-stack';

export interface CellStageProps extends StageProps {
  readonly platform: PlatformConfig['platform'];
  readonly cell: CellConfig;
  /** The tenants placed in this cell. */
  readonly tenants: readonly TenantConfig[];
  /** The sub-processors this cell's voice service uses (config `cells[].subProcessors`). */
  readonly subProcessors: readonly SubProcessorConfig[];
}

/**
 * One cell: every stack of one region deployment, named by the cell id, so that
 * `cdk deploy '<cell>/*'` deploys exactly this cell into its own account and region.
 */
export class CellStage extends Stage {
  /** The CellStage a construct belongs to, if any. */
  public static of(construct: IConstruct): CellStage | undefined {
    let current: IConstruct | undefined = construct;
    while (current) {
      if (current instanceof CellStage) return current;
      current = current.node.scope;
    }
    return undefined;
  }

  public readonly cell: CellConfig;
  public readonly platform: PlatformConfig['platform'];
  public readonly tenants: readonly TenantConfig[];
  public readonly subProcessors: readonly SubProcessorConfig[];
  public readonly keys: KeysStack;
  public readonly network: NetworkStack;
  public readonly detection: DetectionStack;
  public readonly disasterRecovery: DisasterRecoveryStack;
  public readonly audit: AuditStack;
  public readonly data: DataStack;
  public readonly tenantStacks: TenantStack[] = [];
  public readonly registry: RegistryStack;
  public readonly voice: VoiceStack;
  public readonly access: AccessStack;

  constructor(scope: Construct, props: CellStageProps) {
    const { cell, platform } = props;
    super(scope, cell.id, { env: { account: cell.account, region: cell.primaryRegion }, ...props });
    this.cell = cell;
    this.platform = platform;
    this.tenants = props.tenants;
    this.subProcessors = props.subProcessors;

    // Ids and classifications only: tags are not covered by a BAA and never carry PHI.
    Tags.of(this).add('platform', platform.id);
    Tags.of(this).add('cell', cell.id);
    Tags.of(this).add('jurisdiction', cell.jurisdiction);
    Tags.of(this).add('data-classification', cell.carriesPhi ? 'phi' : 'internal');

    const common = { platform, cell };
    this.keys = new KeysStack(this, 'Keys', common);
    this.network = new NetworkStack(this, 'Network', {
      ...common,
      logsKey: this.keys.logs,
      subProcessorDomains: props.subProcessors.flatMap((sp) => endpointsFor(sp, cell.jurisdiction)),
    });
    this.disasterRecovery = new DisasterRecoveryStack(this, 'DisasterRecovery', common);
    this.audit = new AuditStack(this, 'Audit', {
      ...common,
      auditKey: this.keys.audit,
      logsKey: this.keys.logs,
      secretsKey: this.keys.secrets,
    });
    this.audit.siem.subscribe(this.network.flowLogGroup, 'vpc-flow-logs');
    // Replication names the DR archive and key by name: they must exist before the primary archive.
    this.audit.addStackDependency(this.disasterRecovery, 'the audit archive replicates into the DR archive');
    this.detection = new DetectionStack(this, 'Detection', { ...common, trailLogGroup: this.audit.trailLogGroup, auditKey: this.keys.audit });
    // AWS Config test-writes to its history bucket when the delivery channel is created.
    this.detection.addStackDependency(this.audit, 'AWS Config delivers to the config history bucket');
    this.data = new DataStack(this, 'Data', {
      ...common,
      vpc: this.network.vpc,
      databaseKey: this.keys.database,
      secretsKey: this.keys.secrets,
      backupKey: this.keys.backup,
      logsKey: this.keys.logs,
      tenants: props.tenants,
    });
    // Recovery points are copied into the DR vault by name.
    this.data.addStackDependency(this.disasterRecovery, 'backups are copied into the DR backup vault');
    this.audit.siem.subscribe(this.data.databaseAuditLogGroup, 'database-audit');

    this.registry = new RegistryStack(this, 'Registry', common);
    this.voice = new VoiceStack(this, 'Voice', {
      ...common,
      repository: this.registry.repository,
      vpc: this.network.vpc,
      logsKey: this.keys.logs,
      auditKey: this.keys.audit,
      secretsKey: this.keys.secrets,
      accessLogs: this.audit.accessLogs,
      databaseClientSecurityGroup: this.data.databaseClientSecurityGroup,
      endpointSecurityGroup: this.network.endpointSecurityGroup,
      tenants: props.tenants,
    });

    this.audit.siem.subscribe(this.voice.wafLogGroup, 'waf');
    this.audit.siem.subscribe(this.voice.auditLogGroup, 'voice-audit');
    this.access = new AccessStack(this, 'Access', common);

    // One stack per tenant and region keeps every template far below CloudFormation's limits at
    // hundreds of tenants, and lets tenants deploy in parallel.
    for (const tenant of props.tenants) {
      const replica = new TenantReplicaStack(this, `TenantReplica-${tenant.id}`, { ...common, tenant });
      replica.addStackDependency(this.disasterRecovery, 'replica access logs go to the DR access-log bucket');
      const primary = new TenantStack(this, `Tenant-${tenant.id}`, {
        ...common,
        tenant,
        databaseResourceId: this.data.database.instanceResourceId,
        sourceVpcId: this.network.vpc.vpcId,
      });
      primary.addStackDependency(replica, 'objects replicate into the replica buckets');
      primary.addStackDependency(this.audit, 'access logs go to the access-log bucket; the trail records data events');
      this.tenantStacks.push(primary);
    }

    // Every role of the cell is bounded by the policy `npm run bootstrap` creates (README, "Deploys"); deploys need the same boundary.
    // https://docs.aws.amazon.com/cdk/v2/guide/customize-permissions-boundaries.html
    PermissionsBoundary.of(this).apply(
      iam.ManagedPolicy.fromManagedPolicyArn(this.keys, 'RoleBoundary', `arn:aws:iam::${cell.account}:policy/${roleBoundaryPolicyName(common)}`),
    );
  }
}
