import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance } from 'cdk-nag';
import { CellStage } from '../../lib/cell-stage';
import { LogDeliveryInJurisdiction } from '../../lib/compliance/rules/log-delivery-in-jurisdiction';
import { PlatformConfig } from '../../lib/config';
import { EncryptedLogGroup } from '../../lib/constructs/encrypted-log-group';
import { SiemDelivery } from '../../lib/constructs/siem-delivery';
import { cell, fixtureConfig } from '../fixtures/config';
import { synthesize } from '../helpers';

const RULE = 'VoicePlatform-LogDeliveryInJurisdiction';

/** Open findings of this rule after adding resources to the app. */
function findings(config: PlatformConfig, add: (app: App, cells: CellStage[]) => void): string[] {
  const result = synthesize(config, { extend: add, packs: 'own' });
  return [...new Set(result.openFindings().filter((f) => f.startsWith(RULE)))].sort();
}

/** Two cells without clinics: the rule is about log delivery, which clinics do not add. */
const twoCells = () => fixtureConfig({ tenantsPerCell: 0 });

const SIEM_URL = 'https://ingest.siem.example.com/v1/firehose';

function withSiem(): PlatformConfig {
  const siem = { name: 'ExampleSIEM', url: SIEM_URL, baaSigned: true, dpaSigned: true, processingRegions: ['us-east-1'] };
  return fixtureConfig({ tenantsPerCell: 0, edit: (raw) => (cell(raw, 'us-east').siem = siem) });
}

/** A role ARN for fixtures; the rule does not look at it. */
const ROLE = 'arn:aws:iam::111111111111:role/delivery';

function s3Destination(bucketArn: string): firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty {
  return { bucketArn, roleArn: ROLE };
}

