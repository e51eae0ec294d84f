import { cell, fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

const bucketNamed = (template: Record<string, any>, name: string) =>
  resourcesOfType(template, 'AWS::S3::Bucket').find(([, b]) => b.Properties.BucketName === name)![1];

describe('AuditStack and DisasterRecoveryStack', () => {
  const result = synthesized(fixtureConfig());
  const audit = result.templateJson('us-east/Audit');
  const dr = result.templateJson('us-east/DisasterRecovery');
  const archive = bucketNamed(audit, 'vp-us-east-audit-111111111111-us-east-1');
  const accessLogs = bucketNamed(audit, 'vp-us-east-access-logs-111111111111-us-east-1');

  test('the audit archive has Object Lock in COMPLIANCE mode for the cell audit retention', () => {
    expect(archive.Properties.ObjectLockEnabled).toBe(true);
    expect(archive.Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2192 } },
    });
  });

  test('a cell may raise the audit retention (Texas: ten years), and the archive follows', () => {
    const texas = fixtureConfig({ cells: 1, tenantsPerCell: 0, edit: (raw) => (cell(raw, 'us-east').retention.auditDays = 3653) });
    const t = synthesized(texas, { packs: false }).templateJson('us-east/Audit');
    expect(bucketNamed(t, 'vp-us-east-audit-111111111111-us-east-1').Properties.ObjectLockConfiguration.Rule.DefaultRetention).toEqual({
      Mode: 'COMPLIANCE',
      Days: 3653,
    });
    const [[, trailLogs]] = resourcesOfType(t, 'AWS::Logs::LogGroup');
    expect(trailLogs.Properties.RetentionInDays).toBe(3653);
  });

  test('the archive is encrypted with the audit key (bucket keys), versioned, private, and retained', () => {
    expect(archive.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      {
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: expect.objectContaining({}) },
      },
    ]);
    expect(JSON.stringify(archive.Properties.BucketEncryption)).toContain('AuditKey');
    expect(archive.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(archive.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(archive.DeletionPolicy).toBe('Retain');
    expect(archive.UpdateReplacePolicy).toBe('Retain');
  });

  test('the archive requires TLS 1.2 or later and logs access to the access-log bucket', () => {
    const [[, policy]] = resourcesOfType(audit, 'AWS::S3::BucketPolicy').filter(([, p]) =>
      JSON.stringify(p.Properties.Bucket).includes('AuditArchive'),
    );
    const denies = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Deny');
    expect(denies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ]),
    );
    expect(archive.Properties.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: expect.stringMatching(/^AccessLogs/) });
  });

  test('archive objects move to cold storage after the configured days and expire only after retention', () => {
    expect(archive.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({
        Status: 'Enabled',
        Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 90 }],
        ExpirationInDays: 2193,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      }),
    ]);
  });

  test('the archive replicates, KMS-encrypted, only to the Object Lock replica in the DR region of the same jurisdiction', () => {
    const replication = archive.Properties.ReplicationConfiguration;
    expect(replication.Rules).toHaveLength(1);
    expect(replication.Rules[0].Destination).toEqual({
      Bucket: 'arn:aws:s3:::vp-us-east-audit-111111111111-us-west-2',
      EncryptionConfiguration: { ReplicaKmsKeyID: 'arn:aws:kms:us-west-2:111111111111:alias/vp-us-east/audit' },
    });
    expect(replication.Rules[0].SourceSelectionCriteria).toEqual({ SseKmsEncryptedObjects: { Status: 'Enabled' } });

    const replica = bucketNamed(dr, 'vp-us-east-audit-111111111111-us-west-2');
    expect(replica.Properties.ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: 'COMPLIANCE', Days: 2192 });
    const [[, drAlias]] = resourcesOfType(dr, 'AWS::KMS::Alias');
    expect(drAlias.Properties.AliasName).toBe('alias/vp-us-east/audit');
    expect(result.stack('us-east/DisasterRecovery').environment.region).toBe('us-west-2');
  });

  test('the DR stack deploys before the audit stack that replicates into it', () => {
    expect(result.dependenciesOf('us-east/Audit')).toContain('us-east/DisasterRecovery');
  });

  test('the access-log bucket uses SSE-S3 (required by log delivery), no Object Lock, and its own retention', () => {
    expect(accessLogs.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(accessLogs.Properties.ObjectLockEnabled).toBeUndefined();
    expect(accessLogs.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(2192);
    expect(accessLogs.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  test('the trail validates log files, encrypts with the audit key, and records all management events', () => {
    const [[, trail]] = resourcesOfType(audit, 'AWS::CloudTrail::Trail');
    expect(trail.Properties).toEqual(
      expect.objectContaining({
        TrailName: 'vp-us-east-trail',
        IsLogging: true,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        S3KeyPrefix: 'cloudtrail',
      }),
    );
    expect(JSON.stringify(trail.Properties.KMSKeyId)).toContain('AuditKey');
    expect(trail.Properties.AdvancedEventSelectors[0].FieldSelectors).toEqual([{ Field: 'eventCategory', Equals: ['Management'] }]);
  });

  test('the trail records reads and writes of every PHI object by prefix, so later tenants are covered', () => {
    const [[, trail]] = resourcesOfType(audit, 'AWS::CloudTrail::Trail');
    expect(trail.Properties.AdvancedEventSelectors[1].FieldSelectors).toEqual([
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
      { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::vp-us-east-phi-'] },
    ]);
  });

  test('the trail delivers to a KMS-encrypted log group kept for the audit retention, through a role only CloudTrail can assume', () => {
    const [[, group]] = resourcesOfType(audit, 'AWS::Logs::LogGroup');
    expect(group.Properties.RetentionInDays).toBe(2192);
    expect(JSON.stringify(group.Properties.KmsKeyId)).toContain('AuditKey');
    expect(group.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'log-class', Value: 'audit' }]));
    result.template('us-east/Audit').hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          // No condition: CloudTrail validates the role at CreateTrail, and its documented trust has none (issue 11).
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' } },
        ],
      },
    });
  });

  test('only this trail may write to the archive and use the audit key for it', () => {
    const keys = result.templateJson('us-east/Keys');
    const auditKey = resourcesOfType(keys, 'AWS::KMS::Key').find(([id]) => id.startsWith('AuditKey'))![1];
    const statement = auditKey.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'CloudTrailEncryptsThisTrail');
    expect(statement.Condition.StringEquals['aws:SourceArn']).toBe('arn:aws:cloudtrail:us-east-1:111111111111:trail/vp-us-east-trail');
    expect(statement.Action).toEqual('kms:GenerateDataKey*');
  });

  test('EU cells keep every audit resource in EU regions', () => {
    const euAudit = JSON.stringify(result.templateJson('eu-central/Audit'));
    const euDr = JSON.stringify(result.templateJson('eu-central/DisasterRecovery'));
    for (const text of [euAudit, euDr]) expect(text).not.toMatch(/us-(east|west)-\d/);
    expect(result.stack('eu-central/DisasterRecovery').environment.region).toBe('eu-west-1');
  });

  test('the fixture config has zero open findings', () => {
    expect(result.openFindings()).toEqual([]);
  });
});

