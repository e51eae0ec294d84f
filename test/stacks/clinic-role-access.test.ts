import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

// "No role other than the broker and break-glass can obtain a clinic role", proven from the templates
// of every stack of the cell: each clinic role's trust names exactly those two, and no other role's
// policy grants sts:AssumeRole on a clinic role. (Chains through roles that may assume other roles
// are followed by the NoPathToPhi rule of issue 12.)
const config = fixtureConfig({ cells: 2, tenantsPerCell: 2 });
const result = synthesized(config, { packs: false });

type Statement = { Effect: string; Action?: string | string[]; NotAction?: string | string[]; Resource?: unknown; NotResource?: unknown; Condition?: any; Principal?: any };
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Whether an IAM wildcard pattern (`*`, `?`) matches a string. */
const matches = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);

/** A statement that allows assuming a role whose ARN is `arn`: an action matching sts:AssumeRole on a matching resource. */
function grantsAssume(s: Statement, arn: string): boolean {
  if (s.Effect !== 'Allow') return false;
  const action = s.NotAction ? !list(s.NotAction).some((a) => matches(a, 'sts:AssumeRole')) : list(s.Action).some((a) => matches(a, 'sts:AssumeRole'));
  if (!action) return false;
  if (s.NotResource) return !list(s.NotResource).some((r) => typeof r === 'string' && matches(r, arn));
  // A resource built by an intrinsic function is rendered as its JSON, so that a literal ARN inside it still counts.
  return list(s.Resource).some((r) => matches(typeof r === 'string' ? r : JSON.stringify(r), arn) || (typeof r !== 'string' && JSON.stringify(r).includes(arn)));
}

/** Every policy statement of the cell, with the role(s) it belongs to. */
function roleStatements(cellId: string): Array<{ stack: string; roles: string[]; statement: Statement }> {
  const out: Array<{ stack: string; roles: string[]; statement: Statement }> = [];
  for (const artifact of result.stacks(cellId)) {
    const json = artifact.template as Record<string, any>;
    const roles = Object.fromEntries(resourcesOfType(json, 'AWS::IAM::Role'));
    const name = (ref: any): string => {
      const id = typeof ref === 'object' && ref?.Ref ? ref.Ref : String(ref);
      return String(roles[id]?.Properties.RoleName ?? id);
    };
    for (const [id, role] of Object.entries(roles)) {
      for (const p of list((role as any).Properties.Policies)) for (const s of list((p as any).PolicyDocument.Statement)) out.push({ stack: artifact.stackName, roles: [name(id)], statement: s as Statement });
    }
    for (const type of ['AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy']) {
      for (const [, p] of resourcesOfType(json, type)) {
        for (const s of list(p.Properties.PolicyDocument.Statement)) out.push({ stack: artifact.stackName, roles: list(p.Properties.Roles).map(name), statement: s as Statement });
      }
    }
  }
  return out;
}

describe.each(config.cells.map((c) => [c.id, c.account] as const))('cell %s: only the credential broker and break-glass can obtain a clinic role', (cellId, account) => {
  const broker = `arn:aws:iam::${account}:role/vp-${cellId}-credential-broker`;
  const breakGlass = `arn:aws:iam::${account}:role/vp-${cellId}-break-glass`;
  const clinics = [1, 2].map((n) => fixtureTenantId(cellId, n));

  test.each(clinics)('clinic %s: its role trusts the broker (for a call with a source identity) and break-glass, no one else', (clinic) => {
    const json = result.templateJson(`${cellId}/Tenant-${clinic}`);
    const role = resourcesOfType(json, 'AWS::IAM::Role').find(([, r]) => r.Properties.RoleName === `vp-${cellId}-tenant-${clinic}`)![1];
    const statements: Statement[] = role.Properties.AssumeRolePolicyDocument.Statement;
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      // The account, narrowed to one principal by ARN: never a service, a federated identity or another account.
      expect(s.Principal).toEqual({ AWS: `arn:aws:iam::${account}:root` });
      expect(Object.keys(s.Condition.ArnEquals)).toEqual(['aws:PrincipalArn']);
    }
    const byPrincipal = (arn: string) => statements.filter((s) => list(s.Condition.ArnEquals['aws:PrincipalArn']).includes(arn));
    expect(statements.flatMap((s) => list(s.Condition.ArnEquals['aws:PrincipalArn'])).sort()).toEqual([breakGlass, broker, broker].sort());
    const brokerAssume = byPrincipal(broker).find((s) => list(s.Action).includes('sts:AssumeRole'))!;
    expect(brokerAssume.Condition.Null).toEqual({ 'sts:SourceIdentity': 'false' });
    expect(byPrincipal(broker).flatMap((s) => list(s.Action)).sort()).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession']);
    expect(byPrincipal(breakGlass).flatMap((s) => list(s.Action))).toEqual(['sts:AssumeRole']);
  });

  test('no role\'s policy but the broker\'s grants sts:AssumeRole on a clinic role', () => {
    const statements = roleStatements(cellId);
    expect(statements.length).toBeGreaterThan(20);
    const granting = clinics.flatMap((clinic) =>
      statements
        .filter((s) => grantsAssume(s.statement, `arn:aws:iam::${account}:role/vp-${cellId}-tenant-${clinic}`))
        .flatMap((s) => s.roles.map((r) => `${r} -> ${clinic}`)),
    );
    expect([...new Set(granting)].sort()).toEqual(clinics.map((c) => `vp-${cellId}-credential-broker -> ${c}`).sort());
  });

  test('the voice task role holds no access to any clinic: no sts, s3 or kms action, no webhook signing secret; it may only invoke the broker', () => {
    const task = roleStatements(cellId).filter((s) => s.roles.includes(`vp-${cellId}-voice-task`));
    const actions = task.flatMap((s) => list(s.statement.Action));
    expect(actions.filter((a) => /^(sts|s3|kms|secretsmanager):|^\*$/.test(a))).toEqual([]);
    expect(task.find((s) => list(s.statement.Action).includes('lambda:InvokeFunction'))!.statement.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^CredentialBrokerFunction/), 'Arn'],
    });
  });

  test('the broker\'s role is marked as the designed path to the clinic roles (tag voice-platform:role = credential-broker)', () => {
    const json = result.templateJson(`${cellId}/Voice`);
    const [[id, role]] = resourcesOfType(json, 'AWS::IAM::Role').filter(([, r]) => r.Properties.RoleName === `vp-${cellId}-credential-broker`);
    expect(id).toMatch(/^CredentialBrokerRole/);
    expect(role.Properties.Tags).toContainEqual({ Key: 'voice-platform:role', Value: 'credential-broker' });
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([expect.objectContaining({ Principal: { Service: 'lambda.amazonaws.com' } })]);
  });
});
