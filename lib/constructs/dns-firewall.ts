import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53resolver from 'aws-cdk-lib/aws-route53resolver';
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EncryptedLogGroup, LogRetention } from './encrypted-log-group';

export interface DnsFirewallProps {
  readonly vpc: ec2.IVpc;
  /** The host names of the cell's sub-processors (config `subProcessors[].endpoints`). */
  readonly subProcessorDomains: readonly string[];
  readonly logsKey: kms.IKey;
  readonly retention: LogRetention;
  /** Prefix of the firewall's resource names. */
  readonly namePrefix: string;
}

/**
 * The AWS names the cell's own workloads resolve in its region: the VPC interface endpoints (private
 * DNS), S3 through the gateway endpoint (ECR image layers, CloudFormation's response URL), the
 * database, the GuardDuty runtime agent's endpoint, and the VPC's own host names.
 */
export function awsServiceDomains(region: string): string[] {
  return [
    ...['kms', 'secretsmanager', 'api.ecr', 'logs', 'sts', 'lambda', 's3', 'guardduty-data'].map((s) => `${s}.${region}.amazonaws.com`),
    `*.dkr.ecr.${region}.amazonaws.com`,
    `*.s3.${region}.amazonaws.com`,
    // CloudFormation's custom-resource response bucket is addressed virtual-hosted on the global S3 name in us-east-1.
    ...(region === 'us-east-1' ? ['*.s3.amazonaws.com'] : []),
    `*.${region}.rds.amazonaws.com`,
    `*.${region}.compute.internal`,
    ...(region === 'us-east-1' ? ['*.ec2.internal'] : []),
  ];
}

/** Rule priorities inside the group: allow-list first, then block everything else. */
const ALLOW_PRIORITY = 100;
const BLOCK_PRIORITY = 200;

/**
 * A Route 53 Resolver DNS Firewall on the cell's VPC: answers queries for the declared
 * sub-processors' host names and the AWS names the cell needs, and blocks every other query
 * (NODATA), failing closed; every query and its verdict is logged to an encrypted log group of the
 * security class. https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall.html
 */
export class DnsFirewall extends Construct {
  public readonly allowList: route53resolver.CfnFirewallDomainList;
  public readonly ruleGroup: route53resolver.CfnFirewallRuleGroup;
  public readonly association: route53resolver.CfnFirewallRuleGroupAssociation;
  public readonly queryLogs: EncryptedLogGroup;
  /** Every name the firewall answers, sorted. */
  public readonly allowedDomains: readonly string[];

  constructor(scope: Construct, id: string, props: DnsFirewallProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.allowedDomains = [...new Set([...props.subProcessorDomains, ...awsServiceDomains(region)])].sort();

    // A domain list entry "*.example.com" matches the subdomains of example.com; "*" matches every name.
    // https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-domain-lists.html
    this.allowList = new route53resolver.CfnFirewallDomainList(this, 'AllowedDomains', {
      name: `${props.namePrefix}-egress-allowed`,
      domains: [...this.allowedDomains],
    });
    const everything = new route53resolver.CfnFirewallDomainList(this, 'AllDomains', {
      name: `${props.namePrefix}-egress-all`,
      domains: ['*'],
    });
    this.ruleGroup = new route53resolver.CfnFirewallRuleGroup(this, 'RuleGroup', {
      name: `${props.namePrefix}-egress`,
      firewallRules: [
        {
          firewallDomainListId: this.allowList.attrId,
          priority: ALLOW_PRIORITY,
          action: 'ALLOW',
          // An allowed name's CNAME chain (S3 and ECR names resolve through AWS-owned aliases) is not
          // checked again against the allow-list, which would block it.
          // https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-rule-settings.html
          firewallDomainRedirectionAction: 'TRUST_REDIRECTION_DOMAIN',
        },
        { firewallDomainListId: everything.attrId, priority: BLOCK_PRIORITY, action: 'BLOCK', blockResponse: 'NODATA' },
      ],
    });
    this.association = new route53resolver.CfnFirewallRuleGroupAssociation(this, 'Association', {
      name: `${props.namePrefix}-egress`,
      firewallRuleGroupId: this.ruleGroup.attrId,
      vpcId: props.vpc.vpcId,
      // Associations take priorities from 101 to 9899; nobody can remove it without first turning this off.
      priority: 101,
      mutationProtection: 'ENABLED',
    });
    // Fail closed: when the firewall cannot answer, queries are refused rather than resolved unfiltered.
    // https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-vpc-configuration.html
    new route53resolver.CfnFirewallConfig(this, 'FailClosed', { resourceId: props.vpc.vpcId, firewallFailOpen: 'DISABLED' });

    this.queryLogs = new EncryptedLogGroup(this, 'QueryLogs', { logClass: 'security', retention: props.retention, encryptionKey: props.logsKey });
    // https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs.html
    const logging = new route53resolver.CfnResolverQueryLoggingConfig(this, 'QueryLogging', {
      name: `${props.namePrefix}-queries`,
      destinationArn: this.queryLogs.logGroupArn,
    });
    new route53resolver.CfnResolverQueryLoggingConfigAssociation(this, 'QueryLoggingAssociation', {
      resolverQueryLogConfigId: logging.attrId,
      resourceId: props.vpc.vpcId,
    });
  }
}
