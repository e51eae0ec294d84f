import { Match } from 'aws-cdk-lib/assertions';
import { fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

describe('DataStack', () => {
  const result = synthesized(fixtureConfig());
  const json = result.templateJson('us-east/Data');
  const template = result.template('us-east/Data');
  const [[, db]] = resourcesOfType(json, 'AWS::RDS::DBInstance');

  test('PostgreSQL in the isolated subnets, never public, Multi-AZ', () => {
    expect(db.Properties).toEqual(
      expect.objectContaining({ Engine: 'postgres', PubliclyAccessible: false, MultiAZ: true, DBInstanceIdentifier: 'vp-us-east-db' }),
    );
    const [[, subnetGroup]] = resourcesOfType(json, 'AWS::RDS::DBSubnetGroup');
    const network = result.templateJson('us-east/Network');
    const isolated = resourcesOfType(network, 'AWS::EC2::Subnet')
      .filter(([, s]) => s.Properties.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Isolated'))
      .map(([id]) => id);
    expect(JSON.stringify(subnetGroup.Properties.SubnetIds)).toEqual(expect.stringContaining(isolated[0]));
    for (const id of isolated) expect(JSON.stringify(subnetGroup.Properties.SubnetIds)).toContain(id);
  });

  test('storage and Performance Insights encrypted with the database key; enhanced monitoring; minor upgrades', () => {
    expect(db.Properties.StorageEncrypted).toBe(true);
    expect(JSON.stringify(db.Properties.KmsKeyId)).toContain('DatabaseKey');
    expect(db.Properties.EnablePerformanceInsights).toBe(true);
    expect(JSON.stringify(db.Properties.PerformanceInsightsKMSKeyId)).toContain('DatabaseKey');
    expect(db.Properties.MonitoringInterval).toBeGreaterThan(0);
    expect(db.Properties.MonitoringRoleArn).toBeDefined();
    expect(db.Properties.AutoMinorVersionUpgrade).toBe(true);
  });

  test('the server enforces TLS 1.2+, and pgaudit logs reads, writes and role changes without statement values', () => {
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: Match.objectLike({
        'rds.force_ssl': '1',
        ssl_min_protocol_version: 'TLSv1.2',
        shared_preload_libraries: Match.stringLikeRegexp('pgaudit'),
        'pgaudit.log': Match.stringLikeRegexp('read.*write.*role|role.*read.*write|read,write,role'),
        'pgaudit.log_parameter': '0',
      }),
    });
    expect(db.Properties.EnableIAMDatabaseAuthentication).toBe(true);
  });

  test('PostgreSQL and upgrade logs go to KMS-encrypted log groups with retention by class', () => {
    expect(db.Properties.EnableCloudwatchLogsExports).toEqual(['postgresql', 'upgrade']);
    const groups = Object.fromEntries(resourcesOfType(json, 'AWS::Logs::LogGroup').map(([, g]) => [g.Properties.LogGroupName, g]));
    expect(groups['/aws/rds/instance/vp-us-east-db/postgresql'].Properties.RetentionInDays).toBe(2192);
    expect(groups['/aws/rds/instance/vp-us-east-db/upgrade'].Properties.RetentionInDays).toBe(90);
    for (const g of Object.values(groups)) expect(JSON.stringify((g as any).Properties.KmsKeyId)).toContain('LogsKey');
    // RDS writes to these fixed names: they must exist (with our key and retention) before the instance.
    const rdsGroups = resourcesOfType(json, 'AWS::Logs::LogGroup').filter(([, g]) => typeof g.Properties.LogGroupName === 'string');
    expect(rdsGroups.length).toBe(3);
    expect(db.DependsOn).toEqual(expect.arrayContaining(rdsGroups.map(([id]) => id)));
  });

  test('master credentials are managed by RDS in Secrets Manager, encrypted with the secrets key, and rotated', () => {
    expect(db.Properties.ManageMasterUserPassword).toBe(true);
    expect(JSON.stringify(db.Properties.MasterUserSecret.KmsKeyId)).toContain('SecretsKey');
    expect(db.Properties.MasterUserPassword).toBeUndefined();
  });

  test('35-day backups, deletion protection, tags copied to snapshots, data kept when the stack goes', () => {
    expect(db.Properties.BackupRetentionPeriod).toBe(35);
    expect(db.Properties.DeletionProtection).toBe(true);
    expect(db.Properties.CopyTagsToSnapshot).toBe(true);
    expect(db.DeletionPolicy).toBe('Retain');
    expect(db.UpdateReplacePolicy).toBe('Retain');
  });

  test('the database admits PostgreSQL only from the database-client group, which the voice service joins', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseClientSecurityGroup'), 'GroupId'] },
    });
    const groups = resourcesOfType(json, 'AWS::EC2::SecurityGroup').map(([, g]) => g.Properties);
    for (const g of groups) expect(JSON.stringify(g.SecurityGroupIngress ?? [])).not.toContain('0.0.0.0/0');
  });

  test('a compliance-mode locked vault encrypted with the backup key, a daily plan for the database, copies to the DR vault', () => {
    const [[, vault]] = resourcesOfType(json, 'AWS::Backup::BackupVault');
    expect(JSON.stringify(vault.Properties.EncryptionKeyArn)).toContain('BackupKey');
    expect(vault.Properties.LockConfiguration).toEqual({ MinRetentionDays: 35, MaxRetentionDays: 3653, ChangeableForDays: 3 });
    expect(vault.DeletionPolicy).toBe('RetainExceptOnCreate');
    const [[, plan]] = resourcesOfType(json, 'AWS::Backup::BackupPlan');
    const [rule] = plan.Properties.BackupPlan.BackupPlanRule;
    expect(rule.Lifecycle).toEqual({ DeleteAfterDays: 35 });
    expect(rule.CopyActions).toEqual([
      { DestinationBackupVaultArn: 'arn:aws:backup:us-west-2:111111111111:backup-vault:vp-us-east-backup-us-west-2', Lifecycle: { DeleteAfterDays: 35 } },
    ]);
    const [[, selection]] = resourcesOfType(json, 'AWS::Backup::BackupSelection');
    expect(JSON.stringify(selection.Properties.BackupSelection.Resources)).toContain('db:');
    const dr = result.templateJson('us-east/DisasterRecovery');
    const [[, drVault]] = resourcesOfType(dr, 'AWS::Backup::BackupVault');
    expect(drVault.Properties.BackupVaultName).toBe('vp-us-east-backup-us-west-2');
    expect(drVault.Properties.LockConfiguration.ChangeableForDays).toBe(3);
  });
});
