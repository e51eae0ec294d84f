import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CellStage } from '../../lib/cell-stage';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { PlatformConfig } from '../../lib/config';
import { EncryptedLogGroup } from '../../lib/constructs/encrypted-log-group';
import { SiemDelivery } from '../../lib/constructs/siem-delivery';
import { cell as fixtureCell, fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesize } from '../helpers';

/**
 * Runs LogDeliveryInJurisdiction under the VoicePlatform pack name, so that it is checked here
 * before it is registered in VoicePlatformChecks (afterwards a finding would be reported twice;
 * `openFindings` below de-duplicates).
 */

const SIEM = {
  name: 'ExampleSIEM',
  url: 'https://ingest.siem.example.com/v1/firehose',
  baaSigned: true,
  dpaSigned: true,
  processingRegions: ['us-east-1', 'us-west-2'],
};

/** One US cell without clinics, with an external SIEM when asked. */
function usCell(siem = false): PlatformConfig {
  return fixtureConfig({ cells: 1, tenantsPerCell: 0, edit: (raw) => siem && (fixtureCell(raw, 'us-east').siem = SIEM) });
}

/** The same with an external SIEM on the US cell. */
function withSiem(): PlatformConfig {
  return usCell(true);
}

/**
 * The example app plus a test stack in the US cell with an archive bucket and a SiemDelivery, which
 * subscribes a security log group of the Network stack (another stack, like the flow logs) and an
 * audit log group of the test stack (the same stack, like the CloudTrail logs of the Audit stack).
 * The Network stack's own flow log group is not used: once the cell wires its SiemDelivery it has
 * its subscription filters, and CloudWatch Logs allows only two per log group.
 */
