import { RawConfig, fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

/** Clinics with every storage choice: recordings kept a year, recordings off, the defaults; and EU clinics with their own retention. */
const CLINICS: RawConfig[] = [
  { id: 'clinic-001', cell: 'us-east', jurisdiction: 'US', recordings: { enabled: true, retentionDays: 365 }, transcripts: { retentionDays: 365 } },
  { id: 'clinic-002', cell: 'us-east', jurisdiction: 'US', recordings: { enabled: false }, transcripts: { retentionDays: 730 } },
  { id: 'clinic-003', cell: 'us-east', jurisdiction: 'US' },
  { id: 'clinic-101', cell: 'eu-central', jurisdiction: 'EU', recordings: { enabled: true, retentionDays: 180 }, transcripts: { retentionDays: 365 } },
  { id: 'clinic-102', cell: 'eu-central', jurisdiction: 'EU', recordings: { enabled: true, retentionDays: 90 }, transcripts: { retentionDays: 90 } },
];

const clinicsConfig = (edit: (tenants: RawConfig[]) => void = () => undefined) =>
  fixtureConfig({
    edit: (raw) => {
      raw.tenants = structuredClone(CLINICS);
      edit(raw.tenants);
    },
  });

const bucketNamed = (t: Record<string, any>, name: string) =>
  resourcesOfType(t, 'AWS::S3::Bucket').find(([, b]) => b.Properties.BucketName === name)?.[1];

describe('TenantStack and TenantReplicaStack', () => {
  const config = clinicsConfig();
  const result = synthesized(config);
  const t1 = result.templateJson('us-east/Tenant-clinic-001');
  const recordings = bucketNamed(t1, 'vp-us-east-phi-clinic-001-rec-111111111111');
  const transcripts = bucketNamed(t1, 'vp-us-east-phi-clinic-001-txt-111111111111');

  test('one primary and one DR replica stack per tenant, in the cell regions', () => {
    for (const tenant of config.tenants) {
      const cell = result.cells.find((c) => c.stageName === tenant.cell)!;
      const ids = cell.stacks.map((s) => [s.hierarchicalId, s.environment.region]);
      const cellConfig = config.cells.find((c) => c.id === tenant.cell)!;
      expect(ids).toEqual(
        expect.arrayContaining([
          [`${tenant.cell}/Tenant-${tenant.id}`, cellConfig.primaryRegion],
          [`${tenant.cell}/TenantReplica-${tenant.id}`, cellConfig.drRegion],
        ]),
      );
    }
  });

  test('each tenant has its own rotating, retained KMS key whose alias names the tenant', () => {
    const [[, key]] = resourcesOfType(t1, 'AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    const [[, alias]] = resourcesOfType(t1, 'AWS::KMS::Alias');
    expect(alias.Properties.AliasName).toBe('alias/vp-us-east/tenant-clinic-001');
  });

  test('only the tenant role, its replication role and break-glass may use the tenant key, only through S3', () => {
    const [[, key]] = resourcesOfType(t1, 'AWS::KMS::Key');
    const statements = key.Properties.KeyPolicy.Statement;
    const use = statements.filter((s: any) => JSON.stringify(s.Action).includes('Decrypt'));
    expect(use).toHaveLength(1);
    expect(use[0].Condition.ArnEquals['aws:PrincipalArn']).toEqual([
      'arn:aws:iam::111111111111:role/vp-us-east-tenant-clinic-001',
      'arn:aws:iam::111111111111:role/vp-us-east-tenant-clinic-001-replication',
      'arn:aws:iam::111111111111:role/vp-us-east-break-glass',
    ]);
    expect(JSON.stringify(use[0].Condition.StringEquals['kms:ViaService'])).toContain('s3.');
  });

  test('recordings and transcripts: SSE-KMS with the tenant key and bucket keys, private, versioned, logged', () => {
    for (const bucket of [recordings, transcripts]) {
      const [sse] = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration;
      expect(sse.BucketKeyEnabled).toBe(true);
      expect(sse.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
      expect(JSON.stringify(sse.ServerSideEncryptionByDefault.KMSMasterKeyID)).toContain('TenantKey');
      expect(bucket.Properties.VersioningConfiguration.Status).toBe('Enabled');
      expect(bucket.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
      expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toBe('vp-us-east-access-logs-111111111111-us-east-1');
      expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
    }
  });

  test('bucket policies require TLS 1.2+, deny PHI access to every other principal, and refuse any other key', () => {
    const policies = resourcesOfType(t1, 'AWS::S3::BucketPolicy').map(([, p]) => p.Properties.PolicyDocument.Statement);
    expect(policies).toHaveLength(2);
    for (const statements of policies) {
      const byCondition = (key: string) => statements.find((s: any) => JSON.stringify(s.Condition ?? {}).includes(key));
      expect(byCondition('aws:SecureTransport').Effect).toBe('Deny');
      expect(byCondition('s3:TlsVersion').Condition.NumericLessThan['s3:TlsVersion']).toBe(1.2);
      const only = statements.find((s: any) => s.Sid === 'OnlyTenantRolesTouchPhi');
      expect(only.Effect).toBe('Deny');
      expect(only.Principal).toEqual({ AWS: '*' });
      expect(only.Condition.ArnNotEquals['aws:PrincipalArn']).toHaveLength(3);
      // Negated operators are true when a key is absent, so each deny first requires the header to be
      // present: requests without encryption headers (UploadPart, default encryption) are not denied.
      const headerPresent = { Null: { 's3:x-amz-server-side-encryption': 'false' } };
      const onlyKey = statements.find((s: any) => s.Sid === 'OnlyTheTenantKey');
      expect(onlyKey.Effect).toBe('Deny');
      expect(onlyKey.Condition.Null).toEqual(headerPresent.Null);
      expect(JSON.stringify(onlyKey.Condition.StringNotEquals['s3:x-amz-server-side-encryption-aws-kms-key-id'])).toContain('TenantKey');
      expect(statements.find((s: any) => s.Sid === 'OnlySseKms').Condition).toEqual({
        ...headerPresent,
        StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
      });
      expect(statements.find((s: any) => s.Sid === 'NoCustomerProvidedKeys').Condition).toEqual({
        Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' },
      });
      // No deny on PutObject may apply to a request that carries no encryption header at all.
      for (const deny of statements.filter((s: any) => s.Effect === 'Deny' && [s.Action].flat().includes('s3:PutObject'))) {
        expect(deny.Condition.Null).toBeDefined();
      }
    }
  });

  test('retention from config expires current and noncurrent versions and incomplete uploads', () => {
    const rule = (b: any) => b.Properties.LifecycleConfiguration.Rules.find((r: any) => r.Id === 'retention');
    expect(rule(recordings)).toEqual(
      expect.objectContaining({ ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    );
    const eu = result.templateJson('eu-central/Tenant-clinic-102');
    expect(rule(bucketNamed(eu, 'vp-eu-central-phi-clinic-102-rec-222222222222')).ExpirationInDays).toBe(90);
    const t2 = result.templateJson('us-east/Tenant-clinic-002');
    expect(rule(bucketNamed(t2, 'vp-us-east-phi-clinic-002-txt-111111111111')).ExpirationInDays).toBe(730);
  });

  test('a tenant that opted out of recordings has no recordings bucket anywhere, so none can be written', () => {
    for (const stack of ['us-east/Tenant-clinic-002', 'us-east/TenantReplica-clinic-002']) {
      const names = resourcesOfType(result.templateJson(stack), 'AWS::S3::Bucket').map(([, b]) => b.Properties.BucketName);
      expect(names.some((n: string) => n.includes('-rec'))).toBe(false);
      expect(names).toHaveLength(1);
    }
    expect(JSON.stringify(result.templateJson('us-east/Tenant-clinic-002'))).not.toContain('-rec-');
  });

  test('every PHI bucket replicates to its replica in the DR region, encrypted with the tenant DR key, nowhere else', () => {
    const [rule] = recordings.Properties.ReplicationConfiguration.Rules;
    expect(recordings.Properties.ReplicationConfiguration.Rules).toHaveLength(1);
    expect(rule.Destination).toEqual({
      Bucket: 'arn:aws:s3:::vp-us-east-phi-clinic-001-rec-dr-111111111111',
      EncryptionConfiguration: { ReplicaKmsKeyID: 'arn:aws:kms:us-west-2:111111111111:alias/vp-us-east/tenant-clinic-001' },
    });
    const replica = result.templateJson('us-east/TenantReplica-clinic-001');
    const replicaBucket = bucketNamed(replica, 'vp-us-east-phi-clinic-001-rec-dr-111111111111');
    expect(JSON.stringify(replicaBucket.Properties.BucketEncryption)).toContain('TenantKey');
    expect(replicaBucket.Properties.LoggingConfiguration.DestinationBucketName).toBe('vp-us-east-access-logs-111111111111-us-west-2');
    const [[, drAlias]] = resourcesOfType(replica, 'AWS::KMS::Alias');
    expect(drAlias.Properties.AliasName).toBe('alias/vp-us-east/tenant-clinic-001');
    const euRule = bucketNamed(result.templateJson('eu-central/Tenant-clinic-101'), 'vp-eu-central-phi-clinic-101-rec-222222222222').Properties
      .ReplicationConfiguration.Rules[0];
    expect(euRule.Destination.EncryptionConfiguration.ReplicaKmsKeyID).toMatch(/^arn:aws:kms:eu-west-1:/);
  });

  test('the tenant role can use only its own buckets and key and is assumable only by the credential broker and break-glass', () => {
    const role = resourcesOfType(t1, 'AWS::IAM::Role').find(([, r]) => r.Properties.RoleName === 'vp-us-east-tenant-clinic-001')![1];
    const principals = role.Properties.AssumeRolePolicyDocument.Statement.map((s: any) => s.Condition.ArnEquals['aws:PrincipalArn']);
    expect([...new Set(principals)]).toEqual(['arn:aws:iam::111111111111:role/vp-us-east-credential-broker', 'arn:aws:iam::111111111111:role/vp-us-east-break-glass']);
    const roleId = resourcesOfType(t1, 'AWS::IAM::Role').find(([, r]) => r === role)![0];
    const policies = resourcesOfType(t1, 'AWS::IAM::ManagedPolicy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId));
    const text = JSON.stringify(policies.map(([, p]) => p.Properties.PolicyDocument));
    expect(text).not.toMatch(/"Resource":"\*"/);
    expect(text).not.toContain('clinic-002');
    expect(text).toContain('TenantKey');
  });

  test('tenant PHI buckets are covered by the cell trail data events (the trail selects their prefix)', () => {
    const trail = resourcesOfType(result.templateJson('us-east/Audit'), 'AWS::CloudTrail::Trail')[0][1];
    const prefix = trail.Properties.AdvancedEventSelectors[1].FieldSelectors[2].StartsWith[0];
    for (const name of ['vp-us-east-phi-clinic-001-rec-111111111111', 'vp-us-east-phi-clinic-001-rec-dr-111111111111']) {
      expect(`arn:aws:s3:::${name}/`.startsWith(prefix)).toBe(true);
    }
  });

  test('the example config has zero open findings', () => {
    expect(result.openFindings()).toEqual([]);
  });
});

describe('offboarding', () => {
  const offboarding = clinicsConfig((tenants) => (tenants[0].offboarding = { terminationDate: '2027-03-15' }));
  const result = synthesized(offboarding, { packs: false });

  test('every recording and transcript, primary and replica, and every noncurrent version, is gone within 30 days of the termination date', () => {
    for (const stack of ['us-east/Tenant-clinic-001', 'us-east/TenantReplica-clinic-001']) {
      const buckets = resourcesOfType(result.templateJson(stack), 'AWS::S3::Bucket');
      expect(buckets).toHaveLength(2);
      for (const [, b] of buckets) {
        const rules = b.Properties.LifecycleConfiguration.Rules;
        const rule = rules.find((r: any) => r.Id === 'offboarding');
        const expiry = new Date(rule.ExpirationDate);
        const days = (expiry.getTime() - Date.parse('2027-03-15T00:00:00Z')) / 86_400_000;
        expect(days).toBeGreaterThan(0);
        // Overlapping rules apply the shorter noncurrent expiry: the offboarding rule's.
        const noncurrent = Math.min(...rules.filter((r: any) => r.NoncurrentVersionExpiration).map((r: any) => r.NoncurrentVersionExpiration.NoncurrentDays));
        // S3 acts within about a day of each expiry: current expiry, then the versions it leaves.
        expect(days + 1 + noncurrent + 1).toBeLessThanOrEqual(30);
      }
    }
  });

  test('the audit trail stays: archive retention and trail are unchanged', () => {
    const archive = resourcesOfType(result.templateJson('us-east/Audit'), 'AWS::S3::Bucket').find(([, b]) =>
      String(b.Properties.BucketName).includes('-audit-'),
    )![1];
    expect(archive.Properties.ObjectLockConfiguration.Rule.DefaultRetention.Days).toBe(2192);
    expect(resourcesOfType(result.templateJson('us-east/Audit'), 'AWS::CloudTrail::Trail')).toHaveLength(1);
  });

  test('tenants that are not offboarding get no offboarding rule', () => {
    const buckets = resourcesOfType(result.templateJson('us-east/Tenant-clinic-003'), 'AWS::S3::Bucket');
    for (const [, b] of buckets) expect(JSON.stringify(b.Properties.LifecycleConfiguration)).not.toContain('offboarding');
  });
});
