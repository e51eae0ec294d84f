import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

/** The template shapes issue 11 (first deploy) fixed, asserted on the synthesized templates. */
describe('a first deploy into an empty account', () => {
  const result = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1 }), { packs: false });
  const data = result.templateJson('us-east/Data');
  const voice = result.templateJson('us-east/Voice');

  test('PostgreSQL by major version only, with automatic minor upgrades, and a parameter group of that major', () => {
    const [[, db]] = resourcesOfType(data, 'AWS::RDS::DBInstance');
    expect([db.Properties.EngineVersion, db.Properties.AutoMinorVersionUpgrade]).toEqual(['17', true]);
    const [[, parameters]] = resourcesOfType(data, 'AWS::RDS::DBParameterGroup');
    expect(parameters.Properties.Family).toBe('postgres17');
  });

  test('AWS Backup starts at midnight within an hour, clear of the 03:00 backup window and the Sunday 04:30 maintenance', () => {
    const [[, plan]] = resourcesOfType(data, 'AWS::Backup::BackupPlan');
    const [rule] = plan.Properties.BackupPlan.BackupPlanRule;
    expect([rule.ScheduleExpression, rule.StartWindowMinutes]).toEqual(['cron(0 0 * * ? *)', 60]);
    const [[, db]] = resourcesOfType(data, 'AWS::RDS::DBInstance');
    expect([db.Properties.PreferredBackupWindow, db.Properties.PreferredMaintenanceWindow]).toEqual(['03:00-04:00', 'sun:04:30-sun:05:30']);
  });

  test('the enhanced monitoring role may do what AWS\'s managed policy allows, on the RDSOSMetrics group only', () => {
    const policies = resourcesOfType(data, 'AWS::IAM::ManagedPolicy').filter(([id]) => id.startsWith('EnhancedMonitoringRole'));
    const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s: any) => s.Action);
    expect(actions.sort()).toEqual(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:GetLogEvents', 'logs:PutLogEvents', 'logs:PutRetentionPolicy']);
    expect(JSON.stringify(statements)).not.toContain('"Resource":"*"');
  });

  test('the voice container has the task\'s memory as its own hard limit', () => {
    const [[, task]] = resourcesOfType(voice, 'AWS::ECS::TaskDefinition');
    expect(task.Properties.ContainerDefinitions.map((c: any) => c.Memory)).toEqual([Number(task.Properties.Memory)]);
  });

  test('the CloudTrail log role trusts CloudTrail without a condition', () => {
    const [[, role]] = resourcesOfType(result.templateJson('us-east/Audit'), 'AWS::IAM::Role').filter(([id]) => id.startsWith('TrailLogsRole'));
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' } }]);
  });

  test('WAF limits 2,000 requests per five minutes per address by default, with no exempt ranges', () => {
    const [[, acl]] = resourcesOfType(voice, 'AWS::WAFv2::WebACL');
    const rate = acl.Properties.Rules.find((r: any) => r.Name === 'RateLimitPerSource').Statement.RateBasedStatement;
    expect(rate).toEqual({ Limit: 2000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    expect(resourcesOfType(voice, 'AWS::WAFv2::IPSet')).toEqual([]);
  });

  test('PHI buckets expire objects, then noncurrent versions, then the delete markers left behind, in a rule of its own', () => {
    const buckets = resourcesOfType(result.templateJson(`us-east/Tenant-${fixtureTenantId('us-east', 1)}`), 'AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThan(0);
    for (const [, bucket] of buckets) {
      const rules = bucket.Properties.LifecycleConfiguration.Rules;
      const markers = rules.find((r: any) => r.ExpiredObjectDeleteMarker === true);
      expect(markers).toEqual({ Id: 'remove-expired-delete-markers', ExpiredObjectDeleteMarker: true, Status: 'Enabled' });
      expect(rules.find((r: any) => r.Id === 'retention').NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 30 });
    }
  });
});

