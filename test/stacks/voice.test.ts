import { cell, fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012';

/** One cell with the voice options a default config leaves off: its own certificate and an ingress allow-list. */
const withVoiceOptions = () =>
  fixtureConfig({
    cells: 1,
    tenantsPerCell: 0,
    edit: (raw) => {
      const { voice } = cell(raw, 'us-east');
      delete voice.domainName;
      delete voice.hostedZoneId;
      delete voice.hostedZoneName;
      Object.assign(voice, { certificateArn: CERTIFICATE_ARN, allowedIngressCidrs: ['203.0.113.0/24'] });
    },
  });

describe('VoiceStack', () => {
  const result = synthesized(fixtureConfig());
  const json = result.templateJson('us-east/Voice');
  const template = result.template('us-east/Voice');
  const [[, taskDef]] = resourcesOfType(json, 'AWS::ECS::TaskDefinition');
  const [container] = taskDef.Properties.ContainerDefinitions;

  test('an ECR repository per cell, in its own stack so it exists before the first image: scan on push, immutable tags, KMS, lifecycle, retained', () => {
    const registry = result.templateJson('us-east/Registry');
    expect(resourcesOfType(json, 'AWS::ECR::Repository')).toHaveLength(0);
    const [[, repo]] = resourcesOfType(registry, 'AWS::ECR::Repository');
    expect(repo.Properties).toEqual(
      expect.objectContaining({
        RepositoryName: 'vp-us-east/voice',
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: expect.anything() },
      }),
    );
    const rules = JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
    expect(rules.map((r: any) => r.selection.tagStatus)).toEqual(['untagged']);
    expect(repo.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  test('continuous enhanced scanning (Amazon Inspector) of the cell repositories', () => {
    const [[, scanning]] = resourcesOfType(result.templateJson('us-east/Registry'), 'AWS::ECR::RegistryScanningConfiguration');
    expect(scanning.Properties).toEqual({
      ScanType: 'ENHANCED',
      Rules: [{ ScanFrequency: 'CONTINUOUS_SCAN', RepositoryFilters: [{ Filter: 'vp-us-east/*', FilterType: 'WILDCARD' }] }],
    });
  });

  test('the service runs the image by digest from config', () => {
    expect(JSON.stringify(container.Image)).toContain(`@sha256:${'0'.repeat(64)}`);
  });

  test('Container Insights, Fargate in the private subnets of every zone, at least two tasks, rollback on failure', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enhanced' }] });
    const [[, service]] = resourcesOfType(json, 'AWS::ECS::Service');
    expect(service.Properties.LaunchType).toBe('FARGATE');
    expect(service.Properties.DesiredCount).toBe(2);
    expect(service.Properties.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
    expect(service.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    expect(service.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets).toHaveLength(3);
    expect(JSON.stringify(service.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets)).toMatch(/ServiceSubnet1.*ServiceSubnet2.*ServiceSubnet3/);
    expect(service.Properties.EnableExecuteCommand).toBe(false);
  });

  test('autoscaling on CPU and on requests per target within the configured bounds', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: result.config.cells[0].voice.maxTasks });
    const policies = resourcesOfType(json, 'AWS::ApplicationAutoScaling::ScalingPolicy').map(
      ([, p]) => p.Properties.TargetTrackingScalingPolicyConfiguration,
    );
    expect(policies.map((p) => p.PredefinedMetricSpecification.PredefinedMetricType).sort()).toEqual([
      'ALBRequestCountPerTarget',
      'ECSServiceAverageCPUUtilization',
    ]);
  });

  test('the container runs as non-root with a read-only root filesystem, no capabilities and an init process', () => {
    expect(container.User).toBe('10001:10001');
    expect(container.ReadonlyRootFilesystem).toBe(true);
    expect(container.Privileged).toBe(false);
    expect(container.LinuxParameters).toEqual({ InitProcessEnabled: true, Capabilities: { Drop: ['ALL'] } });
  });

  test('logs go to a KMS-encrypted log group with retention; secrets come from Secrets Manager, never the environment', () => {
    expect(container.LogConfiguration.LogDriver).toBe('awslogs');
    const groupId = container.LogConfiguration.Options['awslogs-group'].Ref;
    expect(JSON.stringify(json.Resources[groupId].Properties.KmsKeyId)).toContain('LogsKey');
    expect(json.Resources[groupId].Properties.RetentionInDays).toBe(90);
    expect(container.Secrets.map((s: any) => s.Name).sort()).toEqual(['MODEL_API_KEY', 'TELEPHONY_API_KEY']);
    expect(JSON.stringify(container.Environment ?? [])).not.toMatch(/TOKEN|KEY|SECRET|PASSWORD/i);
    for (const [, secret] of resourcesOfType(json, 'AWS::SecretsManager::Secret')) {
      expect(JSON.stringify(secret.Properties.KmsKeyId)).toContain('SecretsKey');
    }
  });

  test('the execution role reaches only its repository, its log group and its two secrets', () => {
    const roleId = taskDef.Properties.ExecutionRoleArn['Fn::GetAtt'][0];
    const [[, policy]] = resourcesOfType(json, 'AWS::IAM::ManagedPolicy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId));
    const statements = policy.Properties.PolicyDocument.Statement;
    const resources = statements.map((s: any) => JSON.stringify(s.Resource));
    expect(statements.find((s: any) => s.Resource === '*').Action).toBe('ecr:GetAuthorizationToken');
    expect(resources.join()).toContain('Repository');
    expect(resources.join()).toContain('ServiceLogs');
    expect(resources.join()).toContain('TelephonyApiKey');
    expect(resources.join()).toContain('ModelApiKey');
    // The auth token that signs the provider's webhooks is the credential broker's alone.
    expect(resources.join()).not.toContain('TelephonyAuthToken');
    expect(statements.find((s: any) => s.Sid === 'PullTheGuardDutyRuntimeAgent').Resource).toBe('arn:aws:ecr:us-east-1:593207742271:repository/aws-guardduty-agent-fargate');
    expect(statements).toHaveLength(5);
  });

  test('an internet-facing ALB in the public subnets: TLS 1.3 HTTPS, HTTP only redirects, hardened attributes, access logs', () => {
    const [[, lb]] = resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb.Properties.Scheme).toBe('internet-facing');
    expect(JSON.stringify(lb.Properties.Subnets)).toMatch(/IngressSubnet/);
    const attrs = Object.fromEntries(lb.Properties.LoadBalancerAttributes.map((a: any) => [a.Key, a.Value]));
    expect(attrs).toEqual(
      expect.objectContaining({
        'routing.http.drop_invalid_header_fields.enabled': 'true',
        'routing.http.desync_mitigation_mode': 'strictest',
        'deletion_protection.enabled': 'true',
        'idle_timeout.timeout_seconds': '3600',
        'access_logs.s3.enabled': 'true',
        'access_logs.s3.prefix': 'alb',
      }),
    );
    const listeners = resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => l.Properties);
    const https = listeners.find((l) => l.Protocol === 'HTTPS');
    expect(https.Port).toBe(443);
    expect(https.SslPolicy).toMatch(/^ELBSecurityPolicy-TLS13-/);
    const http = listeners.find((l) => l.Protocol === 'HTTP');
    expect(http.DefaultActions).toEqual([
      { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
    ]);
    expect(listeners).toHaveLength(2);
  });

  test('the certificate is issued by ACM and DNS-validated in the configured zone, without a lookup', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'voice-us-east.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'voice-us-east.example.com', HostedZoneId: 'Z0000000000FIXTUREUS' }],
    });
  });

  test('or comes from an existing certificate ARN in config', () => {
    const arn = CERTIFICATE_ARN;
    const t = synthesized(withVoiceOptions(), { packs: false }).templateJson('us-east/Voice');
    expect(resourcesOfType(t, 'AWS::CertificateManager::Certificate')).toHaveLength(0);
    const https = resourcesOfType(t, 'AWS::ElasticLoadBalancingV2::Listener').find(([, l]) => l.Properties.Protocol === 'HTTPS')![1];
    expect(https.Properties.Certificates).toEqual([{ CertificateArn: arn }]);
  });

  test('security groups: the ALB admits 443 and 80; the service admits only the ALB; service egress is HTTPS and the database', () => {
    const groups = Object.fromEntries(resourcesOfType(json, 'AWS::EC2::SecurityGroup').map(([id, g]) => [id.replace(/[0-9A-F]{8}$/, ''), g.Properties]));
    const lb = groups.LoadBalancerSecurityGroup;
    expect(lb.SecurityGroupIngress.map((r: any) => [r.CidrIp, r.FromPort]).sort()).toEqual([
      ['0.0.0.0/0', 443],
      ['0.0.0.0/0', 80],
    ]);
    const service = groups.ServiceSecurityGroup;
    expect(service.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })]);
    const ingress = resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({ FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^LoadBalancerSecurityGroup/), 'GroupId'] } }),
    ]);
    const [[, svc]] = resourcesOfType(json, 'AWS::ECS::Service');
    expect(JSON.stringify(svc.Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups)).toContain('DatabaseClientSecurityGroup');
  });

  test('the ALB admits only configured CIDR ranges when config lists them', () => {
    const t = synthesized(withVoiceOptions(), { packs: false }).templateJson('us-east/Voice');
    const lb = resourcesOfType(t, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('LoadBalancerSecurityGroup'))![1];
    expect(lb.Properties.SecurityGroupIngress.map((r: any) => r.CidrIp)).toEqual(['203.0.113.0/24', '203.0.113.0/24']);
  });

  test('WAF: AWS managed rule groups, a rate-based rule, associated with the ALB, full logging to a KMS log group', () => {
    const [[, acl]] = resourcesOfType(json, 'AWS::WAFv2::WebACL');
    const names = acl.Properties.Rules.map((r: any) => r.Statement.ManagedRuleGroupStatement?.Name ?? r.Name);
    expect(names).toEqual(['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'RateLimitPerSource']);
    expect(acl.Properties.Rules[3].Statement.RateBasedStatement.AggregateKeyType).toBe('IP');
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    const [[, logging]] = resourcesOfType(json, 'AWS::WAFv2::LoggingConfiguration');
    expect(logging.Properties.LogDestinationConfigs[0]).toBe('arn:aws:logs:us-east-1:111111111111:log-group:aws-waf-logs-vp-us-east-voice');
    const group = resourcesOfType(json, 'AWS::Logs::LogGroup').find(([, g]) => g.Properties.LogGroupName === 'aws-waf-logs-vp-us-east-voice')![1];
    expect(group.Properties.RetentionInDays).toBe(2192);
    expect(JSON.stringify(group.Properties.KmsKeyId)).toContain('LogsKey');
  });

  test('the example config has zero open findings', () => {
    expect(result.openFindings()).toEqual([]);
  });
});

// Who can obtain a clinic role (the broker and break-glass only): test/stacks/clinic-role-access.test.ts.
