import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { migrationsHash, MIGRATIONS_DIRECTORY } from '../../lib/constructs/database-migrations';
import { clinicDatabaseUser } from '../../lib/database/plan';
import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

// Three clinics in one cell; the third's contract ended long ago, so its database rows go.
const [FIRST, SECOND, ENDED] = [1, 2, 3].map((n) => fixtureTenantId('us-east', n));
const config = fixtureConfig({
  cells: 1,
  tenantsPerCell: 3,
  edit: (raw) => {
    raw.tenants[2].offboarding = { terminationDate: '2020-01-31' };
  },
});
const result = synthesized(config, { packs: true, bundling: true });
const data = result.templateJson('us-east/Data');
const network = result.templateJson('us-east/Network');

const functions = resourcesOfType(data, 'AWS::Lambda::Function');
const [[functionId, fn]] = functions;
const [[, schema]] = resourcesOfType(data, 'Custom::DatabaseMigrations');
const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
const role = data.Resources[roleId];
const sgId: string = fn.Properties.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'][0];
const [[dbId]] = resourcesOfType(data, 'AWS::RDS::DBInstance');
const dbSgId: string = resourcesOfType(data, 'AWS::RDS::DBInstance')[0][1].Properties.VPCSecurityGroups[0]['Fn::GetAtt'][0];

/** Every IAM statement of every template of the cell, with the resource that holds it. */
function allStatements(): Array<{ stack: string; holder: string; roles: string; statement: any }> {
  const found: Array<{ stack: string; holder: string; roles: string; statement: any }> = [];
  for (const stack of result.stacks('us-east')) {
    const template = stack.template as Record<string, any>;
    for (const [id, resource] of Object.entries<any>(template.Resources ?? {})) {
      const document = resource.Properties?.PolicyDocument;
      if (!document || !['AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy'].includes(resource.Type)) continue;
      for (const statement of [document.Statement].flat()) {
        found.push({ stack: stack.stackName, holder: id, roles: JSON.stringify(resource.Properties.Roles ?? []), statement });
      }
    }
    for (const [id, resource] of Object.entries<any>(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      for (const policy of resource.Properties.Policies ?? []) {
        for (const statement of [policy.PolicyDocument.Statement].flat()) found.push({ stack: stack.stackName, holder: id, roles: id, statement });
      }
    }
  }
  return found;
}

const grantsDatabaseConnect = (statement: any): boolean =>
  statement.Effect === 'Allow' && [statement.Action].flat().some((a: string) => a === '*' || /^rds-db:/i.test(a));

describe('database migration function', () => {
  test('is the Data stack\'s only function: no provider framework or other hidden function', () => {
    expect(functions.map(([id]) => id)).toEqual([functionId]);
    expect(schema.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
  });

  test('runs on the latest Node.js runtime in the isolated (database) subnets, one run at a time, without retries', () => {
    const isolated = resourcesOfType(network, 'AWS::EC2::Subnet')
      .filter(([, s]) => s.Properties.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Isolated'))
      .map(([id]) => id);
    expect(isolated.length).toBeGreaterThan(0);
    expect(fn.Properties.VpcConfig.SubnetIds).toHaveLength(isolated.length);
    const subnets = JSON.stringify(fn.Properties.VpcConfig.SubnetIds);
    for (const id of isolated) expect(subnets).toContain(id);
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    const [[, invokeConfig]] = resourcesOfType(data, 'AWS::Lambda::EventInvokeConfig');
    expect(invokeConfig.Properties.MaximumRetryAttempts).toBe(0);
  });

  test('the isolated subnets it runs in have no route to the internet', () => {
    const isolatedTables = resourcesOfType(network, 'AWS::EC2::RouteTable')
      .filter(([id]) => /DatabaseSubnet/.test(id))
      .map(([id]) => id);
    expect(isolatedTables.length).toBeGreaterThan(0);
    const routes = resourcesOfType(network, 'AWS::EC2::Route').filter(([, r]) => isolatedTables.includes(r.Properties.RouteTableId?.Ref));
    expect(routes).toEqual([]);
  });

  test('writes to its own encrypted log group kept for the audit retention', () => {
    const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
    const logGroup = data.Resources[logGroupId];
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.KmsKeyId).toBeDefined();
    expect(logGroup.Properties.RetentionInDays).toBe(2192);
    expect(logGroup.DeletionPolicy).toBe('Retain');
    const users = Object.entries<any>(data.Resources).filter(
      ([id, r]) => id !== functionId && r.Type === 'AWS::Lambda::Function' && JSON.stringify(r).includes(logGroupId),
    );
    expect(users).toEqual([]);
  });

  test('its role is assumable by Lambda only, held by this function only, and reads only the master secret', () => {
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    const holders = Object.entries<any>(data.Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties.Role).includes(roleId),
    );
    expect(holders.map(([id]) => id)).toEqual([functionId]);
    const mine = allStatements().filter((s) => s.roles.includes(`"${roleId}"`) || s.holder === roleId);
    const secretReads = mine.filter((s) => [s.statement.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
    expect(secretReads.map((s) => s.statement)).toEqual([
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { 'Fn::GetAtt': [dbId, 'MasterUserSecret.SecretArn'] } },
    ]);
    expect(mine.filter((s) => grantsDatabaseConnect(s.statement))).toEqual([]);
    expect(fn.Properties.Environment.Variables.MASTER_SECRET_ARN).toEqual({ 'Fn::GetAtt': [dbId, 'MasterUserSecret.SecretArn'] });
  });

  test('its security group reaches the database on 5432 and HTTPS only; the database admits it on 5432', () => {
    const egress = [
      ...(data.Resources[sgId].Properties.SecurityGroupEgress ?? []),
      ...resourcesOfType(data, 'AWS::EC2::SecurityGroupEgress')
        .filter(([, r]) => r.Properties.GroupId['Fn::GetAtt']?.[0] === sgId)
        .map(([, r]) => r.Properties),
    ];
    expect(egress.map((e) => `${e.IpProtocol}/${e.FromPort}-${e.ToPort}`).sort()).toEqual(['tcp/443-443', 'tcp/5432-5432']);
    expect(egress.find((e) => e.FromPort === 5432).DestinationSecurityGroupId).toEqual({ 'Fn::GetAtt': [dbSgId, 'GroupId'] });
    const ingress = resourcesOfType(data, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, r]) => r.Properties.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] === sgId,
    );
    expect(ingress.map(([, r]) => [r.Properties.GroupId, r.Properties.FromPort, r.Properties.ToPort])).toEqual([
      [{ 'Fn::GetAtt': [dbSgId, 'GroupId'] }, 5432, 5432],
    ]);
  });

  test('runs again whenever a migration file or the clinic plan changes, and offboards clinics whose date has passed', () => {
    expect(schema.Properties.MigrationsHash).toBe(migrationsHash(MIGRATIONS_DIRECTORY));
    expect(JSON.parse(schema.Properties.Plan)).toEqual({
      active: [FIRST, SECOND].map((id) => ({ clinicId: id, databaseUser: clinicDatabaseUser(id) })),
      offboarded: [{ clinicId: ENDED, databaseUser: clinicDatabaseUser(ENDED) }],
    });
    expect(schema.Properties.ServiceTimeout).toBe('600');
    expect(schema.DependsOn).toEqual(expect.arrayContaining([dbId]));
  });

  test('passes every pack; its only acknowledgements are the four narrow ones, each on its own construct', () => {
    const mine = (path: string) => path.startsWith('us-east/Data/Migrations/');
    expect(result.openFindings().filter((f) => f.includes('us-east/Data/Migrations/'))).toEqual([]);
    const acknowledged = result
      .acknowledged()
      .flatMap((a) => a.violatingConstructs.filter((c) => mine(c.constructPath)).map((c) => `${a.ruleName} @ ${c.constructPath}`))
      .sort();
    expect(acknowledged).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole] @ us-east/Data/Migrations/Role/Resource',
      `AwsSolutions-IAM5[Resource::<${fn.Properties.LoggingConfig.LogGroup.Ref}.Arn>:log-stream:*] @ us-east/Data/Migrations/Role/Permissions/Resource`,
      'HIPAA.Security-LambdaDLQ @ us-east/Data/Migrations/Function/Resource',
      'NIST.800.53.R5-LambdaDLQ @ us-east/Data/Migrations/Function/Resource',
    ]);
  });

  test('its code was bundled at synth with the SQL files beside it', () => {
    const bundleDir = path.join(result.outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    expect(readdirSync(path.join(bundleDir, 'sql'))).toEqual(readdirSync(MIGRATIONS_DIRECTORY).filter((f) => f.endsWith('.sql')));
    expect(readdirSync(path.join(bundleDir, 'migrations'))).toEqual(['0_create-migrations-table.sql']);
    expect(readFileSync(path.join(bundleDir, 'index.js'), 'utf8')).toContain('verify_audit_chain');
  });
});

