import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CfnResource, Lazy } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { acknowledge, acknowledgeTemplateWarning } from '../compliance/acknowledge';
import { DnsFirewall } from '../constructs/dns-firewall';
import { EncryptedLogGroup } from '../constructs/encrypted-log-group';
import { guardDutyFargateAgentAccount } from '../constructs/guardduty-detector';
import { ScopedRole } from '../constructs/scoped-role';
import { cellPrefix } from '../naming';
import { CellStack, CellStackProps } from './cell-stack';

export interface NetworkStackProps extends CellStackProps {
  /** Encrypts the flow log group. */
  readonly logsKey: kms.IKey;
  /** The host names of the sub-processors the cell's voice service uses: the only internet names its DNS firewall answers. */
  readonly subProcessorDomains: readonly string[];
}

/** Subnet group names, for stacks that place resources into them. */
export const SUBNETS = {
  /** Internet-facing load balancer only. */
  ingress: 'Ingress',
  /** The voice service; reaches the internet through NAT. */
  service: 'Service',
  /** The database; no route to the internet at all. */
  database: 'Database',
} as const;

/** AWS APIs reached through private endpoints, so that calls carrying PHI never cross the internet. */
const INTERFACE_ENDPOINTS: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
  Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  Sts: ec2.InterfaceVpcEndpointAwsService.STS,
  // The voice service invokes the credential broker without leaving the VPC.
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-endpoints.html
  Lambda: ec2.InterfaceVpcEndpointAwsService.LAMBDA,
};

/**
 * What the S3 gateway endpoint admits: buckets of this account, and the AWS-owned bucket that holds
 * ECR image layers in this region (the voice image and the GuardDuty agent are pulled through it).
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html#edit-vpc-endpoint-policy-s3
 */
export function s3EndpointPolicy(account: string, region: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'BucketsOfThisAccount',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:ResourceAccount': account } },
    }),
    new iam.PolicyStatement({
      sid: 'EcrImageLayers',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject'],
      resources: [`arn:aws:s3:::prod-${region}-starport-layer-bucket/*`],
    }),
    // A custom resource in the VPC (the database migrations) answers CloudFormation by a PUT to the
    // presigned ResponseURL, in an AWS-owned bucket per region.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
    new iam.PolicyStatement({
      sid: 'CloudFormationCustomResourceResponses',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [`arn:aws:s3:::cloudformation-custom-resource-response-${region.replace(/-/g, '')}/*`],
    }),
  ];
}

/** Calls with no resource of their own, which aws:ResourceAccount cannot match: allowed to this account's principals only. */
const RESOURCELESS_ACTIONS: Record<string, string[]> = {
  // https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
  EcrApi: ['ecr:GetAuthorizationToken'],
  // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
  Sts: ['sts:GetCallerIdentity'],
};

/**
 * What an interface endpoint admits: resources of this account (aws:ResourceAccount), resourceless
 * calls of this account's principals, and for the ECR endpoints the AWS-owned repository of the
 * GuardDuty runtime agent in this region.
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
 */
export function interfaceEndpointPolicy(name: string, account: string, region: string): iam.PolicyStatement[] {
  const statements = [
    new iam.PolicyStatement({
      sid: 'ResourcesOfThisAccount',
      principals: [new iam.AnyPrincipal()],
      actions: ['*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:ResourceAccount': account } },
    }),
  ];
  if (RESOURCELESS_ACTIONS[name]) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'ResourcelessCallsOfThisAccount',
        principals: [new iam.AnyPrincipal()],
        actions: RESOURCELESS_ACTIONS[name],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:PrincipalAccount': account } },
      }),
    );
  }
  if (name === 'EcrApi' || name === 'EcrDocker') {
    statements.push(
      new iam.PolicyStatement({
        sid: 'GuardDutyRuntimeAgentImage',
        principals: [new iam.AnyPrincipal()],
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [`arn:aws:ecr:${region}:${guardDutyFargateAgentAccount(region)}:repository/aws-guardduty-agent-fargate`],
      }),
    );
  }
  return statements;
}

/**
 * The cell's VPC over its configured availability zones: public subnets for the load balancer,
 * private subnets with NAT egress for services, isolated subnets for the database, all traffic
 * recorded in flow logs, the default security group closed, and private endpoints for AWS APIs.
 */
