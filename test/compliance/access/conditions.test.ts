import { CellTemplates, DesignedPrincipal, reachability } from '../../../lib/compliance/access';

/** A hand-made cell: one clinic bucket with its key, the clinic's role, and a second role that may assume it. */
function cell(edit: (resources: Record<string, any>) => void = () => undefined): CellTemplates {
  const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
  const resources: Record<string, any> = {
    Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/clinic' } } }) } },
    Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'phi-c1', Tags: [{ Key: 'tenant', Value: 'c1' }], BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } } }] } } },
    Clinic: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'clinic',
        AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-0123' } } }),
        Policies: [{ PolicyName: 'data', PolicyDocument: doc({ Effect: 'Allow', Action: ['s3:GetObject', 'kms:Decrypt'], Resource: '*' }) }],
      },
    },
    Caller: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'caller',
        AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
        Policies: [{ PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::111111111111:role/clinic' }) }],
      },
    },
  };
  edit(resources);
  return { cellId: 'c', account: '111111111111', stacks: [{ stackName: 'c-Tenant', region: 'us-east-1', template: { Resources: resources } }] };
}

const designed: DesignedPrincipal[] = [{ kind: 'clinic role', admits: 'designed', reason: 'test', matches: (r) => r.arn.endsWith(':role/clinic') }];
const callerOf = (c: CellTemplates) => reachability(c, { designed })[0].reachers.find((r) => r.principal.id === 'arn:aws:iam::111111111111:role/caller');

describe('conditions the templates cannot decide never hide a path', () => {
  test('a trust condition on the network (aws:SourceVpce) counts as satisfied: the caller reaches the clinic and is flagged', () => {
    const caller = callerOf(cell());
    expect(caller?.violation).toBe(true);
    expect(caller?.path.map((s) => s.action)).toEqual(['sts:AssumeRole', 's3:GetObject + kms:Decrypt']);
  });

  test('a deny with an undecidable condition does not close the path; an unconditional deny does', () => {
    const denied = (Condition?: object) =>
      cell((r) => r.Caller.Properties.Policies.push({ PolicyName: 'deny', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*', ...(Condition ? { Condition } : {}) }] } }));
    expect(callerOf(denied({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }))?.violation).toBe(true);
    expect(callerOf(denied())).toBeUndefined();
  });

  test('a condition on the caller\'s ARN is evaluated: a key policy naming another role closes the path', () => {
    const c = cell((r) => (r.Key.Properties.KeyPolicy.Statement[0].Condition.ArnEquals['aws:PrincipalArn'] = 'arn:aws:iam::111111111111:role/someone-else'));
    expect(reachability(c, { designed })[0].reachers).toEqual([]);
  });

  test('a permissions boundary that does not allow sts:AssumeRole closes the path', () => {
    const c = cell((r) => (r.Caller.Properties.PermissionsBoundary = 'arn:aws:iam::111111111111:policy/boundary'));
    const boundary = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] };
    expect(reachability(c, { designed, knownPolicies: { 'arn:aws:iam::111111111111:policy/boundary': boundary } })[0].reachers.map((r) => r.principal.id)).not.toContain('arn:aws:iam::111111111111:role/caller');
  });
});
