import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

/**
 * Issue 12, items 2 to 10: each path to a clinic's data that the red-team review found, shown closed
 * in the synthesized templates of a one-cell, one-clinic fixture (cell us-east, account 111111111111).
 */
const result = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1 }), { packs: false });
const tenant = fixtureTenantId('us-east', 1);
const ACCOUNT = '111111111111';
const DEPLOY_PATH = [
  `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1`,
  `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-west-2`,
];
const TENANT_ROLE = `arn:aws:iam::${ACCOUNT}:role/vp-us-east-tenant-${tenant}`;

const json = (stack: string) => result.templateJson(`us-east/${stack}`);
const managedPolicies = (stack: string) => resourcesOfType(json(stack), 'AWS::IAM::ManagedPolicy').map(([, p]) => p.Properties);
const rolesNamed = (stack: string) =>
  Object.fromEntries(resourcesOfType(json(stack), 'AWS::IAM::Role').map(([id, r]) => [String(r.Properties.RoleName), { id, ...r }]));
/** Every statement of the managed policies attached to a role, by its logical id. */
const statementsOf = (stack: string, roleId: string) =>
  managedPolicies(stack)
    .filter((p) => JSON.stringify(p.Roles ?? []).includes(`"${roleId}"`))
    .flatMap((p) => p.PolicyDocument.Statement);
