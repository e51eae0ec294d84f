import { Match } from 'aws-cdk-lib/assertions';
import { cell, fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

describe('NetworkStack', () => {
  const result = synthesized(fixtureConfig());
  const template = result.template('us-east/Network');
  const json = result.templateJson('us-east/Network');

  test('spans exactly the configured availability zones with public, private-egress and isolated subnets', () => {
    const subnets = resourcesOfType(json, 'AWS::EC2::Subnet').map(([, s]) => s.Properties);
    expect(new Set(subnets.map((s) => s.AvailabilityZone))).toEqual(new Set(['us-east-1a', 'us-east-1b', 'us-east-1c']));
    const byType = (type: string) => subnets.filter((s) => s.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === type));
    expect(byType('Public')).toHaveLength(3);
    expect(byType('Private')).toHaveLength(3);
    expect(byType('Isolated')).toHaveLength(3);
    for (const s of subnets) expect(s.MapPublicIpOnLaunch).toBe(false);
  });

  test('isolated subnets have no route to the internet; private subnets only through NAT', () => {
    const routes = resourcesOfType(json, 'AWS::EC2::Route').map(([, r]) => r.Properties);
    const viaIgw = routes.filter((r) => r.GatewayId);
    const viaNat = routes.filter((r) => r.NatGatewayId);
    expect(viaIgw).toHaveLength(3);
    expect(viaNat).toHaveLength(3);
    expect(routes).toHaveLength(6);
  });

  test('has the NAT gateway count from config', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    const single = fixtureConfig({ cells: 1, tenantsPerCell: 0, edit: (raw) => (cell(raw, 'us-east').natGateways = 1) });
    synthesized(single, { packs: false }).template('us-east/Network').resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('records all traffic in flow logs to a KMS-encrypted log group kept for the audit retention', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      MaxAggregationInterval: 60,
    });
    const [[, group]] = resourcesOfType(json, 'AWS::Logs::LogGroup');
    expect(group.Properties.RetentionInDays).toBe(2192);
    expect(JSON.stringify(group.Properties.KmsKeyId)).toContain('LogsKey');
    expect(group.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(group.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'log-class', Value: 'security' }]));
  });

  test('flow logs deliver through a role only VPC Flow Logs of this account can assume', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111111111111' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:ec2:us-east-1:111111111111:vpc-flow-log/*' },
            },
          }),
        ],
      },
    });
  });

  test('closes the default security group', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
    template.hasResourceProperties('Custom::VpcRestrictDefaultSG', {
      DefaultSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vpc'), 'DefaultSecurityGroup'] },
    });
  });

  test('reaches S3 through a gateway endpoint from private and isolated subnets', () => {
    const s3 = resourcesOfType(json, 'AWS::EC2::VPCEndpoint').filter(([, e]) => e.Properties.VpcEndpointType === 'Gateway');
    expect(s3).toHaveLength(1);
    expect(JSON.stringify(s3[0][1].Properties.ServiceName)).toContain('.s3');
    expect(s3[0][1].Properties.RouteTableIds).toHaveLength(6);
  });

  test('reaches KMS, Secrets Manager, ECR, CloudWatch Logs, STS and Lambda (the credential broker) through private-DNS interface endpoints', () => {
    const interfaces = resourcesOfType(json, 'AWS::EC2::VPCEndpoint').filter(([, e]) => e.Properties.VpcEndpointType === 'Interface');
    const services = interfaces.map(([, e]) => String(e.Properties.ServiceName).replace("com.amazonaws.us-east-1.", "")).sort();
    expect(services).toEqual(['ecr.api', 'ecr.dkr', 'kms', 'lambda', 'logs', 'secretsmanager', 'sts']);
    for (const [, e] of interfaces) expect(e.Properties.PrivateDnsEnabled).toBe(true);
  });

  test('interface endpoints admit only HTTPS from inside the VPC and send nothing out', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ CidrIp: '10.10.0.0/16', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }],
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
  });

  test('uses the VPC CIDR from config', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.10.0.0/16', EnableDnsHostnames: true, EnableDnsSupport: true });
  });
});