describe('IAM database authentication per clinic', () => {
  const connects = allStatements().filter((s) => grantsDatabaseConnect(s.statement));

  test('each clinic\'s role may connect to the cell database as its own database user, and nobody else may connect', () => {
    const byStack = new Map(connects.map((s) => [s.stack, s]));
    // Only the clinic stacks (not the DR replicas, the voice, access or data stacks) hold rds-db:connect.
    expect([...byStack.keys()].sort()).toEqual([FIRST, SECOND, ENDED].map((id) => `us-east-Tenant-${id}`).sort());
    expect(connects).toHaveLength(3);
    for (const id of [FIRST, SECOND, ENDED]) {
      const grant = byStack.get(`us-east-Tenant-${id}`)!;
      expect(grant.statement.Action).toBe('rds-db:connect');
      const resource = JSON.stringify(grant.statement.Resource);
      expect(resource).toMatch(new RegExp(`:dbuser:.*/${clinicDatabaseUser(id)}"`));
      expect(resource).not.toContain('*');
      // The DbiResourceId of the cell database, from the Data stack.
      expect(resource).toContain('DbiResourceId');
      const template = result.templateJson(`us-east/Tenant-${id}`);
      const roles = JSON.parse(grant.roles) as Array<{ Ref: string }>;
      expect(roles).toHaveLength(1);
      expect(template.Resources[roles[0].Ref].Properties.RoleName).toBe(`vp-us-east-tenant-${id}`);
    }
  });
});
