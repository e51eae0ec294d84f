import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { TenantConfig } from '../config';
import { DatabaseMigrations } from '../constructs/database-migrations';
import { DatabaseRestoreTest } from '../constructs/database-restore-test';
import { EncryptedLogGroup } from '../constructs/encrypted-log-group';
import { BACKUP_RETENTION_DAYS, LockedBackupVault } from '../constructs/locked-backup-vault';
import { PlatformKey } from '../constructs/platform-key';
import { ScopedRole } from '../constructs/scoped-role';
import { databasePlan, utcToday } from '../database/plan';
import { backupRoleName, backupVaultName, cellPrefix, deployPathRoleArns, databaseInstanceId, PROTECTED_ROLE_TAG, restoreTestingPlanName, restoreTestRoleName } from '../naming';
import { CellStack, CellStackProps } from './cell-stack';
import { SUBNETS } from './network-stack';

/**
 * PostgreSQL 17 by major version only, with automatic minor upgrades: RDS chooses the current
 * minor for a new cell and upgrades running ones in the maintenance window, so the template never
 * names a minor version that RDS has retired or already upgraded past.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html
 */
export const POSTGRES_ENGINE = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.of('17', '17') });

/** RDS windows (UTC): automated backups, the weekly maintenance, and the AWS Backup start, an hour or more apart. */
export const DATABASE_WINDOWS = {
  /** RDS refuses a backup window that overlaps the maintenance window. */
  automatedBackup: '03:00-04:00',
  maintenance: 'sun:04:30-sun:05:30',
  /** The AWS Backup plan starts at 00:00 and must start by 01:00, two hours before the automated backup window. */
  backupPlanStartHour: 0,
  backupPlanStartWindowHours: 1,
} as const;

export interface DataStackProps extends CellStackProps {
  readonly vpc: ec2.IVpc;
  readonly databaseKey: PlatformKey;
  readonly secretsKey: PlatformKey;
  readonly backupKey: PlatformKey;
  readonly logsKey: PlatformKey;
  /** The cell's clinics: each gets a database user, and offboarded ones are removed from the database. */
  readonly tenants: readonly TenantConfig[];
}


/**
 * The cell's PostgreSQL database and its backups.
 *
 * RDS for PostgreSQL (a Multi-AZ DB instance) rather than Aurora: one clinic's appointments and call
 * metadata are small and steady, so Aurora's storage scaling and read replicas buy nothing here, while
 * a single-instance engine keeps cost, the parameter surface that auditors review, and the restore
 * procedure (AWS Backup snapshot copy to the DR region) simple. pgaudit, IAM authentication, forced
 * TLS and Performance Insights with a customer key work the same on both.
 */
