import { auditArchiveBucketName, configHistoryBucketName, phiBucketPrefix } from '../../lib/naming';
import { cell as fixtureCell, fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

const API_CALL = 'AWS API Call via CloudTrail';

/** The one resource of a type whose construct id is `id` (logical ids are the id plus a hash). */
function resource(template: Record<string, any>, type: string, id: string): [string, any] {
  const found = resourcesOfType(template, type).filter(([logicalId]) => logicalId === id || new RegExp(`^${id}[0-9A-F]{8}$`).test(logicalId));
  if (found.length !== 1) throw new Error(`expected one ${type} ${id}, found ${found.map(([l]) => l).join(', ') || 'none'}`);
  return found[0];
}

describe('DetectionStack', () => {
  const config = fixtureConfig();
  const result = synthesized(config);
  const template = result.templateJson('us-east/Detection');
  const naming = { platform: config.platform, cell: config.cells.find((c) => c.id === 'us-east')! };
  const rule = (id: string) => resource(template, 'AWS::Events::Rule', id)[1].Properties;

  test('the example configuration has no open finding', () => {
    expect(result.openFindings()).toEqual([]);
  });

  test('every pack passes the detection stacks without a single acknowledgement', () => {
    const inDetection = (path: string) => /^[^/]+\/Detection\//.test(path);
    expect(result.openFindings().filter((f) => inDetection(f.split(' @ ')[1]))).toEqual([]);
    // One, on the dead-letter queue of the alert rules, which cannot itself have a dead-letter queue.
    expect(result.acknowledged().filter((a) => inDetection(a.violatingConstructs[0].constructPath)).map((a) => `${a.ruleName} @ ${a.violatingConstructs[0].constructPath}`)).toEqual([
      'AwsSolutions-SQS3 @ us-east/Detection/AlertDelivery/DeadLetterQueue/Resource',
      'AwsSolutions-SQS3 @ eu-central/Detection/AlertDelivery/DeadLetterQueue/Resource',
    ]);
    // The packs did look at them: the stacks hold the resources they check.
    expect(resourcesOfType(template, 'AWS::SNS::Topic')).toHaveLength(2);
  });

  describe('GuardDuty', () => {
    const detectors = resourcesOfType(template, 'AWS::GuardDuty::Detector');
    const detector = detectors[0]?.[1].Properties;
    const feature = (name: string) => detector.Features.find((f: any) => f.Name === name);

    test('one detector, publishing findings every fifteen minutes', () => {
      expect(detectors).toHaveLength(1);
      expect(detector.Enable).toBe(true);
      expect(detector.FindingPublishingFrequency).toBe('FIFTEEN_MINUTES');
      // Features and the legacy DataSources cannot be combined.
      expect(detector.DataSources).toBeUndefined();
    });

    test('protects S3 data events, RDS logins and ECS Fargate runtime with GuardDuty-managed agents', () => {
      expect(feature('S3_DATA_EVENTS')).toEqual({ Name: 'S3_DATA_EVENTS', Status: 'ENABLED' });
      expect(feature('RDS_LOGIN_EVENTS')).toEqual({ Name: 'RDS_LOGIN_EVENTS', Status: 'ENABLED' });
      expect(feature('RUNTIME_MONITORING').Status).toBe('ENABLED');
      expect(feature('RUNTIME_MONITORING').AdditionalConfiguration).toContainEqual({ Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'ENABLED' });
    });

    test('turns no protection off, and does not combine RUNTIME_MONITORING with the EKS-only feature it replaces', () => {
      const statuses = detector.Features.flatMap((f: any) => [f.Status, ...(f.AdditionalConfiguration ?? []).map((a: any) => a.Status)]);
      expect(new Set(statuses)).toEqual(new Set(['ENABLED']));
      expect(feature('EKS_RUNTIME_MONITORING')).toBeUndefined();
    });
  });

  describe('Security Hub', () => {
    test('one hub with consolidated control findings and no default standards', () => {
      const hubs = resourcesOfType(template, 'AWS::SecurityHub::Hub');
      expect(hubs).toHaveLength(1);
      expect(hubs[0][1].Properties).toMatchObject({ ControlFindingGenerator: 'SECURITY_CONTROL', EnableDefaultStandards: false });
    });

    test('subscribes to AWS Foundational Security Best Practices and NIST 800-53 rev 5, after the hub exists', () => {
      const [hubId] = resourcesOfType(template, 'AWS::SecurityHub::Hub')[0];
      const standards = resourcesOfType(template, 'AWS::SecurityHub::Standard');
      expect(standards.map(([, s]) => s.Properties.StandardsArn).sort()).toEqual([
        'arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0',
        'arn:aws:securityhub:us-east-1::standards/nist-800-53/v/5.0.0',
      ]);
      for (const [, standard] of standards) expect(standard.DependsOn).toContain(hubId);
    });
  });

  describe('AWS Config', () => {
    const [recorderId, recorder] = resourcesOfType(template, 'AWS::Config::ConfigurationRecorder')[0] ?? [];
    const [channelId, channel] = resourcesOfType(template, 'AWS::Config::DeliveryChannel')[0] ?? [];
    const rules = resourcesOfType(template, 'AWS::Config::ConfigRule');

    test('one recorder of every supported resource type, global resources included, through the service-linked role', () => {
      expect(resourcesOfType(template, 'AWS::Config::ConfigurationRecorder')).toHaveLength(1);
      expect(recorder.Properties.RecordingGroup).toEqual({ AllSupported: true, IncludeGlobalResourceTypes: true });
      expect(recorder.Properties.RoleARN).toBe(
        'arn:aws:iam::111111111111:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig',
      );
      // The account's service-linked role comes from the DisasterRecovery stack, which deploys first (test/stacks/first-deploy.test.ts).
      expect(resourcesOfType(template, 'AWS::IAM::ServiceLinkedRole')).toEqual([]);
      // No role of our own, so no AWS managed policy to acknowledge.
      expect(resourcesOfType(template, 'AWS::IAM::Role')).toEqual([]);
    });

    test('delivers to the cell config history bucket under config/, encrypted with the audit key (Config cannot write to Object Lock buckets)', () => {
      expect(resourcesOfType(template, 'AWS::Config::DeliveryChannel')).toHaveLength(1);
      expect(channel.Properties).toMatchObject({
        S3BucketName: configHistoryBucketName(naming, 'us-east-1'),
        S3KeyPrefix: 'config',
      });
      // The audit key by key ARN, never an alias (the DeliveryChannel API documents a key ARN).
      expect(JSON.stringify(channel.Properties.S3KmsKeyArn)).toContain('AuditKey');
      expect(JSON.stringify(channel.Properties.S3KmsKeyArn)).not.toContain('alias/');
      expect(channel.Properties.S3BucketName).toBe('vp-us-east-config-111111111111-us-east-1');
      // Created together: the recorder cannot start without a channel, so the channel must not wait for it.
      expect(channel.DependsOn ?? []).not.toContain(recorderId);
    });

    test('evaluates the HIPAA Security conformance pack controls that apply to the platform', () => {
      expect(rules.map(([, r]) => r.Properties.Source.SourceIdentifier).sort()).toEqual(
        [
          'CLOUD_TRAIL_ENABLED',
          'CLOUD_TRAIL_ENCRYPTION_ENABLED',
          'CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED',
          'CLOUDWATCH_LOG_GROUP_ENCRYPTED',
          'CW_LOGGROUP_RETENTION_PERIOD_CHECK',
          'S3_BUCKET_PUBLIC_READ_PROHIBITED',
          'S3_BUCKET_PUBLIC_WRITE_PROHIBITED',
          'S3_BUCKET_SSL_REQUESTS_ONLY',
          'S3_DEFAULT_ENCRYPTION_KMS',
          'S3_BUCKET_VERSIONING_ENABLED',
          'S3_BUCKET_LOGGING_ENABLED',
          'S3_BUCKET_REPLICATION_ENABLED',
          'CMK_BACKING_KEY_ROTATION_ENABLED',
          'KMS_CMK_NOT_SCHEDULED_FOR_DELETION',
          'VPC_FLOW_LOGS_ENABLED',
          'VPC_DEFAULT_SECURITY_GROUP_CLOSED',
          'RDS_STORAGE_ENCRYPTED',
          'RDS_INSTANCE_PUBLIC_ACCESS_CHECK',
          'RDS_MULTI_AZ_SUPPORT',
          'RDS_SNAPSHOT_ENCRYPTED',
          'DB_INSTANCE_BACKUP_ENABLED',
          'RDS_INSTANCE_DELETION_PROTECTION_ENABLED',
          'ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK',
          'ELBV2_ACM_CERTIFICATE_REQUIRED',
          'ALB_WAF_ENABLED',
          'GUARDDUTY_ENABLED_CENTRALIZED',
          'SECURITYHUB_ENABLED',
          'IAM_NO_INLINE_POLICY_CHECK',
          'ROOT_ACCOUNT_MFA_ENABLED',
          'IAM_ROOT_ACCESS_KEY_CHECK',
          'SECRETSMANAGER_ROTATION_ENABLED_CHECK',
          'ECR_PRIVATE_IMAGE_SCANNING_ENABLED',
        ].sort(),
      );
      for (const [, r] of rules) {
        expect(r.Properties.Source.Owner).toBe('AWS');
        expect(r.Properties.ConfigRuleName).toBe(`vp-us-east-${r.Properties.Source.SourceIdentifier.toLowerCase().replace(/_/g, '-')}`);
        expect(r.Properties.Description).toMatch(/^HIPAA 164\.3\d\d/);
      }
    });

    test('every rule is created after the recorder and the delivery channel', () => {
      for (const [, r] of rules) expect(r.DependsOn).toEqual(expect.arrayContaining([recorderId, channelId]));
    });

    test('log groups must be kept at least as long as the shortest retention class in config', () => {
      const retention = rules.find(([, r]) => r.Properties.Source.SourceIdentifier === 'CW_LOGGROUP_RETENTION_PERIOD_CHECK')![1];
      expect(retention.Properties.InputParameters).toEqual({ MinRetentionTime: 90 });
    });
  });

  describe('the alert topic', () => {
    const [topicId, topic] = resource(template, 'AWS::SNS::Topic', 'AlertTopic');
    const [keyId, key] = resource(template, 'AWS::KMS::Key', 'AlertsKey');
    const topicArn = 'arn:aws:sns:us-east-1:111111111111:vp-us-east-security-alerts';
    const keyStatement = (sid: string) => key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === sid);

    test('is encrypted with its own rotating, retained key, aliased by cell', () => {
      expect(topic.Properties.TopicName).toBe('vp-us-east-security-alerts');
      expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
      const alias = resourcesOfType(template, 'AWS::KMS::Alias').find(([, a]) => JSON.stringify(a.Properties.TargetKeyId).includes(keyId))!;
      expect(alias[1].Properties.AliasName).toBe('alias/vp-us-east/alerts');
    });

    test('the key lets EventBridge and SNS in this account use it for this topic only (SNS passes no source account to KMS for EventBridge)', () => {
      expect(keyStatement('EventBridgePublishesAlerts')).toEqual({
        Sid: 'EventBridgePublishesAlerts',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } },
      });
      const viaSns = keyStatement('UseViaSnsForTheAlertTopic');
      expect(viaSns.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(viaSns.Condition.StringEquals).toEqual({
        'kms:CallerAccount': { Ref: 'AWS::AccountId' },
        'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        'kms:EncryptionContext:aws:sns:topicArn': topicArn,
      });
      // Nothing else may use the key: every other statement is key administration without use.
      const others = key.Properties.KeyPolicy.Statement.filter(
        (s: any) => !['EventBridgePublishesAlerts', 'UseViaSnsForTheAlertTopic', 'CloudWatchAlarmsPublishAlerts'].includes(s.Sid),
      );
      expect(others.map((s: any) => s.Sid)).toEqual(['KeyAdministrationWithoutUse', 'NobodyDisablesOrDeletesThisKey']);
      expect(others[1].Effect).toBe('Deny');
      expect(others[0].Action.filter((a: string) => /Decrypt|Encrypt|GenerateDataKey/.test(a))).toEqual([]);
    });

    test('refuses publishing without TLS and lets only the alert rules of this stack publish', () => {
      const [, policy] = resourcesOfType(template, 'AWS::SNS::TopicPolicy').find(([, p]) => p.Properties.Topics[0].Ref === topicId)!;
      expect(policy.Properties.Topics).toEqual([{ Ref: topicId }]);
      const statements = policy.Properties.PolicyDocument.Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      // EventBridge rules, and (tested below) the trail alarms of this cell.
      const allows = statements.filter((s: any) => s.Effect === 'Allow' && s.Sid !== 'TrailAlarmsOfThisCellPublish');
      expect(allows).toHaveLength(1);
      expect(allows[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
      const ruleIds = resourcesOfType(template, 'AWS::Events::Rule').map(([id]) => id).sort();
      expect(allows[0].Condition.ArnEquals['aws:SourceArn'].map((arn: any) => arn['Fn::GetAtt'][0]).sort()).toEqual(ruleIds);
    });

    test('subscribes the breach contacts of the cell from config', () => {
      const endpoints = (stack: string) =>
        resourcesOfType(result.templateJson(stack), 'AWS::SNS::Subscription')
          .filter(([, s]) => !JSON.stringify(s.Properties.TopicArn).includes('Fallback'))
          .map(([, s]) => [s.Properties.Protocol, s.Properties.Endpoint]);
      expect(endpoints('us-east/Detection')).toEqual([['email', 'security-alerts-us-east@example.com']]);
      expect(endpoints('eu-central/Detection')).toEqual([['email', 'security-alerts-eu-central@example.com']]);
    });
  });

  describe('alert rules', () => {
    const ids = [
      'GuardDutyFindingAlert',
      'SecurityHubFindingAlert',
      'RootUserActivityAlert',
      'AuditTrailChangedAlert',
      'KeyDisabledOrDeletedAlert',
      'ProtectedBucketChangedAlert',
      'CriticalImageVulnerabilityAlert',
      'BreakGlassUsedAlert',
      'ProviderSecretChangedAlert',
    ];

    test('are exactly the nine breach alerts, with readable names', () => {
      expect(resourcesOfType(template, 'AWS::Events::Rule')).toHaveLength(ids.length);
      expect(ids.map((id) => rule(id).Name)).toEqual([
        'vp-us-east-guardduty-finding',
        'vp-us-east-securityhub-finding',
        'vp-us-east-root-user-activity',
        'vp-us-east-audit-trail-changed',
        'vp-us-east-key-disabled-or-deleted',
        'vp-us-east-protected-bucket-changed',
        'vp-us-east-critical-image-vulnerability',
        'vp-us-east-break-glass-used',
        'vp-us-east-provider-secret-changed',
      ]);
    });

    test('every write to a provider secret of the voice service alerts (the operator may write them; the signing token is the broker\'s trust anchor)', () => {
      const pattern = rule('ProviderSecretChangedAlert').EventPattern;
      expect(pattern.source).toEqual(['aws.secretsmanager']);
      expect(pattern.detail.eventName).toEqual(expect.arrayContaining(['PutSecretValue', 'UpdateSecret', 'DeleteSecret', 'PutResourcePolicy']));
      expect(pattern.detail.requestParameters.secretId).toEqual([{ wildcard: '*vp-us-east/voice/*' }]);
      // The operator's write access covers exactly the secrets this rule watches.
      const access = result.templateJson('us-east/Access');
      const writes = resourcesOfType(access, 'AWS::IAM::ManagedPolicy')
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
        .find((s: any) => s.Sid === 'RotateProviderSecretsWithoutReadingThem');
      expect(writes.Resource).toBe('arn:aws:secretsmanager:us-east-1:111111111111:secret:vp-us-east/voice/*');
    });

    test('critical vulnerabilities that Amazon Inspector finds in container images', () => {
      expect(rule('CriticalImageVulnerabilityAlert').EventPattern).toEqual({
        source: ['aws.inspector2'],
        'detail-type': ['Inspector2 Finding'],
        detail: { severity: ['CRITICAL'], status: ['ACTIVE'], resources: { type: ['AWS_ECR_CONTAINER_IMAGE'] } },
      });
    });

    test('every assumption of the break-glass role, read-only management events included', () => {
      const breakGlass = rule('BreakGlassUsedAlert');
      expect(breakGlass.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
      expect(breakGlass.EventPattern.detail.requestParameters).toEqual({ roleArn: ['arn:aws:iam::111111111111:role/vp-us-east-break-glass'] });
      expect(breakGlass.EventPattern.detail.eventName).toEqual(['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity']);
    });

    test('GuardDuty findings of medium severity and above', () => {
      expect(rule('GuardDutyFindingAlert').EventPattern).toEqual({
        source: ['aws.guardduty'],
        'detail-type': ['GuardDuty Finding'],
        detail: { severity: [{ numeric: ['>=', 4] }] },
      });
    });

    test('new, active critical and high Security Hub findings, GuardDuty excepted (it alerts on its own)', () => {
      expect(rule('SecurityHubFindingAlert').EventPattern).toEqual({
        source: ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Imported'],
        detail: {
          findings: {
            Severity: { Label: ['CRITICAL', 'HIGH'] },
            Workflow: { Status: ['NEW'] },
            RecordState: ['ACTIVE'],
            ProductName: [{ 'anything-but': 'GuardDuty' }],
          },
        },
      });
    });

    test('any root user API call or console sign-in, read-only calls included', () => {
      const root = rule('RootUserActivityAlert');
      expect(root.EventPattern).toEqual({
        'detail-type': [API_CALL, 'AWS Console Sign In via CloudTrail'],
        detail: { userIdentity: { type: ['Root'], invokedBy: [{ exists: false }] }, eventType: [{ 'anything-but': 'AwsServiceEvent' }] },
      });
      expect(root.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    });

    test('CloudTrail stopped, deleted or changed', () => {
      expect(rule('AuditTrailChangedAlert').EventPattern).toEqual({
        source: ['aws.cloudtrail'],
        'detail-type': [API_CALL],
        detail: {
          eventSource: ['cloudtrail.amazonaws.com'],
          eventName: ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors'],
        },
      });
    });

    test('a KMS key disabled, scheduled for deletion, or its policy changed', () => {
      expect(rule('KeyDisabledOrDeletedAlert').EventPattern).toEqual({
        source: ['aws.kms'],
        'detail-type': [API_CALL],
        detail: { eventSource: ['kms.amazonaws.com'], eventName: ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy'] },
      });
    });

    test('policy, encryption, access, replication, versioning or Object Lock changes of PHI buckets and the audit archive', () => {
      const pattern = rule('ProtectedBucketChangedAlert').EventPattern;
      expect(pattern).toEqual({
        source: ['aws.s3'],
        'detail-type': [API_CALL],
        detail: {
          eventSource: ['s3.amazonaws.com'],
          eventName: [
            'PutBucketPolicy',
            'DeleteBucketPolicy',
            'PutBucketEncryption',
            'DeleteBucketEncryption',
            'PutBucketAcl',
            'PutPublicAccessBlock',
            'DeletePublicAccessBlock',
            'PutBucketReplication',
            'DeleteBucketReplication',
            'PutBucketVersioning',
            'PutObjectLockConfiguration',
          ],
          requestParameters: {
            bucketName: [{ prefix: 'vp-us-east-phi-' }, 'vp-us-east-audit-111111111111-us-east-1', 'vp-us-east-config-111111111111-us-east-1'],
          },
        },
      });
      expect(pattern.detail.requestParameters.bucketName).toEqual([
        { prefix: phiBucketPrefix(naming) },
        auditArchiveBucketName(naming, 'us-east-1'),
        configHistoryBucketName(naming, 'us-east-1'),
      ]);
      // Each cell watches its own buckets.
      const eu = resource(result.templateJson('eu-central/Detection'), 'AWS::Events::Rule', 'ProtectedBucketChangedAlert')[1];
      expect(eu.Properties.EventPattern.detail.requestParameters.bucketName).toEqual([
        { prefix: 'vp-eu-central-phi-' },
        'vp-eu-central-audit-222222222222-eu-central-1',
        'vp-eu-central-config-222222222222-eu-central-1',
      ]);
    });

    describe.each(ids)('%s', (id) => {
      test('publishes to the alert topic through an input transformer of ids and links, never the event or a whole object', () => {
        const [topicId] = resource(template, 'AWS::SNS::Topic', 'AlertTopic');
        const targets = rule(id).Targets;
        expect(targets).toHaveLength(1);
        const [target] = targets;
        expect(target.Arn).toEqual({ Ref: topicId });
        expect(target.Input).toBeUndefined();
        expect(target.InputPath).toBeUndefined();

        const { InputPathsMap: paths, InputTemplate: inputTemplate } = target.InputTransformer;
        const wholeObjects = ['$', '$.detail', '$.detail.findings', '$.detail.findings[0]', '$.detail.resource', '$.detail.userIdentity', '$.detail.requestParameters', '$.detail.responseElements'];
        for (const path of Object.values(paths) as string[]) {
          expect(path).toMatch(/^\$\.[A-Za-z-]/);
          expect(wholeObjects).not.toContain(path);
          // Fields that name people, addresses or objects stay out of messages.
          expect(path).not.toMatch(/sourceIPAddress|userAgent|principalId|userName|Title|Description|title|description|\.key$/);
        }
        expect(inputTemplate).not.toContain('aws.events.event');

        // Valid JSON even when a field is missing from the event: every placeholder is quoted.
        const message = JSON.parse(inputTemplate);
        expect(message).toMatchObject({ cell: 'us-east', account: '<account>', region: '<region>' });
        expect(message.alert).toMatch(/^[a-z-]+$/);
        expect(message.link).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\//);
        const placeholders = [...inputTemplate.matchAll(/<([^<>]+)>/g)].map((m) => m[1]);
        expect(new Set(placeholders)).toEqual(new Set(Object.keys(paths)));
      });
    });

    test('API-call alerts carry the call, its event id and a CloudTrail link, and the principal kind and role, not its name', () => {
      for (const id of ids.filter((i) => !i.includes('Finding') && i !== 'CriticalImageVulnerabilityAlert')) {
        const { InputPathsMap: paths, InputTemplate: inputTemplate } = rule(id).Targets[0].InputTransformer;
        expect(paths).toMatchObject({
          eventName: '$.detail.eventName',
          eventId: '$.detail.eventID',
          principalType: '$.detail.userIdentity.type',
          principalRole: '$.detail.userIdentity.sessionContext.sessionIssuer.arn',
        });
        expect(JSON.parse(inputTemplate).link).toBe('https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/<eventId>');
      }
    });

    test('finding alerts carry the finding id, severity and a console link', () => {
      const guardDuty = rule('GuardDutyFindingAlert').Targets[0].InputTransformer;
      expect(guardDuty.InputPathsMap).toMatchObject({ findingId: '$.detail.id', severity: '$.detail.severity' });
      expect(JSON.parse(guardDuty.InputTemplate).link).toContain('/guardduty/home?region=us-east-1#/findings?macros=current&fId=<findingId>');
      const securityHub = rule('SecurityHubFindingAlert').Targets[0].InputTransformer;
      expect(securityHub.InputPathsMap).toMatchObject({
        findingId: '$.detail.findings[0].Id',
        severity: '$.detail.findings[0].Severity.Label',
        controlId: '$.detail.findings[0].Compliance.SecurityControlId',
      });
    });
  });
});

describe('DetectionStack follows the cell configuration', () => {
  const changed = fixtureConfig({
    cells: 1,
    tenantsPerCell: 0,
    edit: (raw) =>
      Object.assign(fixtureCell(raw, 'us-east'), {
        retention: { ...fixtureCell(raw, 'us-east').retention, operationalLogDays: 30 },
        alerts: { emails: ['soc@example.com', 'privacy-officer@example.com'], httpsEndpoints: ['https://paging.example.com/hooks/security'] },
      }),
  });
  const result = synthesized(changed);
  const template = result.templateJson('us-east/Detection');

  test('subscribes every e-mail address and HTTPS endpoint of the cell, and nothing else', () => {
    const subscriptions = resourcesOfType(template, 'AWS::SNS::Subscription')
      .filter(([, s]) => !JSON.stringify(s.Properties.TopicArn).includes('Fallback'))
      .map(([, s]) => [s.Properties.Protocol, s.Properties.Endpoint]);
    expect(subscriptions.sort()).toEqual(
      [
        ['email', 'soc@example.com'],
        ['email', 'privacy-officer@example.com'],
        ['https', 'https://paging.example.com/hooks/security'],
      ].sort(),
    );
  });

  test('holds log groups to the configured operational retention', () => {
    const retention = resourcesOfType(template, 'AWS::Config::ConfigRule').find(
      ([, r]) => r.Properties.Source.SourceIdentifier === 'CW_LOGGROUP_RETENTION_PERIOD_CHECK',
    )![1];
    expect(retention.Properties.InputParameters).toEqual({ MinRetentionTime: 30 });
  });

  test('still has no open finding', () => {
    expect(result.openFindings()).toEqual([]);
  });
});

describe('alerts from every region, through the multi-region trail log group', () => {
  const result = synthesized(fixtureConfig());
  const json = result.templateJson('eu-central/Detection');
  const filters: Record<string, any> = Object.fromEntries(
    resourcesOfType(json, 'AWS::Logs::MetricFilter').map(([, f]) => [f.Properties.MetricTransformations[0].MetricName, f.Properties]),
  );

  test('metric filters on the cell trail log group count root use, break-glass use, key, trail and PHI bucket changes', () => {
    expect(Object.keys(filters).sort()).toEqual([
      'AuditTrailChanged',
      'BackupCopiedElsewhere',
      'BreakGlassUsed',
      'DatabaseSnapshotMoved',
      'FirehoseDestinationChanged',
      'KeyAliasChanged',
      'KeyDisabledOrDeleted',
      'LogDeliveryTampered',
      'PhiBucketChanged',
      'PhiBucketLifecycleChanged',
      'ProtectedRoleChanged',
      'RootUserActivity',
    ]);
    for (const f of Object.values(filters) as any[]) {
      expect(JSON.stringify(f.LogGroupName)).toContain('eu-central-Audit');
    }
    expect(filters.BreakGlassUsed.FilterPattern).toContain('$.requestParameters.roleArn = "arn:aws:iam::222222222222:role/vp-eu-central-break-glass"');
    expect(filters.PhiBucketChanged.FilterPattern).toContain('$.requestParameters.bucketName = "vp-eu-central-phi-*"');
    expect(filters.RootUserActivity.FilterPattern).toContain('$.userIdentity.type = "Root"');
  });

  test('an alarm per filter tells the breach contacts on the first occurrence', () => {
    const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.Namespace === 'VoicePlatform/eu-central/Security');
    expect(alarms).toHaveLength(12);
    for (const alarm of alarms) {
      expect(alarm).toEqual(
        expect.objectContaining({ Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', Statistic: 'Sum' }),
      );
      expect(alarm.AlarmActions[0]).toEqual({ Ref: expect.stringMatching(/^AlertTopic/) });
    }
  });

  test('CloudWatch may publish to the alert topic and use its key, only for alarms of this cell and account', () => {
    const [[, policy]] = resourcesOfType(json, 'AWS::SNS::TopicPolicy');
    const statement = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'TrailAlarmsOfThisCellPublish');
    expect(statement.Condition.ArnLike['aws:SourceArn']).toBe('arn:aws:cloudwatch:eu-central-1:222222222222:alarm:vp-eu-central-*');
    const [[, key]] = resourcesOfType(json, 'AWS::KMS::Key');
    expect(key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'CloudWatchAlarmsPublishAlerts').Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
  });
});

describe('in an AWS Organization that runs the account-wide detection services', () => {
  const organization = fixtureConfig({ cells: 1, tenantsPerCell: 0, edit: (raw) => (fixtureCell(raw, 'us-east').detection = { accountServices: 'organization' }) });
  const result = synthesized(organization);
  const json = result.templateJson('us-east/Detection');

  test('creates no detector, hub, standards, recorder, delivery channel or service-linked role of its own', () => {
    for (const type of [
      'AWS::GuardDuty::Detector',
      'AWS::SecurityHub::Hub',
      'AWS::SecurityHub::Standard',
      'AWS::Config::ConfigurationRecorder',
      'AWS::Config::DeliveryChannel',
      'AWS::IAM::ServiceLinkedRole',
    ]) {
      expect([type, resourcesOfType(json, type).length]).toEqual([type, 0]);
    }
  });

  test('keeps the Config rules, every alert rule and every alarm, with zero open findings', () => {
    expect(resourcesOfType(json, 'AWS::Config::ConfigRule').length).toBeGreaterThan(20);
    expect(resourcesOfType(json, 'AWS::Events::Rule')).toHaveLength(9);
    // 12 trail alarms, 3 on failed alert deliveries and 1 on failed SIEM replication.
    expect(resourcesOfType(json, 'AWS::CloudWatch::Alarm')).toHaveLength(16);
    expect(result.openFindings()).toEqual([]);
  });
});
