import * as iam from 'aws-cdk-lib/aws-iam';
import { CellTemplates, cellReachability } from '../../../lib/compliance/access';
import { fixtureConfig, fixtureTenantId } from '../../fixtures/config';
import { Synthesized, synthesize, synthesized } from '../../helpers';

function cellOf(s: Synthesized, cellId = 'us-east'): CellTemplates {
  const cell = s.config.cells.find((c) => c.id === cellId)!;
  return { cellId, account: cell.account, stacks: s.stacks(cellId).map((a) => ({ stackName: a.stackName, region: a.environment.region, template: a.template })) };
}

describe('who can reach each clinic\'s data (lib/compliance/access)', () => {
  const config = fixtureConfig({ cells: 1, tenantsPerCell: 2 });
  const result = cellReachability(cellOf(synthesized(config, { packs: false })), { platform: config.platform, cell: config.cells[0] });
  const reachers = (n: number) => result.find((c) => c.clinic === fixtureTenantId('us-east', n))!.reachers;
  const ids = (n: number) => reachers(n).map((r) => r.principal.id);

  test('each clinic is reached by its own roles and break-glass, never by another clinic\'s role, the operator or the auditor', () => {
    expect(result.map((c) => c.clinic)).toEqual([fixtureTenantId('us-east', 1), fixtureTenantId('us-east', 2)]);
    const first = ids(1);
    expect(first).toEqual(expect.arrayContaining([
      'arn:aws:iam::111111111111:role/vp-us-east-break-glass',
      'arn:aws:iam::111111111111:role/vp-us-east-tenant-us-east-c001',
      'arn:aws:iam::111111111111:role/vp-us-east-tenant-us-east-c001-replication',
    ]));
    expect(first).not.toContain('arn:aws:iam::111111111111:role/vp-us-east-tenant-us-east-c002');
    expect(first).not.toContain('arn:aws:iam::111111111111:role/vp-us-east-operator');
    expect(first).not.toContain('arn:aws:iam::111111111111:role/vp-us-east-auditor');
    expect(first).not.toContain('arn:aws:iam::111111111111:role/vp-us-east-ci-deploy');
    // Any other identity of the cell's account (people, CDK bootstrap roles) is refused by the bucket and key policies.
    expect(first).not.toContain('account:111111111111');
  });

  test('the identity account as a whole reaches no clinic: human trust names the identity roles of config (aws:PrincipalArn)', () => {
    for (const n of [1, 2]) expect(ids(n)).not.toContain('account:999999999999');
  });

  test('the voice task role reaches no clinic: it has no standing access, only the broker\'s per-call credentials', () => {
    for (const n of [1, 2]) expect(ids(n)).not.toContain('arn:aws:iam::111111111111:role/vp-us-east-voice-task');
  });

  test('following every assume-role chain, only the credential broker (entered by Lambda) and break-glass obtain a clinic\'s role', () => {
    for (const n of [1, 2]) {
      const clinicRole = `arn:aws:iam::111111111111:role/vp-us-east-tenant-${fixtureTenantId('us-east', n)}`;
      const obtainers = reachers(n).filter((r) => r.path.some((s) => s.action === 'sts:AssumeRole' && s.resource === clinicRole));
      expect(obtainers.map((r) => r.principal.id).sort()).toEqual(['arn:aws:iam::111111111111:role/vp-us-east-credential-broker', 'lambda.amazonaws.com']);
      const broker = obtainers.find((r) => r.principal.id.endsWith('credential-broker'))!;
      expect(broker.violation).toBe(false);
      expect(broker.path.map((s) => s.action)).toEqual(['sts:AssumeRole', 's3:GetObject + kms:Decrypt']);
      expect(reachers(n).every((r) => !r.violation)).toBe(true);
    }
  });

  test('S3 replication reaches a clinic only through that clinic\'s replication role, as designed', () => {
    const s3 = reachers(1).find((r) => r.principal.id === 's3.amazonaws.com')!;
    expect(s3.violation).toBe(false);
    expect(s3.path[0].resource).toBe('arn:aws:iam::111111111111:role/vp-us-east-tenant-us-east-c001-replication');
  });
});

describe('VoicePlatform-NoPathToPhi', () => {
  test('fails when a clinic role\'s trust is widened to the whole account, naming the role where the path starts', () => {
    const findings = synthesize(fixtureConfig({ cells: 1, tenantsPerCell: 1 }), {
      packs: 'own',
      extend: (_app, cells) => {
        const role = cells[0].tenantStacks[0].accessRole;
        role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({ principals: [new iam.AccountRootPrincipal()], actions: ['sts:AssumeRole'] }));
      },
    })
      .openFindings()
      .filter((f) => f.startsWith('VoicePlatform-NoPathToPhi'));
    expect(findings).toContain('VoicePlatform-NoPathToPhi[all-clinics] @ us-east/Tenant-us-east-c001/AccessRole/Resource');
    // Every role of the account that may assume roles (AWS managed policies count as allowing anything) now reaches the clinic too.
    expect(findings).toContain('VoicePlatform-NoPathToPhi[all-clinics] @ us-east/Data/BackupRole/Resource');
  });

  test('passes on our templates with nothing acknowledged', () => {
    const s = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1 }));
    expect(s.openFindings().filter((f) => f.includes('NoPathToPhi'))).toEqual([]);
    expect(s.acknowledged().filter((a) => a.acknowledgedId.includes('NoPathToPhi'))).toEqual([]);
  });

  test('fails when the voice task may assume the clinic roles again (the standing path the broker replaced)', () => {
    const findings = synthesize(fixtureConfig({ cells: 1, tenantsPerCell: 1 }), {
      packs: 'own',
      extend: (_app, cells) => {
        const tenant = cells[0].tenantStacks[0];
        // By name, as the old template did (no cross-stack reference).
        const tenantRole = `arn:aws:iam::111111111111:role/vp-us-east-tenant-${fixtureTenantId('us-east', 1)}`;
        cells[0].voice.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [tenantRole] }));
        tenant.accessRole.assumeRolePolicy!.addStatements(
          new iam.PolicyStatement({ principals: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/vp-us-east-voice-task')], actions: ['sts:AssumeRole'] }),
        );
      },
    })
      .openFindings()
      .filter((f) => f.startsWith('VoicePlatform-NoPathToPhi'));
    expect(findings.some((f) => f.endsWith('@ us-east/Voice/TaskRole/Resource'))).toBe(true);
  });
});