function build(config: PlatformConfig) {
  const result = synthesize(config, { extend: (_app, cells: CellStage[]) => {
    const cell = cells[0];
    const stack = new Stack(cell, 'SiemTest');
    // Stands in for the Audit stack's archive, without Object Lock: a test fixture.
    const archive = new s3.Bucket(stack, 'Archive', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: cell.keys.audit,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const fixture =
      'Test fixture standing in for the Audit stack archive, which is access-logged and replicated; only the SIEM delivery into it is under test.';
    for (const rule of [
      'HIPAA.Security-S3BucketReplicationEnabled',
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'HIPAA.Security-S3BucketLoggingEnabled',
      'NIST.800.53.R5-S3BucketLoggingEnabled',
      'AwsSolutions-S1',
    ] as const) {
      acknowledge(archive, rule, fixture);
    }
    const trailLogs = new EncryptedLogGroup(stack, 'TrailLogs', {
      logClass: 'audit',
      retention: cell.cell.retention,
      encryptionKey: cell.keys.audit,
    });
    const delivery = new SiemDelivery(stack, 'Siem', {
      stagingBucket: archive,
      archiveKey: cell.keys.audit,
      logsKey: cell.keys.logs,
      retention: cell.cell.retention,
      siem: cell.cell.siem,
      secretsKey: cell.keys.secrets,
    });
    const flowLogs = new EncryptedLogGroup(cell.network, 'TestFlowLogs', {
      logClass: 'security',
      retention: cell.cell.retention,
      encryptionKey: cell.keys.logs,
    });
    delivery.subscribe(flowLogs, 'vpc-flow-logs');
    delivery.subscribe(trailLogs, 'cloudtrail');
  } });
  const siemTest = result.templateJson('us-east/SiemTest');
  return {
    result,
    siemTest,
    network: result.templateJson('us-east/Network'),
    openFindings: () => [...new Set(result.openFindings())],
    streams: () => Object.fromEntries(resourcesOfType(siemTest, 'AWS::KinesisFirehose::DeliveryStream')),
    policyOf: (rolePrefix: string) =>
      resourcesOfType(siemTest, 'AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith(`${rolePrefix}Permissions`))![1].Properties,
    roleOf: (rolePrefix: string) => resourcesOfType(siemTest, 'AWS::IAM::Role').find(([id]) => id.startsWith(rolePrefix))![1].Properties,
  };
}

const logicalIdOf = (template: Record<string, any>, prefix: string) =>
  Object.keys(template.Resources).find((id) => id.startsWith(prefix))!;

describe('SiemDelivery into the audit archive', () => {
  const built = build(usCell());
  const { siemTest, network } = built;
  const streams = built.streams();
  const archiveId = logicalIdOf(siemTest, 'Archive');

  test('creates one DirectPut stream per subscribed source only, encrypted with the audit key', () => {
    expect(Object.keys(streams).sort()).toEqual([
      expect.stringMatching(/^SiemCloudTrailArchive/),
      expect.stringMatching(/^SiemVpcFlowLogsArchive/),
    ]);
    for (const stream of Object.values(streams)) {
      expect(stream.Properties.DeliveryStreamType).toBe('DirectPut');
      expect(stream.Properties.DeliveryStreamEncryptionConfigurationInput).toEqual({
        KeyType: 'CUSTOMER_MANAGED_CMK',
        KeyARN: { 'Fn::GetStackOutput': expect.objectContaining({ StackName: 'us-east-Keys', OutputName: expect.stringContaining('AuditKey') }) },
      });
    }
  });

  test('writes each source under siem/<source>/ and errors under siem-errors/<source>/, KMS with the audit key, without a second compression', () => {
    const bySource = {
      'vpc-flow-logs': streams[logicalIdOf(siemTest, 'SiemVpcFlowLogsArchive')],
      cloudtrail: streams[logicalIdOf(siemTest, 'SiemCloudTrailArchive')],
    };
    for (const [source, stream] of Object.entries(bySource)) {
      const s3Destination = stream.Properties.ExtendedS3DestinationConfiguration;
      expect(s3Destination).toEqual(
        expect.objectContaining({
          BucketARN: { 'Fn::GetAtt': [archiveId, 'Arn'] },
          Prefix: `siem/${source}/!{timestamp:yyyy/MM/dd}/`,
          ErrorOutputPrefix: `siem-errors/${source}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
          CompressionFormat: 'UNCOMPRESSED',
          FileExtension: '.gz',
          S3BackupMode: 'Disabled',
          BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 64 },
          CloudWatchLoggingOptions: {
            Enabled: true,
            LogGroupName: { Ref: logicalIdOf(siemTest, 'SiemDeliveryErrors') },
            LogStreamName: `${source}-archive`,
          },
        }),
      );
      expect(JSON.stringify(s3Destination.EncryptionConfiguration.KMSEncryptionConfig.AWSKMSKeyARN)).toContain('AuditKey');
      expect(stream.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^SiemDeliveryRolePermissions/)]));
    }
  });

  test('logs delivery errors to an encrypted operational log group, into log streams it creates', () => {
    const group = siemTest.Resources[logicalIdOf(siemTest, 'SiemDeliveryErrors')];
    expect(group.Properties.RetentionInDays).toBe(90);
    expect(JSON.stringify(group.Properties.KmsKeyId)).toContain('LogsKey');
    expect(group.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'log-class', Value: 'operational' }]));
    expect(group.DeletionPolicy).toBe('RetainExceptOnCreate');
    const logStreams = resourcesOfType(siemTest, 'AWS::Logs::LogStream').map(([, s]) => s.Properties.LogStreamName);
    expect(logStreams.sort()).toEqual(['cloudtrail-archive', 'vpc-flow-logs-archive']);
  });

  test('the delivery role can be assumed only by Firehose on behalf of this account', () => {
    // The condition Firehose documents for its role: the account id as external id (issue 11).
    expect(built.roleOf('SiemDeliveryRole').AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'firehose.amazonaws.com' },
        Condition: { StringEquals: { 'sts:ExternalId': '111111111111' } },
      },
    ]);
  });

  test('the delivery role may write only the SIEM prefixes of the archive, with the audit key through S3, and its own log streams', () => {
    const statements: any[] = built.policyOf('SiemDeliveryRole').PolicyDocument.Statement;
    const bucketArn = { 'Fn::GetAtt': [archiveId, 'Arn'] };
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}/*`]] });
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:PutLogEvents',
      's3:AbortMultipartUpload',
      's3:GetBucketLocation',
      's3:ListBucket',
      's3:ListBucketMultipartUploads',
      's3:PutObject',
    ]);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid ?? s.Action, s]));
    expect(bySid.ArchiveBucket.Resource).toEqual(bucketArn);
    expect(bySid.WriteSiemPrefixes.Resource).toEqual(expect.arrayContaining([objects('siem'), objects('siem-errors')]));
    expect(bySid.WriteSiemPrefixes.Resource).toHaveLength(2);
    expect(JSON.stringify(bySid.EncryptArchiveObjects.Resource)).toContain('AuditKey');
    expect(bySid.EncryptArchiveObjects.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': expect.arrayContaining([bucketArn, objects('siem'), objects('siem-errors')]) },
    });
    const logStreamArns = JSON.stringify(bySid['logs:PutLogEvents'].Resource);
    expect(logStreamArns).toContain(':log-stream:cloudtrail-archive');
    expect(logStreamArns).toContain(':log-stream:vpc-flow-logs-archive');
    expect(logStreamArns).not.toContain('*');
    // Permissions are a managed policy, never an inline one.
    expect(resourcesOfType(siemTest, 'AWS::IAM::Policy')).toEqual([]);
  });

  test('CloudWatch Logs of this account and region, only, may put records, and only into these streams', () => {
    expect(built.roleOf('SiemSubscriptionRole').AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'logs.us-east-1.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': '111111111111' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:logs:us-east-1:111111111111:*' },
        },
      },
    ]);
    const all: any[] = built.policyOf('SiemSubscriptionRole').PolicyDocument.Statement;
    // Callers of PutRecord on streams encrypted with a customer managed key must use the key, through Firehose only.
    const keyUse = all.filter((s) => s.Sid === 'EncryptRecordsOfTheStreams');
    expect(keyUse).toHaveLength(1);
    expect(keyUse[0].Condition).toEqual({ StringEquals: { 'kms:ViaService': 'firehose.us-east-1.amazonaws.com' } });
    const statements = all.filter((s) => s.Sid !== 'EncryptRecordsOfTheStreams');
    expect(new Set(statements.flatMap((s) => [s.Action].flat()))).toEqual(new Set(['firehose:PutRecord', 'firehose:PutRecordBatch']));
    const resources = statements.flatMap((s) => [s.Resource].flat());
    expect(resources).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [logicalIdOf(siemTest, 'SiemCloudTrailArchive'), 'Arn'] },
        { 'Fn::GetAtt': [logicalIdOf(siemTest, 'SiemVpcFlowLogsArchive'), 'Arn'] },
      ]),
    );
    expect(resources).toHaveLength(2);
  });

  test('subscribes a log group of another stack from that stack, with an empty pattern, to its source stream', () => {
    const filters = resourcesOfType(network, 'AWS::Logs::SubscriptionFilter').filter(([id]) => id.startsWith('TestFlowLogs'));
    expect(filters).toHaveLength(1);
    const [, filter] = filters[0];
    expect(filter.Properties.FilterPattern).toBe('');
    expect(filter.Properties.LogGroupName).toEqual({ Ref: logicalIdOf(network, 'TestFlowLogs') });
    expect(filter.Properties.DestinationArn).toEqual({
      'Fn::GetStackOutput': expect.objectContaining({ StackName: 'us-east-SiemTest', OutputName: expect.stringContaining('SiemVpcFlowLogsArchive') }),
    });
    expect(filter.Properties.RoleArn).toEqual({
      'Fn::GetStackOutput': expect.objectContaining({ StackName: 'us-east-SiemTest', OutputName: expect.stringContaining('SiemSubscriptionRole') }),
    });
  });

  test('subscribes a log group of its own stack to its source stream, after the role may put records', () => {
    const filters = resourcesOfType(siemTest, 'AWS::Logs::SubscriptionFilter');
    expect(filters).toHaveLength(1);
    const [[, filter]] = filters;
    expect(filter.Properties).toEqual(
      expect.objectContaining({
        FilterPattern: '',
        LogGroupName: { Ref: logicalIdOf(siemTest, 'TrailLogs') },
        DestinationArn: { 'Fn::GetAtt': [logicalIdOf(siemTest, 'SiemCloudTrailArchive'), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [logicalIdOf(siemTest, 'SiemSubscriptionRole'), 'Arn'] },
      }),
    );
    expect(filter.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^SiemSubscriptionRolePermissions/)]));
  });

  test('the subscribing stack depends on the delivery stack, never the other way round', () => {
    const [cell] = built.result.stages;
    const siemStack = cell.node.findChild('SiemTest') as Stack;
    expect(cell.network.dependencies).toContain(siemStack);
    expect(siemStack.dependencies).not.toContain(cell.network);
  });

  test('passes every pack with zero open findings; the only acknowledgements are the SIEM prefixes of the archive', () => {
    expect(built.openFindings()).toEqual([]);
    const acks = built.result.acknowledged().filter((a) => a.violatingConstructs[0].constructPath.startsWith('us-east/SiemTest/Siem/'));
    expect(acks.map((a) => a.ruleName).sort()).toEqual([
      `AwsSolutions-IAM5[Resource::<${archiveId}.Arn>/siem-errors/*]`,
      `AwsSolutions-IAM5[Resource::<${archiveId}.Arn>/siem/*]`,
    ]);
    for (const ack of acks) {
      expect(ack.violatingConstructs).toEqual([expect.objectContaining({ constructPath: 'us-east/SiemTest/Siem/DeliveryRole/Permissions/Resource' })]);
      expect(ack.acknowledgedId).toBe(`AwsSolutions::${ack.ruleName}`);
    }
  });
});