describe('config-driven first-deploy settings', () => {
  test('an offboarding clinic\'s buckets expire by date and still remove the delete markers, in separate rules', () => {
    const config = fixtureConfig({
      cells: 1,
      tenantsPerCell: 1,
      edit: (raw) => (raw.tenants[0].offboarding = { terminationDate: '2027-01-31' }),
    });
    const tenant = synthesized(config, { packs: false }).templateJson(`us-east/Tenant-${fixtureTenantId('us-east', 1)}`);
    for (const [, bucket] of resourcesOfType(tenant, 'AWS::S3::Bucket')) {
      const rules = bucket.Properties.LifecycleConfiguration.Rules;
      expect(rules.find((r: any) => r.Id === 'offboarding')).toMatchObject({ ExpirationDate: '2027-02-01T00:00:00Z', NoncurrentVersionExpiration: { NoncurrentDays: 27 } });
      expect(rules.find((r: any) => r.Id === 'offboarding').ExpiredObjectDeleteMarker).toBeUndefined();
      expect(rules.find((r: any) => r.Id === 'remove-expired-delete-markers')).toEqual({ Id: 'remove-expired-delete-markers', ExpiredObjectDeleteMarker: true, Status: 'Enabled' });
    }
  });

  test('the telephony provider\'s ranges are exempt from the rate limit, which config sets', () => {
    const config = fixtureConfig({
      cells: 1,
      tenantsPerCell: 1,
      edit: (raw) => (raw.cells[0].voice.waf = { rateLimitPerFiveMinutes: 20000, rateLimitExemptCidrs: ['203.0.113.0/24', '198.51.100.0/25'] }),
    });
    const voice = synthesized(config, { packs: false }).templateJson('us-east/Voice');
    const [[setId, set]] = resourcesOfType(voice, 'AWS::WAFv2::IPSet');
    expect(set.Properties).toMatchObject({ Scope: 'REGIONAL', IPAddressVersion: 'IPV4', Addresses: ['203.0.113.0/24', '198.51.100.0/25'] });
    const [[, acl]] = resourcesOfType(voice, 'AWS::WAFv2::WebACL');
    const rate = acl.Properties.Rules.find((r: any) => r.Name === 'RateLimitPerSource').Statement.RateBasedStatement;
    expect(rate.Limit).toBe(20000);
    expect(rate.ScopeDownStatement).toEqual({ NotStatement: { Statement: { IPSetReferenceStatement: { Arn: { 'Fn::GetAtt': [setId, 'Arn'] } } } } });
  });
});

