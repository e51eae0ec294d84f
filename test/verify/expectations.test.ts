import { auditArchiveBucketName, databaseInstanceId, phiBucketName, restoreTestingPlanName, siemStagingBucketName, trailName } from '../../lib/naming';
import { DIGEST, OFFBOARDING_TENANT, expectationsOf, verifyConfig } from './fixtures';
import { fixtureTenantId } from '../fixtures/config';

/** What verify compares against comes from the synthesized templates, named as lib/naming.ts names things. */
describe('verify expectations, read from the synthesized templates', () => {
  const config = verifyConfig();
  const naming = { platform: config.platform, cell: config.cells[0] };
  const expected = expectationsOf(config);

  test('lists every stack of the cell with its CloudFormation name and region, primary and DR', () => {
    const names = expected.stacks.map((s) => `${s.stackName}@${s.region}`);
    expect(names).toEqual(expect.arrayContaining(['us-east-Keys@us-east-1', 'us-east-Data@us-east-1', 'us-east-Voice@us-east-1', 'us-east-DisasterRecovery@us-west-2']));
    expect(names).toContain(`us-east-TenantReplica-${fixtureTenantId('us-east', 1)}@us-west-2`);
    expect(expected.stacks).toHaveLength(9 + 2 * 2);
  });

  test('names the trail, the archives with their locked retention, and the replication between them', () => {
    expect(expected.trail).toEqual({ name: trailName(naming), region: 'us-east-1', bucket: auditArchiveBucketName(naming, 'us-east-1'), keyPrefix: 'cloudtrail' });
    expect(expected.archives).toEqual([
      { bucket: auditArchiveBucketName(naming, 'us-east-1'), region: 'us-east-1', retentionDays: 2192, replicaBucket: auditArchiveBucketName(naming, 'us-west-2') },
      { bucket: auditArchiveBucketName(naming, 'us-west-2'), region: 'us-west-2', retentionDays: 2192 },
    ]);
  });

  test('finds every SIEM stream with its archive prefix, and their one delivery error log group', () => {
    expect(expected.siemStreams.map((s) => s.prefix).sort()).toEqual(
      ['cloudtrail', 'database-audit', 'voice-audit', 'vpc-flow-logs', 'waf'].map((s) => `siem/${s}/!{timestamp:yyyy/MM/dd}/`),
    );
    expect(new Set(expected.siemStreams.map((s) => s.bucket))).toEqual(new Set([siemStagingBucketName(naming, 'us-east-1')]));
    expect(expected.siemErrorLogGroups).toHaveLength(1);
  });

  test('takes the database, its key and the backup vaults from the templates', () => {
    expect(expected.database).toEqual({ instanceId: databaseInstanceId(naming), region: 'us-east-1', keyAlias: 'alias/vp-us-east/database', multiAz: true });
    expect(expected.backup).toMatchObject({ region: 'us-east-1', vault: 'vp-us-east-backup-us-east-1', drRegion: 'us-west-2', drVault: 'vp-us-east-backup-us-west-2', restoreTargetHours: 72 });
    expect(expected.backup.vaults).toHaveLength(2);
    expect(expected.backup.vaults).toEqual(
      expect.arrayContaining([
        { name: 'vp-us-east-backup-us-east-1', region: 'us-east-1' },
        { name: 'vp-us-east-backup-us-west-2', region: 'us-west-2' },
      ]),
    );
    expect(expected.backup.restoreTestingPlan?.name).toBe(restoreTestingPlanName(naming));
  });

  test('expects the Security Hub standards the Detection stack subscribes to', () => {
    expect(expected.detection?.standards).toEqual(
      expect.arrayContaining(['arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0']),
    );
  });

  test('expects each clinic bucket with its own key, and the offboarding date of an offboarding clinic', () => {
    const first = fixtureTenantId('us-east', 1);
    const rec = expected.tenantBuckets.find((b) => b.bucket === phiBucketName(naming, first, 'rec'));
    expect(rec).toEqual({ tenantId: first, bucket: phiBucketName(naming, first, 'rec'), region: 'us-east-1', keyAlias: `alias/vp-us-east/tenant-${first}` });
    const replica = expected.tenantBuckets.find((b) => b.bucket === phiBucketName(naming, OFFBOARDING_TENANT, 'txt', true));
    expect(replica).toMatchObject({ region: 'us-west-2', keyAlias: `alias/vp-us-east/tenant-${OFFBOARDING_TENANT}`, expiresOn: '2027-03-16T00:00:00Z' });
    // The first clinic records calls (rec and txt), the second opted out (txt only); each in both regions.
    expect(expected.tenantBuckets).toHaveLength(6);
  });

  test('expects the voice service on the configured digest, and no voice stack while the digest is the placeholder', () => {
    expect(expected.voice).toEqual({ region: 'us-east-1', cluster: 'vp-us-east-voice', service: 'vp-us-east-voice', imageDigest: DIGEST });
    const placeholder = expectationsOf(verifyConfig((raw) => (raw.cells[0].voice.imageDigest = `sha256:${'0'.repeat(64)}`)));
    expect(placeholder.voice).toBeUndefined();
    expect(placeholder.stacks.map((s) => s.path)).not.toContain('us-east/Voice');
  });
});
