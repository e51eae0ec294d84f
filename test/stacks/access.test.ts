import { cell, fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

describe('AccessStack', () => {
  const result = synthesized(fixtureConfig());
  const json = result.templateJson('us-east/Access');
  const roles = Object.fromEntries(resourcesOfType(json, 'AWS::IAM::Role').map(([id, r]) => [r.Properties.RoleName, { id, ...r }]));
  const policiesOf = (roleName: string) =>
    resourcesOfType(json, 'AWS::IAM::ManagedPolicy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roles[roleName].id))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

  test('operator, auditor and break-glass roles exist for the cell', () => {
    expect(Object.keys(roles).sort()).toEqual(['vp-us-east-auditor', 'vp-us-east-break-glass', 'vp-us-east-operator']);
  });

  test('each is assumable only by the identity roles named for it in config, with MFA and a source identity, for a short session', () => {
    const assumers: Record<string, string> = {
      'vp-us-east-operator': 'arn:aws:iam::999999999999:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Operator_*',
      'vp-us-east-auditor': 'arn:aws:iam::999999999999:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Auditor_*',
      'vp-us-east-break-glass': 'arn:aws:iam::999999999999:role/incident/break-glass-responder',
    };
    for (const [name, role] of Object.entries(roles) as any[]) {
      expect(role.Properties.MaxSessionDuration).toBe(3600);
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
          Principal: { AWS: 'arn:aws:iam::999999999999:root' },
          Condition: {
            Bool: { 'aws:MultiFactorAuthPresent': 'true' },
            NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
            ArnLike: { 'aws:PrincipalArn': [assumers[name]] },
            Null: { 'sts:SourceIdentity': 'false' },
          },
        },
      ]);
    }
  });

  test('an identity provider from config can be trusted instead, through SAML', () => {
    const saml = fixtureConfig({
      cells: 2,
      tenantsPerCell: 0,
      edit: (raw) => (cell(raw, 'eu-central').humanAccess = { trustedAccounts: [], samlProviderArn: 'arn:aws:iam::222222222222:saml-provider/ExampleIdP' }),
    });
    const t = synthesized(saml, { packs: false }).templateJson('eu-central/Access');
    for (const [, role] of resourcesOfType(t, 'AWS::IAM::Role')) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement[0]).toEqual(
        expect.objectContaining({
          Action: ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'],
          Principal: { Federated: 'arn:aws:iam::222222222222:saml-provider/ExampleIdP' },
          Condition: expect.objectContaining({ Null: { 'sts:SourceIdentity': 'false' } }),
        }),
      );
    }
  });

  test('operator and auditor carry a guardrail that denies every way to PHI', () => {
    for (const name of ['vp-us-east-operator', 'vp-us-east-auditor']) {
      const denies = policiesOf(name).filter((s: any) => s.Effect === 'Deny');
      const denied = denies.flatMap((s: any) => [s.Action].flat());
      expect(denied).toEqual(
        expect.arrayContaining(['kms:Decrypt', 'kms:CreateGrant', 'kms:PutKeyPolicy', 's3:GetObject*', 'secretsmanager:GetSecretValue', 'rds-db:connect', 'ecs:ExecuteCommand', 'sts:AssumeRole']),
      );
      const kms = denies.find((s: any) => [s.Action].flat().includes('kms:Decrypt'));
      expect(kms.Condition['ForAnyValue:StringLike']['kms:ResourceAliases']).toBe('alias/vp-us-east/tenant-*');
      const audit = denies.find((s: any) => s.Sid === 'NeverReadDatabaseAuditCopies');
      expect(audit.Resource).toBe('arn:aws:s3:::vp-us-east-audit-*/siem/database-audit/*');
    }
  });

  test('the operator holds no deploy rights; break-glass may assume the deploy and publishing roles only', () => {
    expect(policiesOf('vp-us-east-operator').filter((s: any) => s.Effect === 'Allow' && JSON.stringify(s.Action).includes('sts:'))).toEqual([]);
    const deploy = policiesOf('vp-us-east-break-glass').find((s: any) => s.Sid === 'DeployDuringAnIncident');
    expect(deploy.Resource).toContain('arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-us-east-1');
    expect(deploy.Resource).toHaveLength(6);
    for (const arn of deploy.Resource) expect(arn).not.toMatch(/\*|lookup-role/);
  });

  test('the auditor reads the audit archive, access logs and trail', () => {
    const read = policiesOf('vp-us-east-auditor').find((s: any) => s.Sid === 'ReadTheAuditArchiveAndAccessLogs');
    expect([...read.Resource].sort()).toEqual(['arn:aws:s3:::vp-us-east-access-logs-*', 'arn:aws:s3:::vp-us-east-audit-*']);
  });

  test('no IAM user and no access key anywhere in the app', () => {
    for (const cell of result.cells) {
      for (const stack of cell.stacks) {
        const types = Object.values((stack.template as any).Resources as Record<string, any>).map((r) => r.Type);
        expect(types.filter((t) => ['AWS::IAM::User', 'AWS::IAM::AccessKey'].includes(t))).toEqual([]);
      }
    }
  });
});

describe('who can decrypt tenant data, proven from every synthesized policy', () => {
  const result = synthesized(fixtureConfig());
  // Decrypting, re-encrypting, or granting oneself either.
  const decryptActions = /^kms:(Decrypt|\*|ReEncrypt|CreateGrant|Create\*)/;

  test('tenant key policies let only the tenant role, its replication role and break-glass decrypt', () => {
    for (const cell of result.cells) {
      for (const stack of cell.stacks.filter((s) => /\/Tenant(Replica)?-/.test(s.hierarchicalId))) {
        const tenant = stack.hierarchicalId.split(/Tenant(?:Replica)?-/)[1];
        const [key] = Object.values((stack.template as any).Resources as Record<string, any>).filter((r) => r.Type === 'AWS::KMS::Key');
        const decrypting = key.Properties.KeyPolicy.Statement.filter(
          (s: any) => s.Effect === 'Allow' && [s.Action].flat().some((a: string) => decryptActions.test(a)),
        );
        expect(decrypting).toHaveLength(1);
        expect(decrypting[0].Condition.ArnEquals['aws:PrincipalArn']).toEqual([
          `arn:aws:iam::${cell.account}:role/vp-${cell.stageName}-tenant-${tenant}`,
          `arn:aws:iam::${cell.account}:role/vp-${cell.stageName}-tenant-${tenant}-replication`,
          `arn:aws:iam::${cell.account}:role/vp-${cell.stageName}-break-glass`,
        ]);
      }
    }
  });

  test('outside the tenant stacks, only the break-glass role is allowed to decrypt with tenant keys', () => {
    const allowed: string[] = [];
    for (const cell of result.cells) {
      for (const stack of cell.stacks.filter((s) => !/\/Tenant(Replica)?-/.test(s.hierarchicalId))) {
        const resources = (stack.template as any).Resources as Record<string, any>;
        for (const [id, r] of Object.entries(resources)) {
          if (!['AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy'].includes(r.Type)) continue;
          for (const s of r.Properties.PolicyDocument.Statement) {
            const text = JSON.stringify(s);
            if (s.Effect === 'Allow' && [s.Action].flat().some((a: string) => decryptActions.test(a)) && text.includes('tenant-')) {
              allowed.push(`${stack.hierarchicalId}/${id.replace(/[0-9A-F]{8}$/, '')}`);
            }
          }
        }
      }
    }
    expect(allowed.sort()).toEqual(['eu-central/Access/BreakGlassPermissions', 'us-east/Access/BreakGlassPermissions']);
  });
});