describe('SiemDelivery with an external SIEM', () => {
  const built = build(withSiem());
  const { siemTest } = built;
  const streams = built.streams();
  const archiveId = logicalIdOf(siemTest, 'Archive');
  const secretId = logicalIdOf(siemTest, 'SiemSiemAccessKey');

  test('adds an encrypted HTTP endpoint stream per source to the configured URL, with the key from Secrets Manager', () => {
    const http = Object.entries(streams).filter(([, s]) => s.Properties.HttpEndpointDestinationConfiguration);
    expect(http.map(([id]) => id).sort()).toEqual([expect.stringMatching(/^SiemCloudTrailSiem/), expect.stringMatching(/^SiemVpcFlowLogsSiem/)]);
    for (const [id, stream] of http) {
      const source = id.startsWith('SiemCloudTrail') ? 'cloudtrail' : 'vpc-flow-logs';
      expect(stream.Properties.DeliveryStreamEncryptionConfigurationInput.KeyType).toBe('CUSTOMER_MANAGED_CMK');
      const destination = stream.Properties.HttpEndpointDestinationConfiguration;
      expect(destination).toEqual(
        expect.objectContaining({
          EndpointConfiguration: { Url: SIEM.url, Name: SIEM.name },
          SecretsManagerConfiguration: {
            Enabled: true,
            SecretARN: { Ref: secretId },
            RoleARN: { 'Fn::GetAtt': [logicalIdOf(siemTest, 'SiemDeliveryRole'), 'Arn'] },
          },
          RequestConfiguration: { ContentEncoding: 'GZIP', CommonAttributes: [{ AttributeName: 'source', AttributeValue: source }] },
          S3BackupMode: 'FailedDataOnly',
        }),
      );
      expect(destination.EndpointConfiguration.AccessKey).toBeUndefined();
      expect(destination.S3Configuration).toEqual(
        expect.objectContaining({
          BucketARN: { 'Fn::GetAtt': [archiveId, 'Arn'] },
          Prefix: `siem-http-failed/${source}/!{timestamp:yyyy/MM/dd}/`,
          ErrorOutputPrefix: `siem-http-failed/${source}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
          CompressionFormat: 'UNCOMPRESSED',
        }),
      );
      expect(JSON.stringify(destination.S3Configuration.EncryptionConfiguration)).toContain('AuditKey');
    }
  });

  test('the access key secret is encrypted with the secrets key, retained, and readable only by the delivery role', () => {
    const secret = siemTest.Resources[secretId];
    expect(JSON.stringify(secret.Properties.KmsKeyId)).toContain('SecretsKey');
    expect(secret.Properties.GenerateSecretString.GenerateStringKey).toBe('api_key');
    expect(secret.DeletionPolicy).toBe('Retain');
    const statements: any[] = built.policyOf('SiemDeliveryRole').PolicyDocument.Statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid ?? s.Action, s]));
    expect(bySid.ReadSiemAccessKey).toEqual(expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } }));
    expect(bySid.DecryptSiemAccessKey.Condition.StringEquals).toEqual({
      'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com',
      'kms:EncryptionContext:SecretARN': { Ref: secretId },
    });
    expect(bySid.WriteSiemPrefixes.Resource).toHaveLength(3);
    expect(JSON.stringify(bySid.WriteSiemPrefixes.Resource)).toContain('/siem-http-failed/*');
  });

  test('each log group gets a second subscription filter, to the SIEM stream of its source', () => {
    const filters = resourcesOfType(built.network, 'AWS::Logs::SubscriptionFilter')
      .filter(([id]) => id.startsWith('TestFlowLogs'))
      .map(([, f]) => f.Properties);
    expect(filters.map((f) => f.DestinationArn['Fn::GetStackOutput'].OutputName).sort()).toEqual([
      expect.stringContaining('SiemVpcFlowLogsArchive'),
      expect.stringContaining('SiemVpcFlowLogsSiem'),
    ]);
    expect(resourcesOfType(siemTest, 'AWS::Logs::SubscriptionFilter')).toHaveLength(2);
  });

  test('passes every pack with zero open findings; the rotation of the vendor-issued key is acknowledged on the secret', () => {
    expect(built.openFindings()).toEqual([]);
    const acks = built.result
      .acknowledged()
      .filter((a) => a.violatingConstructs[0].constructPath === `us-east/SiemTest/Siem/SiemAccessKey`)
      .map((a) => a.ruleName)
      .sort();
    expect(acks).toEqual([
      'AwsSolutions-SMG4',
      'HIPAA.Security-SecretsManagerRotationEnabled',
      'NIST.800.53.R5-SecretsManagerRotationEnabled',
    ]);
  });
});

describe('SiemDelivery refuses', () => {
  function fixture() {
    const app = new App();
    const stack = new Stack(app, 'Audit', { env: { account: '111111111111', region: 'us-east-1' } });
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Archive');
    const retention = { auditDays: 2192, operationalLogDays: 90 };
    return { app, stack, key, bucket, retention };
  }

  test('an external SIEM without a key for its access key', () => {
    const { stack, key, bucket, retention } = fixture();
    expect(
      () => new SiemDelivery(stack, 'Siem', { stagingBucket: bucket, archiveKey: key, logsKey: key, retention, siem: SIEM }),
    ).toThrow(/needs secretsKey/);
  });

  test('a log group in another region, which CloudWatch Logs cannot deliver from', () => {
    const { app, stack, key, bucket, retention } = fixture();
    const delivery = new SiemDelivery(stack, 'Siem', { stagingBucket: bucket, archiveKey: key, logsKey: key, retention });
    const other = new Stack(app, 'Other', { env: { account: '111111111111', region: 'us-west-2' } });
    const group = new EncryptedLogGroup(other, 'Logs', { logClass: 'audit', retention, encryptionKey: new kms.Key(other, 'Key') });
    expect(() => delivery.subscribe(group, 'waf')).toThrow(/own account and region/);
  });

  test('a third subscription filter on a log group, more than CloudWatch Logs allows', () => {
    const { stack, key, bucket, retention } = fixture();
    const group = new EncryptedLogGroup(stack, 'Logs', { logClass: 'audit', retention, encryptionKey: key });
    const secretsKey = new kms.Key(stack, 'SecretsKey');
    const first = new SiemDelivery(stack, 'First', { stagingBucket: bucket, archiveKey: key, logsKey: key, retention });
    first.subscribe(group, 'voice-audit');
    const second = new SiemDelivery(stack, 'Second', { stagingBucket: bucket, archiveKey: key, logsKey: key, retention, siem: SIEM, secretsKey });
    expect(() => second.subscribe(group, 'voice-audit')).toThrow(/has 1 subscription filter\(s\) already and needs 2 more/);
  });

  test('a subscription that would make the delivery stack and the log group stack depend on each other', () => {
    const { app, stack, key, bucket, retention } = fixture();
    const delivery = new SiemDelivery(stack, 'Siem', { stagingBucket: bucket, archiveKey: key, logsKey: key, retention });
    const other = new Stack(app, 'Other', { env: { account: '111111111111', region: 'us-east-1' } });
    stack.addStackDependency(other);
    const group = new EncryptedLogGroup(other, 'Logs', { logClass: 'audit', retention, encryptionKey: new kms.Key(other, 'Key') });
    expect(() => delivery.subscribe(group, 'waf')).toThrow(/already depends on it/);
  });
});
