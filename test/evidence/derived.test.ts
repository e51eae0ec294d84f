import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { fixtureConfig } from '../fixtures/config';
import { synthesize, synthesized } from '../helpers';
import { clinicRow, evidenceOf, linesWith, section } from './support';

/** A bucket of the EU cell, in eu-west-1: a destination across the border for a US tenant. */
const EU_BUCKET = 'vp-eu-central-phi-eu-central-c001-rec-dr-222222222222';

describe('the evidence pack is derived from the templates, not written by hand', () => {
  const config = fixtureConfig();
  const original = evidenceOf(synthesized(config))['us-east'];
  const tampered = evidenceOf(
    synthesize(config, { extend: (_app, cells) => {
      const us = cells.find((c) => c.stageName === 'us-east')!;
      const tenant = us.tenantStacks.find((s) => s.node.id === 'Tenant-us-east-c001')!;
      // Set the L1 properties (not overrides), so that the compliance packs see what the template says.
      (tenant.node.findChild('TenantKey').node.defaultChild as kms.CfnKey).enableKeyRotation = false;
      (us.voice.node.findChild('AuditLogs').node.defaultChild as logs.CfnLogGroup).retentionInDays = 731;
      const recordings = tenant.node.findChild('Recordings').node.defaultChild as s3.CfnBucket;
      const replication = recordings.replicationConfiguration as s3.CfnBucket.ReplicationConfigurationProperty;
      recordings.replicationConfiguration = {
        ...replication,
        rules: [
          ...(replication.rules as s3.CfnBucket.ReplicationRuleProperty[]),
          {
            id: 'rec-to-eu',
            priority: 2,
            status: 'Enabled',
            filter: { prefix: 'exported/' },
            deleteMarkerReplication: { status: 'Disabled' },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
            destination: {
              bucket: `arn:aws:s3:::${EU_BUCKET}`,
              encryptionConfiguration: { replicaKmsKeyId: 'arn:aws:kms:eu-west-1:222222222222:alias/vp-eu-central/tenant-eu-central-c001' },
            },
          },
        ],
      };
    } }),
  )['us-east'];

  test('a key whose rotation is turned off shows "no rotation" for every store it encrypts', () => {
    // The store names its key; the key's row in the keys table states its rotation.
    const store = (report: string) => linesWith(section(report, '2.'), 'vp-us-east-phi-us-east-c001-rec-111111111111', '| S3 bucket |')[0];
    expect(store(tampered)).toContain('| alias/vp-us-east/tenant-us-east-c001 |');
    const key = (report: string, id: string) => linesWith(section(report, '2.'), `| alias/vp-us-east/tenant-${id} | us-east-1 |`)[0] ?? linesWith(section(report, '2.'), '| alias/vp-us-east/tenant-&lt;clinic&gt;', '| us-east-1 |')[0];
    // Every key rotating the same, the rotation is written once below the keys table.
    expect(section(original, '2.')).toContain('**Rotation**: rotates every 365 days');
    expect(key(tampered, 'us-east-c001')).toContain('| no rotation |');
    // Other tenants' keys are untouched.
    expect(key(tampered, 'us-east-c002')).toContain('rotates every 365 days');
  });

  test('a shortened log group retention shows the new figure', () => {
    // Section 1 (b) names each log group with its retention; section 4 counts them by class and retention.
    const row = (report: string) => linesWith(section(report, '1.'), '/vp-us-east/voice/audit', '| audit |')[0];
    expect(row(original)).toContain('| 2192 days |');
    expect(row(tampered)).toContain('| 731 days |');
    expect(row(tampered)).not.toContain('TrailLogs');
    expect(linesWith(section(tampered, '4.'), '| 1 audit log group ([Log groups](#log-groups)) | Audit logs | 731 days |')).toHaveLength(1);
    expect(linesWith(section(original, '4.'), '| Audit logs | 731 days |')).toEqual([]);
  });

  test('a replication destination in another jurisdiction adds its region to the tenant and is judged OUTSIDE', () => {
    const tenantRow = (report: string) => clinicRow(section(report, '3.'), 'us-east-c001', 'us-east/Tenant-us-east-c001 (us-east-1)');
    expect(tenantRow(original)).toContain('| us-east-1, us-west-2 | inside US |');
    expect(tenantRow(tampered)).toContain('| eu-west-1, us-east-1, us-west-2 | **OUTSIDE US** |');

    const [destination] = linesWith(section(tampered, '3.'), `${EU_BUCKET} (eu-central/TenantReplica-eu-central-c001)`);
    expect(destination).toContain('| rec-to-eu |');
    // Another account's key stays a whole ARN.
    expect(destination).toContain('| eu-west-1 | arn:aws:kms:eu-west-1:222222222222:alias/vp-eu-central/tenant-eu-central-c001 (eu-west-1) | **OUTSIDE US** |');
    expect(section(tampered, '3.')).toContain('1 replication or copy destination of this cell is OUTSIDE US.');
    // The region now named in a template's text is judged too.
    expect(linesWith(section(original, '3.'), 'Region names anywhere in the text of the templates')[0]).not.toContain('eu-west-1');
    expect(linesWith(section(tampered, '3.'), 'Region names anywhere in the text of the templates')[0]).toMatch(/`eu-west-1` in 1 template \(\*\*OUTSIDE US\*\*\)/);
    expect(section(tampered, '7.')).toContain(`${EU_BUCKET} (eu-central/TenantReplica-eu-central-c001, eu-west-1)`);
    expect(section(tampered, '7.')).toMatch(/-->\|"replicates to eu-west-1"\|/);
  });

  test('the open findings our own pack raises on the tampered app are reported loudly', () => {
    expect(section(original, '5.')).toContain('**Open findings in this cell: 0.**');
    const results = section(tampered, '5.');
    expect(results).toMatch(/OPEN FINDINGS IN THIS CELL: [1-9]\d*\./);
    expect(results).toContain('VoicePlatform-KmsKeyRotatedAndRetained');
    expect(results).toContain('VoicePlatform-ReplicationInJurisdiction');
  });
});
