import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeProviderCredential } from '../compliance/acknowledge';
import { EncryptedLogGroup } from '../constructs/encrypted-log-group';
import { PlatformKey } from '../constructs/platform-key';
import { ScopedRole } from '../constructs/scoped-role';
import { cellPrefix, roleArn, tenantAccessRoleName, voiceTaskRoleName } from '../naming';
import { CellStack, CellStackProps } from './cell-stack';
import { SUBNETS } from './network-stack';

export interface VoiceStackProps extends CellStackProps {
  readonly vpc: ec2.IVpc;
  readonly logsKey: PlatformKey;
  readonly auditKey: PlatformKey;
  readonly secretsKey: PlatformKey;
  /** The cell's voice image repository (Registry stack). */
  readonly repository: ecr.IRepository;
  /** The cell's access-log bucket, for load balancer access logs. */
  readonly accessLogs: s3.IBucket;
  /** Joining this group lets the service reach the database. */
  readonly databaseClientSecurityGroup: ec2.ISecurityGroup;
}

/** Long-lived WebSocket media streams of a call must not be cut by the load balancer. */
const IDLE_TIMEOUT = Duration.seconds(3600);
/** Non-root user and group the container runs as. */
const CONTAINER_USER = '10001:10001';

/**
 * The voice service of a cell: an ECS Fargate service, running its image by digest, in
 * the private subnets of every zone, and an internet-facing, TLS-only Application Load Balancer
 * with AWS WAF. The service reaches a clinic's data only by assuming that clinic's tenant role.
 */
