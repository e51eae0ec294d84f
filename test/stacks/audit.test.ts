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
