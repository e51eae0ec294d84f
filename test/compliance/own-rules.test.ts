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
