import { CHECK_FAMILIES, VERIFY_ACTIONS_BEYOND_JOB_POLICIES, VERIFY_API_ACTIONS, runChecks } from '../../lib/verify';
import { fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';
import { contextFor, expectationsOf, healthyAccount, mocks } from './fixtures';

/** The service names of VERIFY_API_ACTIONS, per mocked client. */
const SERVICES: Record<keyof typeof mocks, string> = {
  sts: 'STS',
  cfn: 'CloudFormation',
  trail: 'CloudTrail',
  s3: 'S3',
  firehose: 'Firehose',
  cw: 'CloudWatch',
  config: 'ConfigService',
  gd: 'GuardDuty',
  hub: 'SecurityHub',
  sns: 'SNS',
  rds: 'RDS',
  backup: 'Backup',
  ecs: 'ECS',
  elb: 'ElasticLoadBalancingV2',
  kms: 'KMS',
};

afterAll(() => Object.values(mocks).forEach((m) => m.restore()));

test('every AWS call verify makes is a read listed with its IAM action (the list the README shows)', async () => {
  const expected = expectationsOf();
  healthyAccount(expected);
  const ctx = contextFor(expected);
  await runChecks(ctx, CHECK_FAMILIES);
  ctx.aws.destroy();
  const called = new Set<string>();
  for (const [key, mock] of Object.entries(mocks) as Array<[keyof typeof mocks, (typeof mocks)[keyof typeof mocks]]>) {
    for (const call of mock.calls()) called.add(`${SERVICES[key]}.${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`);
  }
  expect(called.size).toBeGreaterThan(25);
  expect([...called].filter((op) => !(op in VERIFY_API_ACTIONS))).toEqual([]);
  // Reads only: no call that writes, and no read of an object body, a log event or a secret value.
  expect([...called].filter((op) => /\.(Put|Create|Delete|Update|Start|GetObject$|GetLogEvents|FilterLogEvents|GetSecretValue)/.test(op))).toEqual([]);
});

describe('the auditor role can run verify', () => {
  const config = fixtureConfig({ cells: 1, tenantsPerCell: 1 });
  const policies = () =>
    resourcesOfType(synthesized(config, { packs: false }).templateJson('us-east/Access'), 'AWS::IAM::ManagedPolicy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

  test('gets drift detection of its own cell\'s stacks in both regions, nothing more', () => {
    const statement = policies().find((s: any) => s.Sid === 'VerifyDeployedStacks');
    expect(statement.Effect).toBe('Allow');
    expect(statement.Action).toEqual([...VERIFY_ACTIONS_BEYOND_JOB_POLICIES]);
    const resources = JSON.stringify(statement.Resource);
    expect(resources).toContain(':cloudformation:us-east-1:111111111111:stack/us-east-*/*');
    expect(resources).toContain(':cloudformation:us-west-2:111111111111:stack/us-east-*/*');
    expect(statement.Resource).toHaveLength(2);
  });

  test('still may never read PHI, secrets or the database audit log', () => {
    const denies = policies().filter((s: any) => s.Effect === 'Deny').flatMap((s: any) => [s.Action].flat());
    expect(denies).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue', 's3:GetObject*', 'kms:Decrypt', 'logs:GetLogEvents', 'logs:FilterLogEvents']));
  });

  test('with no open finding in any pack', () => {
    const synth = synthesized(config);
    expect(synth.report.pluginReports.length).toBeGreaterThanOrEqual(4);
    expect(synth.openFindings()).toEqual([]);
  });
});