describe('the AWS Config history bucket', () => {
  const result = synthesized(fixtureConfig());
  const audit = result.templateJson('us-east/Audit');

  test('is separate from the Object Lock archive, KMS-encrypted with the audit key, versioned, logged, kept for the audit retention', () => {
    const bucket = resourcesOfType(audit, 'AWS::S3::Bucket').find(([, b]) => b.Properties.BucketName === 'vp-us-east-config-111111111111-us-east-1')![1];
    expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
    expect(JSON.stringify(bucket.Properties.BucketEncryption)).toContain('AuditKey');
    expect(bucket.Properties.VersioningConfiguration.Status).toBe('Enabled');
    expect(bucket.Properties.LoggingConfiguration).toBeDefined();
    expect(bucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(2192);
    expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  test('only AWS Config of this account may write to it, and the Detection stack deploys after it', () => {
    const [[, policy]] = resourcesOfType(audit, 'AWS::S3::BucketPolicy').filter(([, p]) => JSON.stringify(p.Properties.Bucket).includes('ConfigHistory'));
    const write = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'configWrite');
    expect(write.Principal).toEqual({ Service: 'config.amazonaws.com' });
    expect(write.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '111111111111' } });
    expect(result.dependenciesOf('us-east/Detection')).toContain('us-east/Audit');
  });
});

