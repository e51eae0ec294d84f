import { fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

/** The monthly restore test of the cell database, as the Data stack's template declares it. */
describe('database restore testing plan', () => {
  const config = fixtureConfig({ cells: 1, tenantsPerCell: 1 });
  const data = () => synthesized(config, { packs: false }).templateJson('us-east/Data');
  const network = () => synthesized(config, { packs: false }).templateJson('us-east/Network');
  const one = (template: Record<string, any>, type: string) => {
    const found = resourcesOfType(template, type);
    expect(found).toHaveLength(1);
    return found[0][1].Properties;
  };

  test('restores the latest recovery point of the primary vault at least monthly', () => {
    const plan = one(data(), 'AWS::Backup::RestoreTestingPlan');
    expect(plan.RestoreTestingPlanName).toBe('vp_us_east_database_restore_test');
    // Monthly: a fixed day of every month, not a weekday pattern or a longer period.
    expect(plan.ScheduleExpression).toMatch(/^cron\(\d+ \d+ \d+ \* \? \*\)$/);
    expect(plan.RecoveryPointSelection.Algorithm).toBe('LATEST_WITHIN_WINDOW');
    const vaults = JSON.stringify(plan.RecoveryPointSelection.IncludeVaults);
    const [vaultId] = resourcesOfType(data(), 'AWS::Backup::BackupVault').find(([, v]) => v.Properties.BackupVaultName === 'vp-us-east-backup-us-east-1')!;
    expect(vaults).toContain(vaultId);
    expect(vaults).not.toContain('us-west-2');
  });

  test('tests the cell database with a validation window, in isolated subnets, reachable by nobody', () => {
    const template = data();
    const selection = one(template, 'AWS::Backup::RestoreTestingSelection');
    const [dbId] = resourcesOfType(template, 'AWS::RDS::DBInstance')[0];
    expect(selection.ProtectedResourceType).toBe('RDS');
    expect(JSON.stringify(selection.ProtectedResourceArns)).toContain(dbId);
    expect(selection.ValidationWindowHours).toBeGreaterThanOrEqual(1);

    const overrides = selection.RestoreMetadataOverrides;
    const subnetGroupId = overrides.dbsubnetgroupname.Ref;
    const subnetGroup = template.Resources[subnetGroupId];
    expect(subnetGroup.Type).toBe('AWS::RDS::DBSubnetGroup');
    const isolated = resourcesOfType(network(), 'AWS::EC2::Subnet')
      .filter(([, s]) => (s.Properties.Tags ?? []).some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Isolated'))
      .map(([id]) => id);
    expect(isolated.length).toBeGreaterThan(0);
    const imported = JSON.stringify(subnetGroup.Properties.SubnetIds);
    for (const id of isolated) expect(imported).toContain(id);
    expect(imported).not.toMatch(/IngressSubnet|ServiceSubnet/);

    const sgId = JSON.stringify(overrides.vpcsecuritygroupids).match(/"(RestoreTest\w+)"/)![1];
    const sg = template.Resources[sgId];
    expect(sg.Type).toBe('AWS::EC2::SecurityGroup');
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    expect(resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => JSON.stringify(r.Properties.GroupId).includes(sgId))).toHaveLength(0);
    // CDK's way of saying "no egress": a single rule to an unroutable address.
    expect(sg.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })]);
  });

  test('passes every compliance pack without an open finding', () => {
    const synth = synthesized(config);
    expect(synth.report.pluginReports.length).toBeGreaterThanOrEqual(4);
    // The one acknowledgement: AWS Backup's own restore policy on the restore role.
    expect(synth.acknowledged().filter((a) => a.violatingConstructs.some((c) => c.constructPath.includes('/RestoreTest/'))).map((a) => a.ruleName)).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]',
    ]);
    const findings = synth.openFindings().filter((f) => f.includes('/RestoreTest/'));
    expect(findings).toEqual([]);
    expect(synth.openFindings()).toEqual([]);
  });
});