describe('VoicePlatform-LogDeliveryInJurisdiction', () => {
  test('fails a subscription filter to a literal Firehose ARN in eu-west-1 from a US cell, and one in another account', () => {
    const found = findings(twoCells(), (_app, cells) => {
      new logs.CfnSubscriptionFilter(cells[0].network, 'Offshore', {
        logGroupName: 'any',
        filterPattern: '',
        destinationArn: 'arn:aws:firehose:eu-west-1:111111111111:deliverystream/offshore',
        roleArn: ROLE,
      });
      new logs.CfnSubscriptionFilter(cells[0].network, 'OtherAccount', {
        logGroupName: 'any',
        filterPattern: '',
        destinationArn: 'arn:aws:firehose:us-east-1:999999999999:deliverystream/elsewhere',
        roleArn: ROLE,
      });
    });
    expect(found).toEqual([
      `${RULE}[destination-cross-account:999999999999] @ us-east/Network/OtherAccount`,
      `${RULE}[destination-not-in-app] @ us-east/Network/Offshore`,
      `${RULE}[destination-not-in-app] @ us-east/Network/OtherAccount`,
      `${RULE}[destination-outside-US:eu-west-1] @ us-east/Network/Offshore`,
    ]);
  });

  test('fails a subscription filter to a stream of this app in a stack outside the jurisdiction', () => {
    const found = findings(twoCells(), (_app, cells) => {
      const offshore = new Stack(cells[0], 'Offshore', { env: { account: '111111111111', region: 'eu-west-1' } });
      const stream = new firehose.CfnDeliveryStream(offshore, 'Stream', {
        extendedS3DestinationConfiguration: s3Destination('arn:aws:s3:::vp-us-east-audit-111111111111-us-east-1'),
      });
      new logs.CfnSubscriptionFilter(offshore, 'ToStream', {
        logGroupName: 'any',
        filterPattern: '',
        destinationArn: stream.attrArn,
        roleArn: ROLE,
      });
    });
    expect(found).toEqual([`${RULE}[destination-outside-US:eu-west-1] @ us-east/Offshore/ToStream`]);
  });

  test('fails a delivery stream to a literal bucket that is not a bucket of the cell, or a bucket of another cell', () => {
    const found = findings(twoCells(), (_app, cells) => {
      new firehose.CfnDeliveryStream(cells[0].network, 'ToForeignBucket', {
        extendedS3DestinationConfiguration: s3Destination('arn:aws:s3:::someone-elses-bucket'),
      });
      // The EU cell's archive, by name: a bucket of this app, but not of this cell.
      new firehose.CfnDeliveryStream(cells[0].network, 'ToOtherCell', {
        s3DestinationConfiguration: { bucketArn: 'arn:aws:s3:::vp-eu-central-audit-222222222222-eu-central-1', roleArn: ROLE },
      });
    });
    expect(found).toEqual([
      `${RULE}[s3-bucket-not-in-cell:someone-elses-bucket] @ us-east/Network/ToForeignBucket`,
      `${RULE}[s3-bucket-not-in-cell:vp-eu-central-audit-222222222222-eu-central-1] @ us-east/Network/ToOtherCell`,
    ]);
  });

  test('fails a delivery stream to a referenced bucket of another cell', () => {
    const found = findings(twoCells(), (_app, cells) => {
      new firehose.CfnDeliveryStream(cells[0].network, 'ToEuArchive', {
        extendedS3DestinationConfiguration: s3Destination(cells[1].audit.auditArchive.bucketArn),
      });
    });
    expect(found).toEqual([`${RULE}[s3-bucket-outside-cell:eu-central/Audit/AuditArchive/Resource] @ us-east/Network/ToEuArchive`]);
  });

  test('fails an HTTP endpoint that is not the configured SIEM, and any HTTP endpoint in a cell without one', () => {
    const config = withSiem();
    const http = (url: string, bucketArn: string): firehose.CfnDeliveryStream.HttpEndpointDestinationConfigurationProperty => ({
      endpointConfiguration: { url },
      s3Configuration: { bucketArn, roleArn: ROLE },
    });
    const found = findings(config, (_app, cells) => {
      new firehose.CfnDeliveryStream(cells[0].network, 'ToOtherSiem', {
        httpEndpointDestinationConfiguration: http('https://collector.elsewhere.example.net/ingest', cells[0].audit.auditArchive.bucketArn),
      });
      new firehose.CfnDeliveryStream(cells[1].network, 'ToAnySiem', {
        httpEndpointDestinationConfiguration: http(SIEM_URL, cells[1].audit.auditArchive.bucketArn),
      });
    });
    expect(found).toEqual([
      `${RULE}[http-endpoint-not-configured-siem:https://collector.elsewhere.example.net/ingest] @ us-east/Network/ToOtherSiem`,
      `${RULE}[http-endpoint-without-configured-siem:${SIEM_URL}] @ eu-central/Network/ToAnySiem`,
    ]);
  });

  test('fails every other destination type, written as an L1 or as a plain CfnResource', () => {
    const found = findings(twoCells(), (_app, cells) => {
      new firehose.CfnDeliveryStream(cells[0].network, 'ToSplunk', {
        splunkDestinationConfiguration: {
          hecEndpoint: 'https://splunk.example.com:8088',
          hecEndpointType: 'Raw',
          s3Configuration: { bucketArn: cells[0].audit.auditArchive.bucketArn, roleArn: ROLE },
        },
      });
      new CfnResource(cells[0].network, 'ToOpenSearch', {
        type: 'AWS::KinesisFirehose::DeliveryStream',
        properties: { AmazonopensearchserviceDestinationConfiguration: { IndexName: 'logs', RoleARN: ROLE } },
      });
    });
    expect(found).toEqual([
      `${RULE}[destination-type-not-allowed:Amazonopensearchservice] @ us-east/Network/ToOpenSearch`,
      `${RULE}[destination-type-not-allowed:Splunk] @ us-east/Network/ToSplunk`,
    ]);
  });

  test('passes SiemDelivery into the cell archive and to the configured SIEM, subscribed from another stack', () => {
    const found = findings(withSiem(), (_app, cells) => {
      const [cell] = cells;
      const stack = new Stack(cell, 'SiemTest');
      const delivery = new SiemDelivery(stack, 'Siem', {
        stagingBucket: cell.audit.auditArchive,
        archiveKey: cell.keys.audit,
        logsKey: cell.keys.logs,
        retention: cell.cell.retention,
        siem: cell.cell.siem,
        secretsKey: cell.keys.secrets,
      });
      const securityLogs = new EncryptedLogGroup(cell.network, 'TestSecurityLogs', {
        logClass: 'security',
        retention: cell.cell.retention,
        encryptionKey: cell.keys.logs,
      });
      const filters = delivery.subscribe(securityLogs, 'vpc-flow-logs');
      expect(filters).toHaveLength(2);
      // A literal ARN naming a bucket of the cell is a bucket of the cell.
      new firehose.CfnDeliveryStream(stack, 'ByName', {
        extendedS3DestinationConfiguration: s3Destination('arn:aws:s3:::vp-us-east-audit-111111111111-us-west-2'),
      });
    });
    expect(found).toEqual([]);
  });

  test('is not applicable outside a cell, or to other resource types', () => {
    const stack = new Stack(new App(), 'Loose', { env: { account: '111111111111', region: 'eu-west-1' } });
    const filter = new logs.CfnSubscriptionFilter(stack, 'Filter', {
      logGroupName: 'any',
      filterPattern: '',
      destinationArn: 'arn:aws:firehose:ap-south-1:999999999999:deliverystream/x',
    });
    expect(LogDeliveryInJurisdiction(filter)).toBe(NagRuleCompliance.NOT_APPLICABLE);
    expect(LogDeliveryInJurisdiction(new s3.CfnBucket(stack, 'Bucket'))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});
