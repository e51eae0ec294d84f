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

  test('people of the identity account reach a clinic only through break-glass, which is not a violation', () => {
    const identity = reachers(1).find((r) => r.principal.id === 'account:999999999999')!;
    expect(identity.path.map((s) => s.resource)[0]).toBe('arn:aws:iam::111111111111:role/vp-us-east-break-glass');
    expect(identity.violation).toBe(false);
  });

  test('the voice task role\'s standing path through the clinic roles is found (issue 13 replaces it with the broker)', () => {
    const task = reachers(2).find((r) => r.principal.id === 'arn:aws:iam::111111111111:role/vp-us-east-voice-task')!;
    expect(task.violation).toBe(true);
    expect(task.path.map((s) => s.action)).toEqual(['sts:AssumeRole', 's3:GetObject + kms:Decrypt']);
    expect(task.path[0].resource).toBe('arn:aws:iam::111111111111:role/vp-us-east-tenant-us-east-c002');
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

  test('passes on our templates: the only path found is the voice task\'s, acknowledged until issue 13\'s broker removes it', () => {
    const s = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1 }));
    expect(s.openFindings().filter((f) => f.includes('NoPathToPhi'))).toEqual([]);
    const acknowledged = s.acknowledged().filter((a) => a.acknowledgedId.includes('NoPathToPhi'));
    expect(acknowledged.map((a) => [a.acknowledgedId, a.violatingConstructs.map((c) => c.constructPath)])).toEqual([['VoicePlatform::VoicePlatform-NoPathToPhi[all-clinics]', ['us-east/Voice/TaskRole/Resource']]]);
  });
});