describe('the DR region is watched', () => {
  const dr = (accountServices: 'cell' | 'organization') =>
    synthesized(
      fixtureConfig({ cells: 1, tenantsPerCell: 1, edit: (raw) => (raw.cells[0].detection = { accountServices }) }),
      { packs: false },
    ).templateJson('us-east/DisasterRecovery');

  test('GuardDuty and Security Hub run in the DR region, and their findings reach the breach contacts through a topic and key of that region', () => {
    const template = dr('cell');
    expect(resourcesOfType(template, 'AWS::GuardDuty::Detector').map(([, d]) => d.Properties.Enable)).toEqual([true]);
    expect(resourcesOfType(template, 'AWS::SecurityHub::Hub')).toHaveLength(1);
    expect(resourcesOfType(template, 'AWS::SecurityHub::Standard').map(([, s]) => s.Properties.StandardsArn).sort()).toEqual([
      'arn:aws:securityhub:us-west-2::standards/aws-foundational-security-best-practices/v/1.0.0',
      'arn:aws:securityhub:us-west-2::standards/nist-800-53/v/5.0.0',
    ]);
    const [[topicId, topic]] = resourcesOfType(template, 'AWS::SNS::Topic');
    expect(topic.Properties.TopicName).toBe('vp-us-east-security-alerts');
    expect(JSON.stringify(topic.Properties.KmsMasterKeyId)).toContain('AlertsKey');
    const rules = resourcesOfType(template, 'AWS::Events::Rule').map(([, r]) => r.Properties);
    expect(rules.map((r) => r.EventPattern.source[0]).sort()).toEqual(['aws.guardduty', 'aws.securityhub']);
    expect(rules.find((r) => r.EventPattern.source[0] === 'aws.guardduty').EventPattern).toEqual({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: { severity: [{ numeric: ['>=', 4] }] },
    });
    for (const rule of rules) {
      expect(rule.Targets[0].Arn).toEqual({ Ref: topicId });
      expect(rule.Targets[0].DeadLetterConfig).toBeDefined();
      // Ids and a link only, never the finding itself.
      expect(rule.Targets[0].InputTransformer.InputPathsMap).not.toHaveProperty('detail');
      expect(rule.Description).toContain('in the DR region us-west-2');
    }
    const [[, topicPolicy]] = resourcesOfType(template, 'AWS::SNS::TopicPolicy');
    const publish = topicPolicy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'AlertRuleOfThisRegionPublishes');
    expect(publish.Condition.ArnEquals['aws:SourceArn']).toHaveLength(2);
    // The same contacts on the alert topic and on the fallback topic of failed deliveries.
    expect(resourcesOfType(template, 'AWS::SNS::Subscription').map(([, s]) => s.Properties.Endpoint)).toEqual(['security-alerts-us-east@example.com', 'security-alerts-us-east@example.com']);
  });

  test('AWS Config records the DR region (global resources only in the primary) into a config history bucket of that region', () => {
    const template = dr('cell');
    const [[recorderId, recorder]] = resourcesOfType(template, 'AWS::Config::ConfigurationRecorder');
    const [[channelId, channel]] = resourcesOfType(template, 'AWS::Config::DeliveryChannel');
    expect(recorder.Properties.RecordingGroup).toEqual({ AllSupported: true, IncludeGlobalResourceTypes: false });
    expect(channel.Properties.S3BucketName).toBe('vp-us-east-config-111111111111-us-west-2');
    expect(JSON.stringify(channel.Properties.S3KmsKeyArn)).toContain('AuditKey');
    // Created together: neither waits for the other.
    expect(recorder.DependsOn ?? []).not.toContain(channelId);
    expect(channel.DependsOn ?? []).not.toContain(recorderId);
    const bucket = resourcesOfType(template, 'AWS::S3::Bucket').find(([, b]) => b.Properties.BucketName === 'vp-us-east-config-111111111111-us-west-2')!;
    expect(bucket[1].Properties.ObjectLockConfiguration).toBeUndefined();
    expect(channel.DependsOn).toEqual(expect.arrayContaining([bucket[0]]));
    // The account's service-linked role is made here, in the cell's first stack, and the primary region's recorder uses it later.
    const [[roleId, role]] = resourcesOfType(template, 'AWS::IAM::ServiceLinkedRole');
    expect(role.Properties.AWSServiceName).toBe('config.amazonaws.com');
    expect(role.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(recorder.DependsOn).toContain(roleId);
    const [[, key]] = resourcesOfType(template, 'AWS::KMS::Key').filter(([id]) => id.startsWith('AuditKey'));
    const configUse = key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'ConfigWritesSnapshots');
    expect(configUse.Principal).toEqual({ Service: 'config.amazonaws.com' });
  });

  test('the primary region\'s recorder deploys after the stack that makes the service-linked role', () => {
    const result = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1 }), { packs: false });
    const detection = result.templateJson('us-east/Detection');
    expect(resourcesOfType(detection, 'AWS::IAM::ServiceLinkedRole')).toEqual([]);
    expect(resourcesOfType(detection, 'AWS::Config::ConfigurationRecorder')).toHaveLength(1);
    expect(result.dependenciesOf('us-east/Detection')).toContain('us-east/Audit');
    expect(result.dependenciesOf('us-east/Audit')).toContain('us-east/DisasterRecovery');
  });

  test('with accountServices: organization, no detector, hub or recorder of ours, but the organization\'s findings still alert', () => {
    const template = dr('organization');
    for (const type of ['AWS::GuardDuty::Detector', 'AWS::SecurityHub::Hub', 'AWS::Config::ConfigurationRecorder', 'AWS::IAM::ServiceLinkedRole']) {
      expect([type, resourcesOfType(template, type)]).toEqual([type, []]);
    }
    expect(resourcesOfType(template, 'AWS::Events::Rule')).toHaveLength(2);
  });
});
