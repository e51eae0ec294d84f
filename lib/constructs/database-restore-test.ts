import { Fn } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { ScopedRole } from './scoped-role';

/**
 * The proposed HIPAA Security Rule update (NPRM, 90 FR 898, January 2025, proposed 45 CFR
 * 164.308(a)(13)) asks that critical systems and data be restorable within 72 hours.
 */
export const RESTORE_TARGET_HOURS = 72;

/** Restore tests run monthly (the 3rd, 09:00 UTC, after the daily 05:00 backup); at least monthly is the promise. */
export const RESTORE_TEST_SCHEDULE = 'cron(0 9 3 * ? *)';

/** How long the restored instance is kept for validation before AWS Backup deletes it. */
export const RESTORE_VALIDATION_WINDOW_HOURS = 4;

export interface DatabaseRestoreTestProps {
  /** `restoreTestingPlanName()`: letters, digits and underscores only. */
  readonly restoreTestingPlanName: string;
  /** The restore role's name (`restoreTestRoleName()`): the backup and database keys admit it by name. @default - generated */
  readonly roleName?: string;
  /** The database whose recovery points are restored. */
  readonly database: rds.DatabaseInstance;
  /** The vault in the database's region whose recovery points are tested. */
  readonly backupVault: backup.IBackupVault;
  readonly vpc: ec2.IVpc;
  /** The isolated subnets the restored instance is placed in. */
  readonly subnets: ec2.SubnetSelection;
}

/**
 * An AWS Backup restore testing plan for the cell database: every month AWS Backup restores the
 * latest recovery point of the primary vault in the primary region into the isolated subnets,
 * measures the time the restore took, keeps the instance for the validation window, then deletes it.
 *
 * The restored instance is encrypted with the database key: an RDS snapshot keeps the key of its
 * instance, and a restore in the same region cannot change it
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RestoreFromSnapshot.html).
 * It is reachable by nobody: its security group admits no traffic in or out.
 */
export class DatabaseRestoreTest extends Construct {
  public readonly plan: backup.CfnRestoreTestingPlan;
  public readonly selection: backup.CfnRestoreTestingSelection;
  public readonly role: ScopedRole;

  constructor(scope: Construct, id: string, props: DatabaseRestoreTestProps) {
    super(scope, id);
    const subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      description: 'Isolated subnets for the monthly restore test of the cell database',
    });
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Restore-tested database: no traffic in or out',
      allowAllOutbound: false,
    });

    this.role = new ScopedRole(this, 'Role', {
      roleName: props.roleName,
      description: 'Lets AWS Backup restore, and then delete, the monthly test restore of the cell database',
      // AWS Backup's documented service-role trust has no condition (https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html).
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForRestores')],
    });
    acknowledge(
      this.role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]',
      'AWS Backup\'s own restore policy, maintained by AWS as restore testing changes; the role is assumable only by AWS Backup of this account, and a restore creates a new instance, it never changes the cell database.',
    );

    // https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html
    this.plan = new backup.CfnRestoreTestingPlan(this, 'Plan', {
      restoreTestingPlanName: props.restoreTestingPlanName,
      scheduleExpression: RESTORE_TEST_SCHEDULE,
      scheduleExpressionTimezone: 'Etc/UTC',
      startWindowHours: 4,
      recoveryPointSelection: {
        algorithm: 'LATEST_WITHIN_WINDOW',
        // The primary vault only: the test restores in the primary region, where a restore is first tried.
        includeVaults: [props.backupVault.backupVaultArn],
        recoveryPointTypes: ['SNAPSHOT'],
        selectionWindowDays: 7,
      },
    });
    // Overridable keys for RDS instances: https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html
    this.selection = new backup.CfnRestoreTestingSelection(this, 'Selection', {
      restoreTestingPlanName: this.plan.ref,
      restoreTestingSelectionName: 'cell_database',
      protectedResourceType: 'RDS',
      protectedResourceArns: [props.database.instanceArn],
      iamRoleArn: this.role.roleArn,
      validationWindowHours: RESTORE_VALIDATION_WINDOW_HOURS,
      restoreMetadataOverrides: {
        dbsubnetgroupname: subnetGroup.subnetGroupName,
        vpcsecuritygroupids: Fn.join('', ['["', securityGroup.securityGroupId, '"]']),
      },
    });
  }
}
