import { App, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { registerCompliancePacks } from '../../lib/compliance';
import { buildPlatform } from '../../lib/platform';
import { fixtureConfig } from '../fixtures/config';
import { cdkJsonContext, synthesize } from '../helpers';

/** Two cells without clinics: what these tests break is shared, and small apps synthesize fast. */
const small = () => fixtureConfig({ tenantsPerCell: 0 });

/** Paths of the App, Stages and Stacks that carry an acknowledgement: each would silence a rule for everything below. */
function broadAcknowledgements(app: App): string[] {
  return app.node
    .findAll()
    .filter((c) => c instanceof App || c instanceof Stage || c instanceof Stack)
    .filter((c) => c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .map((c) => c.node.path || '(app)');
}

describe('the compliance gate on a two-cell configuration', () => {
  const result = synthesize(fixtureConfig());

  test('runs HIPAA Security, AwsSolutions, NIST 800-53 rev 5 and our own pack with zero open findings', () => {
    expect(result.openFindings()).toEqual([]);
    // Every pack has acknowledged findings in this app, so each appears in the report.
    const packs = result.report.pluginReports.map((r) => r.pluginName);
    expect(packs).toEqual(expect.arrayContaining(['HIPAA.Security', 'AwsSolutions', 'NIST.800.53.R5', 'VoicePlatform']));
    for (const r of result.report.pluginReports) expect(r.conclusion).toBe('success');
  });

  test('every acknowledgement names one rule on one construct, with its namespaced id and a reason', () => {
    const acks = result.acknowledged();
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.violatingConstructs).toHaveLength(1);
      expect(ack.acknowledgedId).toBe(`${ack.ruleName.split('-')[0]}::${ack.ruleName}`);
      expect((ack.reason ?? '').length).toBeGreaterThanOrEqual(40);
    }
  });

  test('no acknowledgement is placed on a stage, a stack or the app', () => {
    expect(broadAcknowledgements(result.app)).toEqual([]);
  });

  test('the check above sees a stack-wide acknowledgement', () => {
    const broad = synthesize(small(), {
      packs: false,
      extend: (_app, cells) => {
        Validations.of(cells[0].network).acknowledge({ id: 'AwsSolutions::AwsSolutions-EC23', reason: 'a stack-wide acknowledgement, which is forbidden' });
      },
    });
    expect(broadAcknowledgements(broad.app)).toEqual(['us-east/Network']);
  });
});

describe('the compliance gate refuses non-compliant resources', () => {
  // One synthesis with three broken resources; each test looks for its own finding.
  const result = synthesize(small(), {
    extend: (_app, cells) => {
      new s3.Bucket(cells[0].network, 'Unencrypted', { encryption: s3.BucketEncryption.S3_MANAGED, removalPolicy: RemovalPolicy.RETAIN });
      new logs.LogGroup(cells[1].network, 'Forever', { retention: logs.RetentionDays.INFINITE, removalPolicy: RemovalPolicy.RETAIN });
      const offshore = new Stack(cells[0], 'Offshore', { env: { account: '111111111111', region: 'eu-west-1' } });
      new logs.LogGroup(offshore, 'Anything', { retention: logs.RetentionDays.ONE_WEEK });
    },
  });

  test('a bucket without KMS default encryption fails with the HIPAA encryption rule', () => {
    expect(result.openFindings()).toContain('HIPAA.Security-S3DefaultEncryptionKMS @ us-east/Network/Unencrypted/Resource');
  });

  test('a log group without retention fails with our log group rule', () => {
    expect(result.openFindings()).toEqual(
      expect.arrayContaining([
        'VoicePlatform-LogGroupEncryptedAndRetained[no-kms-key] @ eu-central/Network/Forever/Resource',
        'VoicePlatform-LogGroupEncryptedAndRetained[no-retention] @ eu-central/Network/Forever/Resource',
      ]),
    );
  });

  test('a resource in a region outside the jurisdiction fails with our jurisdiction rule', () => {
    expect(result.openFindings()).toContain('VoicePlatform-ResourceInJurisdiction[eu-west-1] @ us-east/Offshore/Anything/Resource');
  });

  test('app.synth() throws on any unacknowledged finding when the gate is on', () => {
    const app = new App({ outdir: require('node:os').tmpdir() + '/vp-gate', context: cdkJsonContext(), builtinCloudFormationValidation: false });
    const cells = buildPlatform(app, small());
    new s3.Bucket(cells[0].network, 'Unencrypted', { encryption: s3.BucketEncryption.S3_MANAGED });
    registerCompliancePacks(app);
    let thrown: Error | undefined;
    try {
      app.synth();
    } catch (e) {
      thrown = e as Error;
    }
    expect(thrown?.name).toBe('ValidationFailed');
    expect(thrown?.message).toContain('S3DefaultEncryptionKMS');
  });
});
