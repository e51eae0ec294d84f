import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';

const github = { repository: 'example-org/voice-platform', environment: 'deploy-us-east' };
const s = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1, edit: (raw) => (raw.cells[0].deployFrom = { github }) }), { packs: false });
const access = s.templateJson('us-east/Access').Resources as Record<string, any>;
const policiesOf = (roleLogicalId: string) =>
  Object.values(access).filter((r: any) => r.Type === 'AWS::IAM::ManagedPolicy' && JSON.stringify(r.Properties.Roles ?? []).includes(`"${roleLogicalId}"`));
const logicalIdOf = (roleName: string) => Object.entries(access).find(([, r]: any) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === roleName)![0];

describe('people hold no deploy rights', () => {
  test('the operator may assume no CDK bootstrap role, and its guardrail denies every one', () => {
    const statements = policiesOf(logicalIdOf('vp-us-east-operator')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const allows = statements.filter((st: any) => st.Effect === 'Allow');
    expect(JSON.stringify(allows)).not.toContain('sts:AssumeRole');
    expect(JSON.stringify(allows)).not.toContain(':role/cdk-');
    expect(statements).toContainEqual(
      expect.objectContaining({ Sid: 'NeverDeployOrLookUp', Effect: 'Deny', Resource: 'arn:aws:iam::111111111111:role/cdk-*' }),
    );
  });

  test('CI deploys through an OIDC role pinned to the repository environment and the STS audience', () => {
    const role = access[logicalIdOf('vp-us-east-ci-deploy')];
    const [trust] = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(trust.Condition).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': 'repo:example-org/voice-platform:environment:deploy-us-east',
      },
    });
    const provider = Object.values(access).find((r: any) => r.Type === 'AWS::IAM::OIDCProvider') as any;
    expect(provider.Properties.Url).toBe('https://token.actions.githubusercontent.com');
    const statements = policiesOf(logicalIdOf('vp-us-east-ci-deploy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    // Besides the preflight's reads, it may only assume the bootstrap deploy and publishing roles.
    expect(statements.filter((st: any) => JSON.stringify(st.Action).includes('sts:')).map((st: any) => st.Sid)).toEqual(['DeployThroughCdkBootstrapRoles']);
    expect(statements.flatMap((st: any) => [st.Action].flat()).filter((a: string) => !a.startsWith('sts:')).sort()).toEqual([
      'cloudformation:ListStackResources',
      'cloudformation:ListStacks',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
    ]);
    const resources = statements.find((st: any) => st.Sid === 'DeployThroughCdkBootstrapRoles').Resource;
    expect(resources).toHaveLength(6);
    expect(resources.every((r: string) => /:role\/cdk-hnb659fds-(deploy|file-publishing|image-publishing)-role-111111111111-us-(east-1|west-2)$/.test(r))).toBe(true);
  });

  test('every IAM role of the cell carries the role boundary that the bootstrap uses', () => {
    const roles = s.stacks('us-east').flatMap((a) => Object.entries(a.template.Resources as Record<string, any>).filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([id, r]) => [`${a.hierarchicalId}/${id}`, r]));
    expect(roles.length).toBeGreaterThan(10);
    const unbounded = roles.filter(([, r]: any) => r.Properties.PermissionsBoundary !== 'arn:aws:iam::111111111111:policy/vp-us-east-role-boundary').map(([id]) => id);
    expect(unbounded).toEqual([]);
  });

  // The CLI assumes the lookup role only to resolve missing context (context providers); the app makes no lookups.
  // https://docs.aws.amazon.com/cdk/v2/guide/context.html
  test('synthesis needs no lookup role: no context lookup is missing from the assembly', () => {
    const stacks = s.stacks('us-east');
    expect(stacks.length).toBeGreaterThan(5);
    expect(stacks.flatMap((a) => a.assembly.manifest.missing ?? [])).toEqual([]);
  });
});