describe('replication permissions work with S3 Bucket Keys', () => {
  test('the KMS encryption context condition admits the bucket ARN (Bucket Keys) as well as object ARNs', () => {
    const result = synthesized(fixtureConfig());
    for (const stackPath of ['us-east/Audit', `us-east/Tenant-${fixtureTenantId('us-east', 1)}`]) {
      const statements = resourcesOfType(result.templateJson(stackPath), 'AWS::IAM::ManagedPolicy')
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
        .filter((s: any) => s.Condition?.StringLike?.['kms:EncryptionContext:aws:s3:arn']);
      expect(statements.length).toBeGreaterThanOrEqual(2);
      for (const s of statements) {
        const values = s.Condition.StringLike['kms:EncryptionContext:aws:s3:arn'];
        expect(values.filter((v: unknown) => !JSON.stringify(v).includes('/'))).toHaveLength(1);
        expect(values.some((v: unknown) => JSON.stringify(v).includes('/'))).toBe(true);
      }
    }
  });
});

describe('SIEM copies reach the Object Lock archives through a staging bucket, never by a Firehose write into them', () => {
  const result = synthesized(fixtureConfig());
  const audit = result.templateJson('us-east/Audit');
  const dr = result.templateJson('us-east/DisasterRecovery');
  const [[stagingId, staging]] = resourcesOfType(audit, 'AWS::S3::Bucket').filter(([, b]) => b.Properties.BucketName === 'vp-us-east-siem-111111111111-us-east-1');
  const streams = resourcesOfType(audit, 'AWS::KinesisFirehose::DeliveryStream');
  const policies = resourcesOfType(audit, 'AWS::IAM::ManagedPolicy').map(([, p]) => p.Properties);
  const roleIdOf = (description: string) => resourcesOfType(audit, 'AWS::IAM::Role').find(([, r]) => r.Properties.Description.startsWith(description))![0];
  const statementsOf = (roleId: string) =>
    policies.filter((p) => JSON.stringify(p.Roles).includes(roleId)).flatMap((p) => p.PolicyDocument.Statement);

  test('every delivery stream writes only into the staging bucket, which has no Object Lock default retention', () => {
    expect(streams.length).toBeGreaterThanOrEqual(4);
    for (const [, stream] of streams) {
      const buckets = JSON.stringify(stream.Properties).match(/"BucketARN":\{[^}]*\}/g)!;
      expect(buckets.length).toBeGreaterThanOrEqual(1);
      for (const b of buckets) expect(b).toBe(`"BucketARN":{"Fn::GetAtt":["${stagingId}","Arn"]}`);
    }
    expect(staging.Properties.ObjectLockConfiguration).toBeUndefined();
  });

  test('the staging bucket replicates every object into the primary and the DR archive, both under Object Lock COMPLIANCE', () => {
    const rules = staging.Properties.ReplicationConfiguration.Rules;
    expect(rules.map((r: any) => r.Destination.Bucket)).toEqual([
      'arn:aws:s3:::vp-us-east-audit-111111111111-us-east-1',
      'arn:aws:s3:::vp-us-east-audit-111111111111-us-west-2',
    ]);
    for (const rule of rules) {
      expect(rule).toMatchObject({ Status: 'Enabled', Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Disabled' } });
    }
    expect(new Set(rules.map((r: any) => r.Priority)).size).toBe(2);
    expect(JSON.stringify(rules[0].Destination.EncryptionConfiguration)).toContain('AuditKey');
    expect(rules[1].Destination.EncryptionConfiguration).toEqual({ ReplicaKmsKeyID: 'arn:aws:kms:us-west-2:111111111111:alias/vp-us-east/audit' });
    expect(bucketNamed(audit, 'vp-us-east-audit-111111111111-us-east-1').Properties.ObjectLockConfiguration.Rule.DefaultRetention.Mode).toBe('COMPLIANCE');
    expect(bucketNamed(dr, 'vp-us-east-audit-111111111111-us-west-2').Properties.ObjectLockConfiguration.Rule.DefaultRetention.Mode).toBe('COMPLIANCE');
  });

  test('the replication role reads retention and legal holds (required for an Object Lock destination) and writes only into the two archives', () => {
    const statements = statementsOf(roleIdOf('Replicates SIEM copies'));
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObjectRetention', 's3:GetObjectLegalHold', 's3:ReplicateObject']));
    const writes = statements.find((s: any) => [s.Action].flat().includes('s3:ReplicateObject'));
    expect(writes.Resource).toEqual([
      'arn:aws:s3:::vp-us-east-audit-111111111111-us-east-1/*',
      'arn:aws:s3:::vp-us-east-audit-111111111111-us-west-2/*',
    ]);
  });

  test('no one may delete a staged copy; lifecycle removes copies after 30 days and leaves no delete markers behind', () => {
    const [[, policy]] = resourcesOfType(audit, 'AWS::S3::BucketPolicy').filter(([, p]) => JSON.stringify(p.Properties.Bucket).includes(stagingId));
    const deny = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'NoOneDeletesAuditCopiesBeforeReplication');
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'] });
    const rules = staging.Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }),
        expect.objectContaining({ ExpiredObjectDeleteMarker: true }),
      ]),
    );
    expect(rules.find((r: any) => r.ExpiredObjectDeleteMarker).ExpirationInDays).toBeUndefined();
  });

  test('CloudWatch Logs may put records into the streams and use their key for it (streams encrypted with a customer managed key)', () => {
    const statements = statementsOf(roleIdOf('Lets CloudWatch Logs'));
    const kms = statements.find((s: any) => s.Sid === 'EncryptRecordsOfTheStreams');
    expect([...kms.Action].sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(kms.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'firehose.us-east-1.amazonaws.com' } });
    expect(JSON.stringify(kms.Resource)).toContain('AuditKey');
  });
});

