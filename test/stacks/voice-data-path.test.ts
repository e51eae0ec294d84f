import { fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

// Egress only to declared sub-processors, and TLS to the container, proven from the templates.
const result = synthesized(fixtureConfig({ cells: 2, tenantsPerCell: 1 }), { packs: false });

describe.each([
  ['us-east', 'us-east-1', 'api.us.speech.example.com', 'api.eu.speech.example.com'],
  ['eu-central', 'eu-central-1', 'api.eu.speech.example.com', 'api.us.speech.example.com'],
])('cell %s: DNS firewall', (cellId, region, ownSpeechHost, otherSpeechHost) => {
  const json = result.templateJson(`${cellId}/Network`);
  const lists = Object.fromEntries(resourcesOfType(json, 'AWS::Route53Resolver::FirewallDomainList'));
  const [[, group]] = resourcesOfType(json, 'AWS::Route53Resolver::FirewallRuleGroup');
  const rules = [...group.Properties.FirewallRules].sort((a: any, b: any) => a.Priority - b.Priority);
  const listOf = (rule: any) => lists[rule.FirewallDomainListId['Fn::GetAtt'][0]].Properties.Domains;

  test('allows exactly the declared sub-processor hosts of its jurisdiction and the cell\'s AWS names, then blocks every other name', () => {
    expect(rules.map((r: any) => r.Action)).toEqual(['ALLOW', 'BLOCK']);
    // An allowed name's CNAME chain (S3 and ECR names resolve through AWS aliases) is trusted, not checked again and blocked.
    expect(rules[0].FirewallDomainRedirectionAction).toBe('TRUST_REDIRECTION_DOMAIN');
    expect(listOf(rules[1])).toEqual(['*']);
    const allowed: string[] = listOf(rules[0]);
    expect(allowed).toEqual(expect.arrayContaining(['api.telephony.example.com', '*.media.telephony.example.com', ownSpeechHost, `sts.${region}.amazonaws.com`]));
    expect(allowed).not.toContain(otherSpeechHost);
    // Every internet name is a declared endpoint; everything else is an AWS or VPC-internal name of the cell's region.
    const internet = allowed.filter((d) => !/\.amazonaws\.com$|\.internal$/.test(d));
    expect(internet.sort()).toEqual(['*.media.telephony.example.com', 'api.telephony.example.com', ownSpeechHost].sort());
    for (const d of allowed.filter((x) => /\.amazonaws\.com$/.test(x) && x !== '*.s3.amazonaws.com')) expect(d).toContain(region);
  });

  test('is associated with the cell\'s VPC, protected from removal, fails closed, and logs every query to an encrypted security log group', () => {
    const [[, association]] = resourcesOfType(json, 'AWS::Route53Resolver::FirewallRuleGroupAssociation');
    const [vpcId] = resourcesOfType(json, 'AWS::EC2::VPC')[0];
    expect(association.Properties).toMatchObject({ VpcId: { Ref: vpcId }, MutationProtection: 'ENABLED' });
    expect(resourcesOfType(json, 'AWS::Route53Resolver::FirewallConfig')[0][1].Properties).toEqual({ ResourceId: { Ref: vpcId }, FirewallFailOpen: 'DISABLED' });
    const [[, logging]] = resourcesOfType(json, 'AWS::Route53Resolver::ResolverQueryLoggingConfig');
    const groupId = logging.Properties.DestinationArn['Fn::GetAtt'][0];
    const logGroup = json.Resources[groupId];
    expect(JSON.stringify(logGroup.Properties.KmsKeyId)).toContain('LogsKey');
    expect(logGroup.Properties.Tags).toContainEqual({ Key: 'log-class', Value: 'security' });
    expect(logGroup.Properties.RetentionInDays).toBe(2192);
    expect(resourcesOfType(json, 'AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation')[0][1].Properties.ResourceId).toEqual({ Ref: vpcId });
  });
});

describe('voice service egress and TLS to the container', () => {
  const json = result.templateJson('us-east/Voice');

  test('the service may send to the internet only HTTPS on 443', () => {
    const [[, group]] = resourcesOfType(json, 'AWS::EC2::SecurityGroup').filter(([id]) => id.startsWith('ServiceSecurityGroup'));
    const internet = group.Properties.SecurityGroupEgress.filter((e: any) => e.CidrIp && !e.CidrIp.startsWith('10.10.'));
    expect(internet.map((e: any) => [e.CidrIp, e.IpProtocol, e.FromPort, e.ToPort])).toEqual([['0.0.0.0/0', 'tcp', 443, 443]]);
  });

  test('the load balancer forwards to the containers over HTTPS and checks their health over HTTPS', () => {
    const groups = resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(groups).toHaveLength(1);
    expect(groups[0][1].Properties).toMatchObject({ Protocol: 'HTTPS', HealthCheckProtocol: 'HTTPS', Port: 8080 });
  });

  test('the credential broker reaches only the VPC interface endpoints, from subnets without a route to the internet', () => {
    const [[, fn]] = resourcesOfType(json, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('CredentialBrokerFunction'));
    const [[sgId, sg]] = resourcesOfType(json, 'AWS::EC2::SecurityGroup').filter(([id]) => id.startsWith('CredentialBrokerSecurityGroup'));
    expect(fn.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sgId, 'GroupId'] }]);
    expect(JSON.stringify(fn.Properties.VpcConfig.SubnetIds)).toMatch(/DatabaseSubnet/);
    expect(sg.Properties.SecurityGroupEgress ?? []).toEqual([]);
    const egress = resourcesOfType(json, 'AWS::EC2::SecurityGroupEgress').filter(([, e]) => JSON.stringify(e.Properties.GroupId).includes(sgId));
    expect(egress.map(([, e]) => [e.Properties.FromPort, JSON.stringify(e.Properties.DestinationSecurityGroupId)])).toEqual([[443, expect.stringContaining('EndpointSecurityGroup')]]);
  });
});
