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

  test('GuardDuty runs in the DR region, and its findings reach the breach contacts through a topic and key of that region', () => {
    const template = dr('cell');
    expect(resourcesOfType(template, 'AWS::GuardDuty::Detector').map(([, d]) => d.Properties.Enable)).toEqual([true]);
    const [[topicId, topic]] = resourcesOfType(template, 'AWS::SNS::Topic');
    expect(topic.Properties.TopicName).toBe('vp-us-east-security-alerts');
    expect(JSON.stringify(topic.Properties.KmsMasterKeyId)).toContain('AlertsKey');
    const [[, rule]] = resourcesOfType(template, 'AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({ source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'], detail: { severity: [{ numeric: ['>=', 4] }] } });
    expect(rule.Properties.Targets[0].Arn).toEqual({ Ref: topicId });
    // Ids and a link only, never the finding itself.
    expect(rule.Properties.Targets[0].InputTransformer.InputPathsMap).not.toHaveProperty('detail');
    // The same contacts on the alert topic and on the fallback topic of failed deliveries.
    expect(resourcesOfType(template, 'AWS::SNS::Subscription').map(([, s]) => s.Properties.Endpoint)).toEqual(['security-alerts-us-east@example.com', 'security-alerts-us-east@example.com']);
  });

  test('with accountServices: organization, no detector of ours, but the organization\'s findings still alert', () => {
    const template = dr('organization');
    expect(resourcesOfType(template, 'AWS::GuardDuty::Detector')).toEqual([]);
    expect(resourcesOfType(template, 'AWS::Events::Rule')).toHaveLength(1);
  });
});