describe('a SIEM copy that fails to replicate into an archive alerts', () => {
  const result = synthesized(fixtureConfig());
  const audit = result.templateJson('us-east/Audit');
  const detection = result.templateJson('us-east/Detection');

  test('both replication rules publish metrics, and one alarm on their failed operations notifies the alert topic', () => {
    const staging = bucketNamed(audit, 'vp-us-east-siem-111111111111-us-east-1');
    for (const rule of staging.Properties.ReplicationConfiguration.Rules) expect(rule.Destination.Metrics).toEqual({ Status: 'Enabled' });
    const [[, alarm]] = resourcesOfType(detection, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.AlarmName === 'vp-us-east-SiemReplicationFailed');
    const metrics = alarm.Properties.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric);
    expect(metrics.map((m: any) => m.MetricName)).toEqual(['OperationsFailedReplication', 'OperationsFailedReplication']);
    const dims = metrics.map((m: any) => Object.fromEntries(m.Dimensions.map((d: any) => [d.Name, d.Value])));
    expect(dims).toEqual([
      { SourceBucket: 'vp-us-east-siem-111111111111-us-east-1', DestinationBucket: 'vp-us-east-audit-111111111111-us-east-1', RuleId: 'siem-to-archive' },
      { SourceBucket: 'vp-us-east-siem-111111111111-us-east-1', DestinationBucket: 'vp-us-east-audit-111111111111-us-west-2', RuleId: 'siem-to-dr-archive' },
    ]);
    expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('AlertTopic');
  });
});
