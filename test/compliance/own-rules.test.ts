import { CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { EncryptedLogGroup } from '../../lib/constructs/encrypted-log-group';
import { exampleConfig, synthesize } from '../helpers';

/** Open findings of our own pack after adding resources to the example app. */
function ownFindings(add: Parameters<typeof synthesize>[1]): string[] {
  return synthesize(exampleConfig(), add)
    .openFindings()
    .filter((f) => f.startsWith('VoicePlatform-'));
}

describe('VoicePlatform-ResourceInJurisdiction', () => {
  test('fails a resource whose properties name a region outside the jurisdiction', () => {
    const findings = ownFindings((_app, cells) => {
      new CfnResource(cells[1].network, 'Replication', {
        type: 'AWS::SSM::Parameter',
        properties: { Type: 'String', Value: 'arn:aws:s3:::replica-bucket-us-east-1' },
      });
    });
    expect(findings).toEqual(['VoicePlatform-ResourceInJurisdiction[us-east-1] @ eu-central/Network/Replication']);
  });
});

describe('VoicePlatform-LogGroupEncryptedAndRetained', () => {
  test('fails an audit log group kept for less than the cell audit retention', () => {
    const findings = ownFindings((_app, cells) => {
      const group = new EncryptedLogGroup(cells[0].network, 'Short', {
        logClass: 'audit',
        retention: { auditDays: 2192, operationalLogDays: 90 },
        encryptionKey: cells[0].keys.logs,
      });
      (group.node.defaultChild as logs.CfnLogGroup).retentionInDays = 365;
    });
    expect(findings).toEqual(['VoicePlatform-LogGroupEncryptedAndRetained[audit-retention-below-2192-days] @ us-east/Network/Short/Resource']);
  });

  test('fails an operational log group kept for less than config says', () => {
    const findings = ownFindings((_app, cells) => {
      const group = new EncryptedLogGroup(cells[0].network, 'App', {
        logClass: 'operational',
        retention: { auditDays: 2192, operationalLogDays: 30 },
        encryptionKey: cells[0].keys.logs,
      });
      expect(group.logClass).toBe('operational');
    });
    expect(findings).toEqual(['VoicePlatform-LogGroupEncryptedAndRetained[operational-retention-below-90-days] @ us-east/Network/App/Resource']);
  });

  test('fails a log group without a class, whose retention cannot be checked', () => {
    const findings = ownFindings((_app, cells) => {
      new logs.LogGroup(cells[0].network, 'Unclassified', {
        encryptionKey: cells[0].keys.logs,
        retention: logs.RetentionDays.TEN_YEARS,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    });
    expect(findings).toEqual(['VoicePlatform-LogGroupEncryptedAndRetained[no-log-class] @ us-east/Network/Unclassified/Resource']);
  });
});

describe('VoicePlatform-KmsKeyRotatedAndRetained', () => {
  test('fails a key without rotation, not retained, with a short deletion window', () => {
    const findings = ownFindings((_app, cells) => {
      new kms.Key(cells[0].keys, 'Careless', {
        enableKeyRotation: false,
        pendingWindow: Duration.days(7),
        removalPolicy: RemovalPolicy.DESTROY,
      });
    });
    expect(findings).toEqual(
      ['rotation-disabled', 'not-retained-on-delete', 'not-retained-on-replace', 'deletion-window-not-30-days'].map(
        (f) => `VoicePlatform-KmsKeyRotatedAndRetained[${f}] @ us-east/Keys/Careless/Resource`,
      ),
    );
  });
});

describe('VoicePlatform-NoHiddenFunctionOrRole', () => {
  test('fails a Lambda function written as a plain CfnResource, which no other pack inspects', () => {
    const findings = ownFindings((_app, cells) => {
      new CfnResource(cells[0].network, 'HiddenFunction', {
        type: 'AWS::Lambda::Function',
        properties: { Role: 'arn:aws:iam::111111111111:role/x', Code: { ZipFile: 'x' }, Runtime: 'nodejs22.x', Handler: 'index.handler' },
      });
    });
    expect(findings).toEqual(['VoicePlatform-NoHiddenFunctionOrRole @ us-east/Network/HiddenFunction']);
  });
});

describe('VoicePlatform-AuditArchiveObjectLock', () => {
  test('fails an audit archive in GOVERNANCE mode with a retention below the cell figure', () => {
    const findings = ownFindings((_app, cells) => {
      const cfn = cells[0].audit.auditArchive.node.defaultChild as import('aws-cdk-lib/aws-s3').CfnBucket;
      cfn.objectLockConfiguration = { objectLockEnabled: 'Enabled', rule: { defaultRetention: { mode: 'GOVERNANCE', days: 30 } } };
    });
    expect(findings).toEqual([
      'VoicePlatform-AuditArchiveObjectLock[not-compliance-mode] @ us-east/Audit/AuditArchive/Resource',
      'VoicePlatform-AuditArchiveObjectLock[retention-below-2192-days] @ us-east/Audit/AuditArchive/Resource',
    ]);
  });
});

describe('VoicePlatform-PhiBucketCoveredByTrail', () => {
  const phiBucket = (name: string) => (_app: unknown, cells: import('../../lib/cell-stage').CellStage[]) => {
    const { SecureBucket } = require('../../lib/constructs/secure-bucket');
    const bucket = new SecureBucket(cells[0].audit, 'PhiTest', {
      dataClass: 'phi',
      bucketName: name,
      encryptionKey: cells[0].keys.audit,
      serverAccessLogsBucket: cells[0].audit.accessLogs,
    });
    const { acknowledge } = require('../../lib/compliance/acknowledge');
    for (const rule of ['HIPAA.Security-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled']) {
      acknowledge(bucket, rule, 'Test-only bucket that exists to exercise the trail coverage rule, not replication.');
    }
  };

  test('passes a PHI bucket named with the cell PHI prefix', () => {
    expect(ownFindings(phiBucket('vp-us-east-phi-clinic-001-rec-111111111111'))).toEqual([]);
  });

  test('fails a PHI bucket whose name the trail does not select', () => {
    expect(ownFindings(phiBucket('vp-us-east-recordings-111111111111'))).toEqual([
      'VoicePlatform-PhiBucketCoveredByTrail[not-covered] @ us-east/Audit/PhiTest/Resource',
    ]);
  });

  test('fails when the trail records only writes', () => {
    const findings = ownFindings((app, cells) => {
      phiBucket('vp-us-east-phi-clinic-001-rec-111111111111')(app, cells);
      const trail = cells[0].audit.trail;
      trail.advancedEventSelectors = [
        {
          fieldSelectors: [
            { field: 'eventCategory', equalTo: ['Data'] },
            { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
            { field: 'readOnly', equalTo: ['false'] },
            { field: 'resources.ARN', startsWith: ['arn:aws:s3:::vp-us-east-phi-'] },
          ],
        },
      ];
    });
    expect(findings).toEqual(['VoicePlatform-PhiBucketCoveredByTrail[not-covered] @ us-east/Audit/PhiTest/Resource']);
  });
});