export class NetworkStack extends CellStack {
  public readonly vpc: ec2.Vpc;
  /** All VPC traffic, kept for the audit retention. */
  public readonly flowLogGroup: EncryptedLogGroup;
  /** The interface endpoints' group: HTTPS from inside the VPC. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  /** Resolves only the declared sub-processors' and the cell's AWS names. */
  public readonly dnsFirewall: DnsFirewall;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, { description: `VPC, flow logs and private AWS endpoints of cell ${props.cell.id}`, ...props });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(this.cell.vpcCidr),
      // Explicit zones from config: synth never looks up the account's zones.
      availabilityZones: this.cell.availabilityZones,
      natGateways: this.cell.natGateways,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: SUBNETS.ingress, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: SUBNETS.service, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: SUBNETS.database, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });

    const flowLogGroup = (this.flowLogGroup = new EncryptedLogGroup(this, 'FlowLogs', {
      logClass: 'security',
      retention: this.cell.retention,
      encryptionKey: props.logsKey,
    }));
    const flowLogRole = new ScopedRole(this, 'FlowLogRole', {
      description: 'Lets VPC Flow Logs of this account deliver to the cell flow log group',
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:ec2:${this.region}:${this.account}:vpc-flow-log/*` },
        },
      }),
    });
    new ec2.FlowLog(this, 'FlowLog', {
      resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogRole),
      trafficType: ec2.FlowLogTrafficType.ALL,
      maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.ONE_MINUTE,
    });

    this.dnsFirewall = new DnsFirewall(this, 'DnsFirewall', {
      vpc: this.vpc,
      subProcessorDomains: props.subProcessorDomains,
      logsKey: props.logsKey,
      retention: this.cell.retention,
      namePrefix: cellPrefix(this),
    });

    const s3Endpoint = this.vpc.addGatewayEndpoint('S3Endpoint', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    for (const statement of s3EndpointPolicy(this.account, this.region)) s3Endpoint.addToPolicy(statement);
    // One group for all interface endpoints: HTTPS from inside the VPC only, nothing outbound.
    // The CIDR is the literal from config so that the compliance rules can read it.
    const endpointSecurityGroup = (this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'AWS API interface endpoints: HTTPS from inside the VPC only',
      allowAllOutbound: false,
    }));
    endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(this.cell.vpcCidr), ec2.Port.tcp(443), 'HTTPS from inside the VPC');
    for (const [name, service] of Object.entries(INTERFACE_ENDPOINTS)) {
      const endpoint = this.vpc.addInterfaceEndpoint(`${name}Endpoint`, {
        service,
        privateDnsEnabled: true,
        open: false,
        securityGroups: [endpointSecurityGroup],
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      });
      for (const statement of interfaceEndpointPolicy(name, this.account, this.region)) endpoint.addToPolicy(statement);
    }

    // Closing the default security group needs an API call that CloudFormation has no resource for;
    // aws-cdk-lib does it with a provider function that runs only while this stack deploys.
    const provider = this.node.findChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    this.ownDefaultSecurityGroupProvider(provider, props.logsKey);
    acknowledge(
      provider.node.findChild('Handler'),
      'VoicePlatform-NoHiddenFunctionOrRole',
      'aws-cdk-lib provider that removes every rule from the VPC default security group during deployment ' +
        '(no resource can use it afterwards). It runs only on stack create and update, handles no PHI, and is not reachable from the network.',
    );
    acknowledge(
      provider.node.findChild('Role'),
      'VoicePlatform-NoHiddenFunctionOrRole',
      'Role of the aws-cdk-lib provider that closes the default security group: it may only authorize and revoke ' +
        'ingress and egress rules of this VPC\'s default security group, named by ARN in its policy.',
    );

    for (const subnet of [...this.vpc.publicSubnets, ...this.vpc.privateSubnets, ...this.vpc.isolatedSubnets]) {
      acknowledgeTemplateWarning(
        subnet,
        'W3010',
        'Availability zones come from config on purpose: synthesis is offline and deterministic (no lookups), and config validation checks each zone belongs to the cell\'s primary region.',
      );
    }

    for (const subnet of this.vpc.publicSubnets) {
      const route = subnet.node.findChild('DefaultRoute');
      const reason =
        'A route to the internet gateway is what makes this subnet public. Public subnets hold only the ' +
        'TLS-only internet-facing load balancer and the NAT gateways; the voice service runs in private ' +
        'subnets and the database in isolated subnets without any route to the internet.';
      acknowledge(route, 'HIPAA.Security-VPCNoUnrestrictedRouteToIGW', reason);
      acknowledge(route, 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW', reason);
    }
  }

  /**
   * Keeps aws-cdk-lib's default-security-group provider inside our own rules rather than replacing
   * it (no CloudFormation resource can remove the default group's rules): its logs go to an
   * encrypted log group of ours with operational retention, named in the function's logging
   * configuration, instead of a group Lambda would create at run time, unencrypted and kept forever
   * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html); and its
   * permissions move from an inline policy and AWSLambdaBasicExecutionRole into one customer-managed
   * policy, so that the cell's own Config rules (encrypted log groups, retention, no inline policies)
   * find nothing to report.
   */
  private ownDefaultSecurityGroupProvider(provider: IConstruct, logsKey: kms.IKey): void {
    const handler = provider.node.findChild('Handler') as CfnResource;
    const role = provider.node.findChild('Role') as CfnResource;
    const logs = new EncryptedLogGroup(this, 'DefaultSecurityGroupProviderLogs', {
      logClass: 'operational',
      retention: this.cell.retention,
      encryptionKey: logsKey,
    });
    handler.addPropertyOverride('LoggingConfig', { LogGroup: logs.logGroupName, LogFormat: 'JSON' });
    handler.addResourceDependency(logs.node.defaultChild as CfnResource);

    // The provider's own statements, read when the template is written (they are added through a Lazy).
    const rolePolicies = () =>
      (this.resolve((role as unknown as { _cfnProperties: { Policies?: unknown } })._cfnProperties.Policies) ?? []) as Array<{
        PolicyDocument: { Statement: unknown[] };
      }>;
    const permissions = new iam.CfnManagedPolicy(this, 'DefaultSecurityGroupProviderPermissions', {
      description: 'Closes the default security group of this VPC and writes the provider function\'s logs; nothing else',
      policyDocument: Lazy.any({
        produce: () => ({
          Version: '2012-10-17',
          Statement: [
            ...rolePolicies().flatMap((p) => p.PolicyDocument.Statement),
            { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logs.logGroupArn },
          ],
        }),
      }),
      roles: [role.ref],
    });
    // Attached by the policy's Roles (a reference back from the role would be a cycle); the role keeps no other policy.
    role.addPropertyDeletionOverride('Policies');
    role.addPropertyDeletionOverride('ManagedPolicyArns');
    // The function runs during this deploy: its permissions must be attached before it is created.
    handler.addResourceDependency(permissions);
  }
}