export class VoiceStack extends CellStack {
  public readonly service: ecs.FargateService;
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly taskRole: ScopedRole;
  public readonly executionRole: ScopedRole;
  /** The service's record of which PHI it read and wrote, for whom. */
  public readonly auditLogGroup: EncryptedLogGroup;
  public readonly wafLogGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: VoiceStackProps) {
    super(scope, id, { description: `Voice service, load balancer and WAF of cell ${props.cell.id}`, ...props });
    const voice = this.cell.voice;
    const prefix = cellPrefix(this);
    const { retention } = this.cell;

    // Logs and secrets ----------------------------------------------------------------------
    const serviceLogs = new EncryptedLogGroup(this, 'ServiceLogs', { logClass: 'operational', retention, encryptionKey: props.logsKey });
    this.auditLogGroup = new EncryptedLogGroup(this, 'AuditLogs', {
      logGroupName: `/${prefix}/voice/audit`,
      logClass: 'audit',
      retention,
      encryptionKey: props.auditKey,
    });
    const clusterName = `${prefix}-voice`;
    // Container Insights writes here; made first so it has our key and retention.
    new EncryptedLogGroup(this, 'ContainerInsightsLogs', {
      logGroupName: `/aws/ecs/containerinsights/${clusterName}/performance`,
      logClass: 'operational',
      retention,
      encryptionKey: props.logsKey,
    });
    const secret = (secretId: string, name: string, description: string) => {
      const s = new secretsmanager.Secret(this, secretId, {
        secretName: `${prefix}/voice/${name}`,
        description,
        encryptionKey: props.secretsKey,
        // The value is put in after the first deploy, so a failed first create removes an empty secret (RetainExceptOnCreate).
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
      const reason =
        'A credential issued by a third-party provider (telephony, model API): only the provider can issue a new one, so no ' +
        'AWS rotation function can rotate it. It is rotated in the provider\'s console and stored here (README: rotate secrets).';
      acknowledgeProviderCredential(s, reason);
      return s;
    };
    const telephonyToken = secret('TelephonyAuthToken', 'telephony-auth-token', 'Auth token that verifies webhooks from the telephony provider');
    const modelApiKey = secret('ModelApiKey', 'model-api-key', 'API key of the speech and language model provider');

    // Roles ---------------------------------------------------------------------------------
    this.executionRole = new ScopedRole(this, 'ExecutionRole', {
      description: 'Pulls the voice image, writes its logs and reads its two secrets; nothing else',
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    this.taskRole = new ScopedRole(this, 'TaskRole', {
      roleName: voiceTaskRoleName(this),
      description: 'The voice service: reaches a clinic\'s data only by assuming that clinic\'s tenant role',
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:ecs:${this.region}:${this.account}:*` },
        },
      }),
    });
    const tenantRoles = roleArn(this, tenantAccessRoleName(this, '*'));
    this.taskRole.addToPolicy(new iam.PolicyStatement({ sid: 'AssumeTenantRolesOfThisCell', actions: ['sts:AssumeRole'], resources: [tenantRoles] }));
    acknowledge(this.taskRole, 'VoicePlatform-NoPathToPhi[all-clinics]', 'The voice task assumes a clinic\'s role for one call; this standing path is removed by issue 13\'s credential broker, which verifies the telephony provider\'s signed request first.');
    this.auditLogGroup.grantWrite(this.taskRole);
    acknowledge(
      this.taskRole.node.findChild('Permissions'),
      `AwsSolutions-IAM5[Resource::${tenantRoles}]`,
      'The service serves every clinic of its cell and must assume each clinic\'s tenant role, including clinics added later; the pattern names only tenant roles of this cell, and each tenant role trusts only this task role.',
    );

    // Cluster, task and service ---------------------------------------------------------------
    const cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName,
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      family: `${prefix}-voice`,
      cpu: voice.cpu,
      memoryLimitMiB: voice.memoryMiB,
      executionRole: this.executionRole,
      taskRole: this.taskRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const linuxParameters = new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true });
    // No capabilities at all: the process cannot raise its privileges.
    linuxParameters.dropCapabilities(ecs.Capability.ALL);
    const container = taskDefinition.addContainer('voice', {
      image: ecs.ContainerImage.fromEcrRepository(props.repository, voice.imageDigest),
      // A hard limit of its own, the task's: ECS stops this container, and says so, when it exceeds it.
      // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_memory
      memoryLimitMiB: voice.memoryMiB,
      user: CONTAINER_USER,
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters,
      essential: true,
      portMappings: [{ containerPort: voice.containerPort, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: serviceLogs, streamPrefix: 'voice', mode: ecs.AwsLogDriverMode.NON_BLOCKING }),
      environment: {
        CELL_ID: this.cell.id,
        TENANT_ROLE_ARN_PATTERN: roleArn(this, tenantAccessRoleName(this, '{tenant}')),
        AUDIT_LOG_GROUP: this.auditLogGroup.logGroupName,
        PORT: String(voice.containerPort),
      },
      secrets: {
        TELEPHONY_AUTH_TOKEN: ecs.Secret.fromSecretsManager(telephonyToken),
        MODEL_API_KEY: ecs.Secret.fromSecretsManager(modelApiKey),
      },
    });
    // A read-only root filesystem still needs somewhere to write temporary files.
    taskDefinition.addVolume({ name: 'tmp' });
    container.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
    // GuardDuty runtime monitoring adds its agent as a sidecar, pulled with this role from AWS's repository.
    const guardDutyAgent = `arn:${this.partition}:ecr:${this.region}:*:repository/aws-guardduty-agent-fargate`;
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PullTheGuardDutyRuntimeAgent',
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        resources: [guardDutyAgent],
      }),
    );
    acknowledge(
      this.executionRole.node.findChild('Permissions'),
      `AwsSolutions-IAM5[Resource::${guardDutyAgent}]`,
      'The GuardDuty runtime agent is published by AWS in a repository of an AWS-owned account that differs by region; the permission names that one repository and only allows pulling images.',
    );
    acknowledge(
      this.executionRole.node.findChild('Permissions'),
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken has no resource-level permissions (AWS documents "*" as its only resource); image pulls themselves are limited to this cell\'s repository.',
    );
    acknowledge(
      taskDefinition,
      'AwsSolutions-ECS2',
      'The environment holds ids and names only (cell id, log group name, the tenant role naming pattern, the port); both credentials come from Secrets Manager as secrets.',
    );

    const serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: props.vpc,
      description: 'Voice service: traffic from the load balancer only; out to HTTPS providers and the database',
      allowAllOutbound: false,
    });
    serviceSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to telephony, model providers and AWS APIs');
    this.service = new ecs.FargateService(this, 'Service', {
      serviceName: `${prefix}-voice`,
      cluster,
      taskDefinition,
      desiredCount: voice.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: { subnetGroupName: SUBNETS.service },
      securityGroups: [serviceSecurityGroup],
      assignPublicIp: false,
      enableExecuteCommand: false,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    // The database-client group (Data stack) is attached here, not through `securityGroups`: the load
    // balancer opens every group CDK knows the service has, and must not touch the database's groups.
    (this.service.node.defaultChild as ecs.CfnService).addPropertyOverride('NetworkConfiguration.AwsvpcConfiguration.SecurityGroups', [
      serviceSecurityGroup.securityGroupId,
      props.databaseClientSecurityGroup.securityGroupId,
    ]);

    // Load balancer -----------------------------------------------------------------------------
    const lbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: 'Voice load balancer: HTTPS (and HTTP for the redirect) in, to the voice service only',
      allowAllOutbound: false,
    });
    const sources = voice.allowedIngressCidrs.length > 0 ? voice.allowedIngressCidrs.map((c) => ec2.Peer.ipv4(c)) : [ec2.Peer.anyIpv4()];
    for (const source of sources) {
      lbSecurityGroup.addIngressRule(source, ec2.Port.tcp(443), 'HTTPS from the telephony provider');
      lbSecurityGroup.addIngressRule(source, ec2.Port.tcp(80), 'HTTP, only redirected to HTTPS');
    }
    if (voice.allowedIngressCidrs.length === 0) {
      acknowledge(
        lbSecurityGroup,
        'AwsSolutions-EC23',
        'The telephony provider calls webhooks and opens media streams from addresses it does not guarantee; port 443 negotiates only TLS 1.3 or 1.2 with modern ciphers (a TLS 1.3 security policy), port 80 only redirects, and AWS WAF filters every request. Config can restrict the sources (voice.allowedIngressCidrs).',
      );
    }
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      loadBalancerName: `${prefix}-voice`,
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetGroupName: SUBNETS.ingress },
      securityGroup: lbSecurityGroup,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: elbv2.DesyncMitigationMode.STRICTEST,
      deletionProtection: true,
      idleTimeout: IDLE_TIMEOUT,
      http2Enabled: true,
    });
    this.loadBalancer.logAccessLogs(props.accessLogs, 'alb');

    const certificate = voice.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', voice.certificateArn)
      : new acm.Certificate(this, 'Certificate', {
          domainName: voice.domainName!,
          validation: acm.CertificateValidation.fromDns(
            route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
              hostedZoneId: voice.hostedZoneId!,
              zoneName: voice.hostedZoneName!,
            }),
          ),
        });
    const https = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      sslPolicy: elbv2.SslPolicy.TLS13_12_PQ,
      certificates: [certificate],
      open: false,
    });
    https.addTargets('Voice', {
      port: voice.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      healthCheck: { path: voice.healthCheckPath, healthyHttpCodes: '200', interval: Duration.seconds(15) },
      deregistrationDelay: Duration.seconds(60),
      stickinessCookieDuration: undefined,
    });
    const redirect = this.loadBalancer.addListener('HttpRedirect', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
    });
    const redirectOnly =
      'This listener only answers every request with a permanent redirect to HTTPS on port 443; it forwards nothing to the service, so no certificate is involved. The HTTPS listener uses an ACM certificate.';
    acknowledge(redirect, 'HIPAA.Security-ELBv2ACMCertificateRequired', redirectOnly);
    acknowledge(redirect, 'NIST.800.53.R5-ELBv2ACMCertificateRequired', redirectOnly);

    const scaling = this.service.autoScaleTaskCount({ minCapacity: voice.minTasks, maxCapacity: voice.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: voice.cpuTargetPercent });
    const targetGroup = https.node.findChild('VoiceGroup') as elbv2.ApplicationTargetGroup;
    scaling.scaleOnRequestCount('Requests', { requestsPerTarget: voice.requestsPerTarget, targetGroup });

    // WAF ------------------------------------------------------------------------------------------
    // WAF delivers only to log groups whose name starts with aws-waf-logs-.
    const wafLogGroupName = `aws-waf-logs-${prefix}-voice`;
    this.wafLogGroup = new EncryptedLogGroup(this, 'WafLogs', {
      logGroupName: wafLogGroupName,
      logClass: 'security',
      retention,
      encryptionKey: props.logsKey,
    });
    const managedRule = (name: string, priority: number) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: false },
    });
    // The telephony provider sends every clinic's webhooks from a few addresses: its ranges are never rate limited.
    // https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-request-limiting.html
    const { rateLimitPerFiveMinutes, rateLimitExemptCidrs } = voice.waf;
    const exempt =
      rateLimitExemptCidrs.length > 0
        ? new wafv2.CfnIPSet(this, 'RateLimitExemptProviders', {
            name: `${prefix}-voice-rate-limit-exempt`,
            description: 'Telephony provider source ranges, exempt from the per-address rate limit (config voice.waf.rateLimitExemptCidrs)',
            scope: 'REGIONAL',
            ipAddressVersion: 'IPV4',
            addresses: [...rateLimitExemptCidrs],
          })
        : undefined;
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `${prefix}-voice`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      // Sampled requests would keep request contents outside our log retention; metrics and logs suffice.
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `${prefix}-voice`, sampledRequestsEnabled: false },
      rules: [
        managedRule('AWSManagedRulesAmazonIpReputationList', 10),
        managedRule('AWSManagedRulesCommonRuleSet', 20),
        managedRule('AWSManagedRulesKnownBadInputsRuleSet', 30),
        {
          name: 'RateLimitPerSource',
          priority: 40,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: rateLimitPerFiveMinutes,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
              // Only requests from outside the provider's ranges count toward the limit.
              scopeDownStatement: exempt ? { notStatement: { statement: { ipSetReferenceStatement: { arn: exempt.attrArn } } } } : undefined,
            },
          },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'RateLimitPerSource', sampledRequestsEnabled: false },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.loadBalancer.loadBalancerArn,
      webAclArn: webAcl.attrArn,
    });
    new wafv2.CfnLoggingConfiguration(this, 'WebAclLogging', {
      resourceArn: webAcl.attrArn,
      logDestinationConfigs: [`arn:${this.partition}:logs:${this.region}:${this.account}:log-group:${wafLogGroupName}`],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'x-twilio-signature' } }],
    }).node.addDependency(this.wafLogGroup);
  }
}