const keyPolicy = (stack: string) => resourcesOfType(json(stack), 'AWS::KMS::Key').map(([id, k]) => ({ id, statements: k.Properties.KeyPolicy.Statement as any[] }));
const bucketPolicies = (stack: string) => resourcesOfType(json(stack), 'AWS::S3::BucketPolicy').map(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
const filterPattern = (name: string) =>
  resourcesOfType(json('Detection'), 'AWS::Logs::MetricFilter').find(([, f]) => f.Properties.MetricTransformations[0].MetricName === name)![1].Properties.FilterPattern as string;
const actionsOf = (s: any): string[] => [s.Action].flat();

describe('2. changes to the roles on a path to PHI alert from every region and are denied to people', () => {
  test('the trail metric filter counts every create, delete, trust, tag or policy change of a protected role, by name pattern', () => {
    const pattern = filterPattern('ProtectedRoleChanged');
    for (const event of ['CreateRole', 'DeleteRole', 'UpdateAssumeRolePolicy', 'PutRolePolicy', 'AttachRolePolicy', 'DetachRolePolicy', 'PutRolePermissionsBoundary', 'UntagRole']) {
      expect(pattern).toContain(`$.eventName = "${event}"`);
    }
    for (const name of ['vp-us-east-tenant-*', 'vp-us-east-break-glass', 'vp-us-east-voice-task', 'vp-us-east-credential-broker']) {
      expect(pattern).toContain(`$.requestParameters.roleName = "${name}"`);
    }
    // The filter reads the multi-region trail's log group, and its alarm tells the breach contacts.
    const alarm = resourcesOfType(json('Detection'), 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.MetricName === 'ProtectedRoleChanged')![1];
    expect(alarm.Properties.AlarmActions[0].Ref).toMatch(/^AlertTopic/);
  });

  test('the protected roles carry the protected-role tag', () => {
    const tagged = (stack: string) =>
      Object.entries(rolesNamed(stack))
        .filter(([, r]: any) => (r.Properties.Tags ?? []).some((t: any) => t.Key === 'vp:protected-role' && t.Value === 'true'))
        .map(([name]) => name)
        .sort();
    expect(tagged(`Tenant-${tenant}`)).toEqual([`vp-us-east-tenant-${tenant}`, `vp-us-east-tenant-${tenant}-replication`]);
    expect(tagged('Access')).toEqual(['vp-us-east-break-glass']);
    expect(tagged('Voice')).toEqual(['vp-us-east-credential-broker', 'vp-us-east-voice-task']);
    // The roles that reach every clinic's database rows: the migrations (master secret) and the restore test.
    expect(resourcesOfType(json('Data'), 'AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties.Tags ?? []).includes('vp:protected-role')).map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['MigrationsRole', 'RestoreTestRole']);
  });

  test('operator, auditor and break-glass are denied every IAM change to those roles, by name and by tag', () => {
    const roles = rolesNamed('Access');
    for (const name of ['vp-us-east-operator', 'vp-us-east-auditor', 'vp-us-east-break-glass']) {
      const denies = statementsOf('Access', roles[name].id).filter((s: any) => s.Effect === 'Deny');
      const byName = denies.find((s: any) => s.Sid === 'NeverChangeProtectedRolesByName');
      expect(byName.Resource).toEqual(expect.arrayContaining([`arn:aws:iam::${ACCOUNT}:role/vp-us-east-tenant-*`, `arn:aws:iam::${ACCOUNT}:role/vp-us-east-credential-broker`]));
      expect(actionsOf(byName)).toEqual(expect.arrayContaining(['iam:CreateRole', 'iam:DeleteRole', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PassRole', 'iam:UntagRole']));
      const byTag = denies.find((s: any) => s.Sid === 'NeverChangeProtectedRolesByTag');
      expect(byTag.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/vp:protected-role': 'true' } });
    }
  });
});

describe('3. stolen tenant credentials do not work outside the cell network', () => {
  test('every PHI bucket denies the tenant access role unless the request comes from the cell VPC; replication and break-glass are exempt by name', () => {
    const policies = bucketPolicies(`Tenant-${tenant}`);
    expect(policies.length).toBeGreaterThan(0);
    for (const statements of policies) {
      const deny = statements.find((s) => s.Sid === 'TenantRoleOnlyFromTheCellNetwork');
      expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*' });
      expect(deny.Condition.ArnEquals['aws:PrincipalArn']).toEqual([TENANT_ROLE]);
      // The cell VPC's id, from the Network stack.
      expect(JSON.stringify(deny.Condition.StringNotEquals['aws:SourceVpc'])).toMatch(/us-east-Network.*RefVpc|RefVpc.*us-east-Network/);
    }
  });

  test('the tenant key denies the access role any direct use from outside the VPC', () => {
    const [key] = keyPolicy(`Tenant-${tenant}`);
    const deny = key.statements.find((s) => s.Sid === 'TenantRoleOnlyFromTheCellNetwork');
    expect(deny.Effect).toBe('Deny');
    expect(deny.Condition).toMatchObject({ ArnEquals: { 'aws:PrincipalArn': [TENANT_ROLE] }, BoolIfExists: { 'aws:ViaAWSService': 'false' } });
    expect(deny.Condition.StringNotEquals['aws:SourceVpc']).toBeDefined();
  });

  test('the DR replica, where the cell has no network, denies the tenant access role outright', () => {
    for (const statements of bucketPolicies(`TenantReplica-${tenant}`)) {
      const deny = statements.find((s) => s.Sid === 'TenantRoleHasNoNetworkHere');
      expect(deny.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': [TENANT_ROLE] } });
    }
  });

  test('the S3 gateway endpoint admits this account\'s buckets and the ECR layer bucket only; interface endpoints this account\'s resources', () => {
    const endpoints = resourcesOfType(json('Network'), 'AWS::EC2::VPCEndpoint').map(([, e]) => e.Properties);
    expect(endpoints.length).toBe(8);
    for (const endpoint of endpoints) {
      const statements = endpoint.PolicyDocument.Statement as any[];
      expect(statements[0].Condition).toEqual({ StringEquals: { 'aws:ResourceAccount': ACCOUNT } });
      for (const s of statements.slice(1)) expect(s.Condition?.StringEquals?.['aws:PrincipalAccount'] ?? s.Resource).not.toBe('*');
    }
    const s3 = endpoints.find((e) => e.VpcEndpointType === 'Gateway')!;
    expect(s3.PolicyDocument.Statement[1]).toMatchObject({ Action: 's3:GetObject', Resource: 'arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*' });
    // The database migrations answer CloudFormation through the endpoint: a PUT to the AWS-owned response bucket, nothing else there.
    expect(s3.PolicyDocument.Statement[2]).toMatchObject({ Action: 's3:PutObject', Resource: 'arn:aws:s3:::cloudformation-custom-resource-response-useast1/*' });
    expect(s3.PolicyDocument.Statement).toHaveLength(3);
  });
});

describe('4. guardrails deny downloading database log files', () => {
  test('operator and auditor are denied rds:DownloadDBLogFilePortion and rds:DownloadCompleteDBLogFile', () => {
    const roles = rolesNamed('Access');
    for (const name of ['vp-us-east-operator', 'vp-us-east-auditor']) {
      const denied = statementsOf('Access', roles[name].id)
        .filter((s: any) => s.Effect === 'Deny' && [s.Resource].flat().includes('*'))
        .flatMap(actionsOf);
      expect(denied).toEqual(expect.arrayContaining(['rds:DownloadDBLogFilePortion', 'rds:DownloadCompleteDBLogFile']));
    }
  });
});

describe('5. nobody, root included, disables or deletes the keys of evidence, backups, PHI and alerts; alerts have a second path', () => {
  const denies = (statements: any[]) => statements.find((s) => s.Effect === 'Deny' && actionsOf(s).includes('kms:ScheduleKeyDeletion'));

  test('audit, backup, tenant and alert keys, primary and DR, deny kms:ScheduleKeyDeletion and kms:DisableKey to every principal', () => {
    const protectedKeys = [
      ...['Keys', 'DisasterRecovery', `Tenant-${tenant}`, `TenantReplica-${tenant}`, 'Detection'].flatMap((stack) => keyPolicy(stack).map((k) => ({ stack, ...k }))),
    ];
    const names = protectedKeys.filter((k) => denies(k.statements)).map((k) => `${k.stack}/${k.id.replace(/[0-9A-F]{8}$/, '')}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'Keys/AuditKey',
        'Keys/BackupKey',
        'DisasterRecovery/AuditKey',
        'DisasterRecovery/BackupKey',
        'DisasterRecovery/AlertsKey',
        `Tenant-${tenant}/TenantKey`,
        `TenantReplica-${tenant}/TenantKey`,
        'Detection/AlertsKey',
        'Detection/AlertDeliveryFallbackAlertsKey',
      ]),
    );
    for (const k of protectedKeys.filter((k) => denies(k.statements))) {
      expect(denies(k.statements)).toMatchObject({ Principal: { AWS: '*' }, Action: ['kms:DisableKey', 'kms:ScheduleKeyDeletion'], Resource: '*' });
      expect(denies(k.statements).Condition).toBeUndefined();
    }
  });

  test('every alert rule target, primary and DR, has a dead-letter queue that only this cell\'s rules may write to', () => {
    for (const stack of ['Detection', 'DisasterRecovery']) {
      const queues = resourcesOfType(json(stack), 'AWS::SQS::Queue');
      expect(queues).toHaveLength(1);
      const [queueId] = queues[0];
      for (const [, rule] of resourcesOfType(json(stack), 'AWS::Events::Rule')) {
        for (const target of rule.Properties.Targets) expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
      }
      const [[, queuePolicy]] = resourcesOfType(json(stack), 'AWS::SQS::QueuePolicy');
      const send = queuePolicy.Properties.PolicyDocument.Statement.find((s: any) => s.Action === 'sqs:SendMessage');
      expect(send.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(JSON.stringify(send.Condition.ArnLike['aws:SourceArn'])).toContain(':rule/vp-us-east-*');
    }
  });

  test('failed deliveries alarm to a fallback topic under a key other than the alerts key', () => {
    const template = json('Detection');
    const topics = resourcesOfType(template, 'AWS::SNS::Topic');
    const fallback = topics.find(([id]) => id.includes('Fallback'))!;
    const main = topics.find(([id]) => !id.includes('Fallback'))!;
    expect(fallback[1].Properties.KmsMasterKeyId).not.toEqual(main[1].Properties.KmsMasterKeyId);
    const onFallback = resourcesOfType(template, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => JSON.stringify(a.Properties.AlarmActions).includes(fallback[0]))
      .map(([, a]) => a.Properties.MetricName)
      .sort();
    expect(onFallback).toEqual(['ApproximateNumberOfMessagesVisible', 'FailedInvocations', 'KeyDisabledOrDeleted', 'NumberOfNotificationsFailed']);
  });
});

describe('6. tampering with retention, log delivery, keys, snapshots and backups alerts; PHI bucket configuration is the deploy path\'s alone', () => {
  test.each([
    ['PhiBucketLifecycleChanged', ['PutBucketLifecycle', 'DeleteBucketLifecycle']],
    ['PhiBucketChanged', ['PutBucketReplication', 'DeleteBucketReplication']],
    ['LogDeliveryTampered', ['DeleteSubscriptionFilter', 'DeleteLogGroup', 'PutRetentionPolicy', 'DeleteRetentionPolicy']],
    ['FirehoseDestinationChanged', ['UpdateDestination', 'DeleteDeliveryStream']],
    ['KeyAliasChanged', ['CreateAlias', 'UpdateAlias', 'DeleteAlias']],
    ['DatabaseSnapshotMoved', ['CopyDBSnapshot', 'ModifyDBSnapshotAttribute', 'RestoreDBInstanceFromDBSnapshot', 'StartExportTask']],
  ])('%s counts %p from every region', (metric, events) => {
    const pattern = filterPattern(metric);
    for (const event of events) expect(pattern).toContain(`$.eventName = "${event}"`);
  });

  test('a backup copy job to any vault but the cell\'s DR vault alerts', () => {
    expect(filterPattern('BackupCopiedElsewhere')).toContain(
      `$.eventName = "StartCopyJob" && $.requestParameters.destinationBackupVaultArn != "arn:aws:backup:us-west-2:${ACCOUNT}:backup-vault:vp-us-east-backup-us-west-2"`,
    );
  });

  test('every PHI bucket, primary and replica, denies configuration changes to everyone but the deploy path', () => {
    for (const stack of [`Tenant-${tenant}`, `TenantReplica-${tenant}`]) {
      for (const statements of bucketPolicies(stack)) {
        const deny = statements.find((s) => s.Sid === 'OnlyTheDeployPathChangesTheBucket');
        expect(deny.Effect).toBe('Deny');
        expect(deny.Action).toEqual(expect.arrayContaining(['s3:PutLifecycleConfiguration', 's3:PutReplicationConfiguration', 's3:PutBucketVersioning', 's3:PutBucketPolicy', 's3:DeleteBucket']));
        expect(deny.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': DEPLOY_PATH } });
      }
    }
  });
});

describe('7. backups leave only for the DR vault; database and backup keys serve named roles only', () => {
  test('the primary vault denies copy jobs to any other vault, the DR vault any copy; only the deploy path changes either policy', () => {
    const [[, primary]] = resourcesOfType(json('Data'), 'AWS::Backup::BackupVault');
    const copy = primary.Properties.AccessPolicy.Statement.find((s: any) => s.Action === 'backup:StartCopyJob');
    expect(copy).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' } });
    expect(copy.Condition).toEqual({ 'ForAnyValue:ArnNotEquals': { 'backup:CopyTargets': [`arn:aws:backup:us-west-2:${ACCOUNT}:backup-vault:vp-us-east-backup-us-west-2`] } });
    const [[, dr]] = resourcesOfType(json('DisasterRecovery'), 'AWS::Backup::BackupVault');
    const drCopy = dr.Properties.AccessPolicy.Statement.find((s: any) => s.Action === 'backup:StartCopyJob');
    expect(drCopy.Effect).toBe('Deny');
    expect(drCopy.Condition).toBeUndefined();
    for (const vault of [primary, dr]) {
      const change = vault.Properties.AccessPolicy.Statement.find((s: any) => actionsOf(s).includes('backup:PutBackupVaultAccessPolicy'));
      expect(change.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': DEPLOY_PATH } });
    }
  });

  test('database and backup keys admit, through RDS and AWS Backup, only the deploy path, the backup roles and the service-linked roles', () => {
    const users = [
      ...DEPLOY_PATH,
      `arn:aws:iam::${ACCOUNT}:role/vp-us-east-backup`,
      `arn:aws:iam::${ACCOUNT}:role/vp-us-east-restore-test`,
      `arn:aws:iam::${ACCOUNT}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS`,
      `arn:aws:iam::${ACCOUNT}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup`,
    ];
    const keys = [...keyPolicy('Keys'), ...keyPolicy('DisasterRecovery')].filter((k) => /^(Database|Backup)Key/.test(k.id));
    expect(keys.map((k) => k.id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['BackupKey', 'BackupKey', 'DatabaseKey']);
    for (const key of keys) {
      const open = key.statements.filter((s) => s.Effect === 'Allow' && s.Principal?.AWS === '*');
      expect(open.length).toBeGreaterThan(0);
      for (const s of open) expect(s.Condition.ArnEquals['aws:PrincipalArn']).toEqual(users);
    }
    // The named roles exist under those names.
    expect(Object.keys(rolesNamed('Data'))).toEqual(expect.arrayContaining(['vp-us-east-backup', 'vp-us-east-restore-test']));
  });
});

describe('8. each human role trusts only the identity roles named for it, and every session names its person', () => {
  test('trust requires the configured principal ARNs, MFA and a source identity', () => {
    for (const [, role] of Object.entries(rolesNamed('Access')) as any[]) {
      for (const s of role.Properties.AssumeRolePolicyDocument.Statement) {
        expect(s.Action).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity']);
        expect(s.Condition.Null).toEqual({ 'sts:SourceIdentity': 'false' });
        expect(s.Condition.ArnLike['aws:PrincipalArn']).toHaveLength(1);
        expect(s.Condition.ArnLike['aws:PrincipalArn'][0]).toMatch(/^arn:aws:iam::999999999999:role\/.+/);
      }
    }
  });
});

describe('9. a deletion by a compromised credential stays recoverable for 30 days', () => {
  test('every PHI bucket keeps noncurrent versions at least 30 days while the clinic is not offboarding', () => {
    for (const stack of [`Tenant-${tenant}`, `TenantReplica-${tenant}`]) {
      for (const [, bucket] of resourcesOfType(json(stack), 'AWS::S3::Bucket')) {
        const days = bucket.Properties.LifecycleConfiguration.Rules.filter((r: any) => r.NoncurrentVersionExpiration).map((r: any) => r.NoncurrentVersionExpiration.NoncurrentDays);
        expect(days.length).toBeGreaterThan(0);
        expect(Math.min(...days)).toBeGreaterThanOrEqual(30);
      }
    }
  });

  test('the tenant role may delete objects but never versions, so a deletion only makes a version noncurrent', () => {
    const role = rolesNamed(`Tenant-${tenant}`)[`vp-us-east-tenant-${tenant}`];
    const allowed = statementsOf(`Tenant-${tenant}`, role.id).filter((s: any) => s.Effect === 'Allow').flatMap(actionsOf);
    expect(allowed).toContain('s3:DeleteObject');
    expect(allowed.filter((a: string) => /DeleteObjectVersion|PutLifecycle|PutBucketVersioning/.test(a))).toEqual([]);
  });
});

describe('10. hygiene: source conditions, grants for AWS resources, the GuardDuty agent account, alert subscriptions', () => {
  test('CloudWatch may use the alerts key only for alarms of this account; EventBridge, which sends no source keys to KMS, by the topic context', () => {
    const [alerts] = keyPolicy('Detection').filter((k) => k.id.startsWith('AlertsKey'));
    const cloudWatch = alerts.statements.find((s) => s.Sid === 'CloudWatchAlarmsPublishAlerts');
    expect(cloudWatch.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(cloudWatch.Condition.ArnLike['aws:SourceArn'])).toContain(':alarm:vp-us-east-*');
    const events = alerts.statements.find((s) => s.Sid === 'EventBridgePublishesAlerts');
    expect(Object.keys(events.Condition.StringEquals)).toEqual(['kms:EncryptionContext:aws:sns:topicArn']);
  });

  test('every kms:CreateGrant a key policy allows is for AWS resources only', () => {
    expect(result.stacks('us-east').length).toBeGreaterThan(5);
    let grants = 0;
    for (const artifact of result.stacks('us-east')) {
      for (const [, key] of resourcesOfType(artifact.template, 'AWS::KMS::Key')) {
        for (const s of key.Properties.KeyPolicy.Statement.filter((st: any) => st.Effect === 'Allow' && actionsOf(st).some((a) => a === 'kms:CreateGrant' || a === 'kms:*'))) {
          expect(s.Condition.Bool['kms:GrantIsForAWSResource']).toBe('true');
          grants++;
        }
      }
    }
    expect(grants).toBeGreaterThan(0);
  });

  test('the GuardDuty runtime agent is pulled from the AWS account that publishes it in the region, not from any account', () => {
    const policies = managedPolicies('Voice').flatMap((p) => p.PolicyDocument.Statement);
    const pull = policies.find((s: any) => s.Sid === 'PullTheGuardDutyRuntimeAgent');
    expect(pull.Resource).toBe('arn:aws:ecr:us-east-1:593207742271:repository/aws-guardduty-agent-fargate');
  });

  test('only the deploy path may subscribe to the alert topics, primary, fallback and DR', () => {
    for (const stack of ['Detection', 'DisasterRecovery']) {
      const policies = resourcesOfType(json(stack), 'AWS::SNS::TopicPolicy');
      expect(policies).toHaveLength(2);
      for (const [, policy] of policies) {
        const deny = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Action === 'sns:Subscribe');
        expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Condition: { ArnNotEquals: { 'aws:PrincipalArn': DEPLOY_PATH } } });
      }
    }
  });
});