export class DataStack extends CellStack {
  public readonly database: rds.DatabaseInstance;
  /** Attach this group to whatever must reach the database (the voice service). */
  public readonly databaseClientSecurityGroup: ec2.SecurityGroup;
  public readonly databaseSecurityGroup: ec2.SecurityGroup;
  public readonly backupVault: backup.BackupVault;
  /** The pgaudit and PostgreSQL log: who read and wrote which data. */
  public readonly databaseAuditLogGroup: EncryptedLogGroup;
  /** Applies migrations/ and the clinic plan at every deploy that changes them. */
  public readonly migrations: DatabaseMigrations;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { description: `PostgreSQL database and locked backups of cell ${props.cell.id}`, ...props });
    const { retention, database: sizing } = this.cell;
    const instanceIdentifier = databaseInstanceId(this);

    this.databaseClientSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseClientSecurityGroup', {
      vpc: props.vpc,
      description: 'Members may connect to the cell database (the voice service)',
      allowAllOutbound: false,
    });
    this.databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: props.vpc,
      description: 'Cell database: PostgreSQL from database clients only',
      allowAllOutbound: false,
    });
    this.databaseSecurityGroup.addIngressRule(this.databaseClientSecurityGroup, ec2.Port.tcp(5432), 'PostgreSQL from database clients');
    this.databaseClientSecurityGroup.addEgressRule(this.databaseSecurityGroup, ec2.Port.tcp(5432), 'PostgreSQL to the cell database');

    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine: POSTGRES_ENGINE,
      description: 'TLS 1.2+ enforced by the server; pgaudit logs reads, writes, role changes and DDL',
      parameters: {
        'rds.force_ssl': '1',
        ssl_min_protocol_version: 'TLSv1.2',
        shared_preload_libraries: 'pgaudit,pg_stat_statements',
        'pgaudit.log': 'read,write,role,ddl',
        // Statement parameters are values, and values may be PHI: they stay out of the log.
        'pgaudit.log_parameter': '0',
        'pgaudit.log_catalog': '0',
        log_connections: '1',
        log_disconnections: '1',
      },
    });

    // RDS writes to these fixed names; creating them first gives them our key and retention.
    this.databaseAuditLogGroup = new EncryptedLogGroup(this, 'PostgresqlLogs', {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/postgresql`,
      logClass: 'audit',
      retention,
      encryptionKey: props.logsKey,
    });
    const upgradeLogs = new EncryptedLogGroup(this, 'UpgradeLogs', {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/upgrade`,
      logClass: 'operational',
      retention,
      encryptionKey: props.logsKey,
    });
    // Enhanced monitoring writes OS metrics to this account-wide group in each region.
    const osMetricsLogs = new EncryptedLogGroup(this, 'EnhancedMonitoringLogs', {
      logGroupName: 'RDSOSMetrics',
      logClass: 'operational',
      retention,
      encryptionKey: props.logsKey,
    });

    const monitoringRole = new ScopedRole(this, 'EnhancedMonitoringRole', {
      description: 'Lets RDS enhanced monitoring publish OS metrics of the cell database',
      // Conditions RDS documents for this role: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    // What AWS's managed policy for this role grants, limited to our one RDSOSMetrics group: RDS is documented
    // only against that policy, and it calls CreateLogGroup and PutRetentionPolicy as well as the stream actions.
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonRDSEnhancedMonitoringRole.html
    monitoringRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ManageTheRdsOsMetricsGroup',
        actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'],
        // The group's ARN with and without the trailing `:*` that CloudFormation's Arn attribute carries.
        resources: [`arn:${this.partition}:logs:${this.region}:${this.account}:log-group:RDSOSMetrics`, osMetricsLogs.logGroupArn],
      }),
    );
    monitoringRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteRdsOsMetrics',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
        resources: [osMetricsLogs.logGroupArn, `${osMetricsLogs.logGroupArn}:log-stream:*`],
      }),
    );
    acknowledge(
      monitoringRole.node.findChild('Permissions'),
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(osMetricsLogs.node.defaultChild as logs.CfnLogGroup)}.Arn>:log-stream:*]`,
      'RDS enhanced monitoring creates one log stream per instance with a name it chooses; the permission is limited to streams of the one RDSOSMetrics group of this account and region.',
    );

    this.database = new rds.DatabaseInstance(this, 'Database', {
      instanceIdentifier,
      engine: POSTGRES_ENGINE,
      instanceType: new ec2.InstanceType(sizing.instanceType),
      vpc: props.vpc,
      vpcSubnets: { subnetGroupName: SUBNETS.database },
      securityGroups: [this.databaseSecurityGroup],
      publiclyAccessible: false,
      multiAz: true,
      allocatedStorage: sizing.allocatedStorageGiB,
      maxAllocatedStorage: sizing.maxAllocatedStorageGiB,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      storageEncryptionKey: props.databaseKey,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.databaseKey,
      performanceInsightRetention: rds.PerformanceInsightRetention.MONTHS_1,
      monitoringInterval: Duration.seconds(30),
      monitoringRole,
      autoMinorVersionUpgrade: true,
      iamAuthentication: true,
      // RDS keeps the master password in Secrets Manager, encrypted with the secrets key, and rotates it.
      manageMasterUserPassword: true,
      credentials: rds.Credentials.fromUsername('postgres_admin', { encryptionKey: props.secretsKey }),
      parameterGroup,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      backupRetention: Duration.days(BACKUP_RETENTION_DAYS),
      preferredBackupWindow: DATABASE_WINDOWS.automatedBackup,
      preferredMaintenanceWindow: DATABASE_WINDOWS.maintenance,
      copyTagsToSnapshot: true,
      deletionProtection: true,
      // Kept even if its first create rolls back: deletion protection would make that delete fail anyway.
      removalPolicy: RemovalPolicy.RETAIN,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    });
    this.database.node.addDependency(this.databaseAuditLogGroup, upgradeLogs, osMetricsLogs);
    acknowledge(
      this.database,
      'DeploySafety-FixedNameRetainExceptOnCreate[retained-after-failed-create]',
      'The database has deletion protection, so CloudFormation could not delete it on a rolled-back create either; it is kept, ' +
        'and `npm run deploy` detects the rolled-back stack and prints the steps to remove the new, empty instance before a retry.',
    );
    acknowledge(
      this.database,
      'AwsSolutions-RDS11',
      'The database listens on the PostgreSQL default port. It sits in isolated subnets without any route to the internet and admits only the database-client security group; a non-default port would add no protection.',
    );

    this.backupVault = this.createBackups(props.backupKey);
    // Recovery is tested, not assumed: AWS Backup restores the latest recovery point monthly and measures the time.
    const restoreTest = new DatabaseRestoreTest(this, 'RestoreTest', {
      restoreTestingPlanName: restoreTestingPlanName(this),
      roleName: restoreTestRoleName(this),
      database: this.database,
      backupVault: this.backupVault,
      vpc: props.vpc,
      subnets: { subnetGroupName: SUBNETS.database },
    });

    this.migrations = new DatabaseMigrations(this, 'Migrations', {
      functionName: `${cellPrefix(this)}-db-migrations`,
      vpc: props.vpc,
      vpcSubnets: { subnetGroupName: SUBNETS.database },
      database: this.database,
      databaseSecurityGroup: this.databaseSecurityGroup,
      secretsKey: props.secretsKey,
      logsKey: props.logsKey,
      retention,
      plan: databasePlan(props.tenants, utcToday()),
    });
    // Roles that reach every clinic's rows (the migrations read the master secret; the restore test
    // restores the database): protected like the clinic roles (lib/naming.ts protectedRoleNamePatterns).
    // Not the backup role: an incident restore passes it (README, Recovery), which protection denies to people.
    for (const role of [this.migrations.role, restoreTest.role]) Tags.of(role).add(PROTECTED_ROLE_TAG, 'true');
  }

  /** A locked vault, a daily plan covering the database, and a copy of every recovery point to the DR region. */
  private createBackups(backupKey: PlatformKey): backup.BackupVault {
    const drVaultArn = `arn:${this.partition}:backup:${this.cell.drRegion}:${this.account}:backup-vault:${backupVaultName(this, this.cell.drRegion)}`;
    const vault = new LockedBackupVault(this, 'BackupVault', {
      backupVaultName: backupVaultName(this, this.region),
      encryptionKey: backupKey,
      copyTargetArns: [drVaultArn],
      deployPathRoleArns: deployPathRoleArns(this),
    });
    const plan = new backup.BackupPlan(this, 'BackupPlan', {
      backupPlanName: `${this.cell.id}-daily`,
      backupVault: vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'daily-35-days-with-dr-copy',
          // Away from the RDS windows: https://docs.aws.amazon.com/aws-backup/latest/devguide/creating-a-backup-plan.html
          scheduleExpression: events.Schedule.cron({ minute: '0', hour: String(DATABASE_WINDOWS.backupPlanStartHour) }),
          startWindow: Duration.hours(DATABASE_WINDOWS.backupPlanStartWindowHours),
          completionWindow: Duration.hours(4),
          deleteAfter: Duration.days(BACKUP_RETENTION_DAYS),
          copyActions: [
            {
              destinationBackupVault: backup.BackupVault.fromBackupVaultArn(this, 'DrBackupVault', drVaultArn),
              deleteAfter: Duration.days(BACKUP_RETENTION_DAYS),
            },
          ],
        }),
      ],
    });
    const role = new ScopedRole(this, 'BackupRole', {
      // Named: the database and backup keys admit it by name (databaseKeyUserArns).
      roleName: backupRoleName(this),
      description: 'Lets AWS Backup back up and restore the cell database',
      // No condition: AWS Backup's documented service-role trust has none; only this account can pass the role
      // (https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html).
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForRestores'),
      ],
    });
    const awsManaged =
      'AWS Backup\'s own service-role policy, maintained by AWS as the service adds resource types; the role is assumable only by AWS Backup for this account, and the vault lock prevents early deletion whatever the role may do.';
    acknowledge(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]', awsManaged);
    acknowledge(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]', awsManaged);
    // S3 PHI buckets are protected by versioning and replication, not by Backup: a backup would keep
    // recordings past the clinic's retention and offboarding date.
    plan.addSelection('Database', {
      backupSelectionName: 'cell-database',
      resources: [backup.BackupResource.fromRdsDatabaseInstance(this.database)],
      role,
    });
    return vault;
  }
}
