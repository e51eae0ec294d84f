import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bootstrapCli } from '../../lib/deploy/bootstrap-cli';
import { rawFixtureConfig } from '../fixtures/config';

describe('npm run bootstrap -- <cell>', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vp-bootstrap-test-'));
  const configFile = path.join(dir, 'platform.yaml');
  writeFileSync(configFile, JSON.stringify(rawFixtureConfig({ cells: 1, tenantsPerCell: 1 })));
  const lines: string[] = [];
  const code = bootstrapCli(['us-east', '--config', configFile, '--out', dir], (l) => lines.push(l));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('prints, offline, the bootstrap with the scoped execution policy and the matching custom boundary', () => {
    expect(code).toBe(0);
    expect(lines).toContain(
      'npx cdk bootstrap aws://111111111111/us-east-1 aws://111111111111/us-west-2 --cloudformation-execution-policies arn:aws:iam::111111111111:policy/vp-us-east-cfn-execution --custom-permissions-boundary vp-us-east-role-boundary',
    );
    expect(lines.some((l) => l.startsWith('aws iam create-policy --policy-name vp-us-east-role-boundary'))).toBe(true);
  });

  test('the execution policy names the services of the app\'s resource types, never *:* or AdministratorAccess, and denies PHI reads', () => {
    const text = readFileSync(path.join(dir, 'bootstrap', 'us-east', 'execution-policy.json'), 'utf8');
    const policy = JSON.parse(text);
    const allowed: string[] = policy.Statement.filter((s: any) => s.Sid === 'ManageTheAppsResourceTypes').flatMap((s: any) => s.Action);
    expect(allowed).toEqual(expect.arrayContaining(['s3:*', 'kms:*', 'iam:*', 'rds:*', 'ecs:*']));
    expect(allowed).not.toContain('*');
    expect(allowed).not.toContain('*:*');
    expect(allowed.every((a) => /^[a-z0-9-]+:\*$/.test(a))).toBe(true);
    expect(text).not.toContain('AdministratorAccess');
    // A service no resource type of the app uses is not there.
    expect(allowed).not.toContain('dynamodb:*');
    expect(policy.Statement.find((s: any) => s.Sid === 'NeverReadPhiOrSecrets').Action).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue']));
    // Object reads are denied everywhere but the CDK assets buckets, where Lambda reads function code with the deploy's credentials.
    expect(policy.Statement.find((s: any) => s.Sid === 'NeverReadObjectsButAssets')).toEqual({
      Sid: 'NeverReadObjectsButAssets',
      Effect: 'Deny',
      Action: ['s3:GetObject*', 's3:RestoreObject'],
      NotResource: ['arn:aws:s3:::cdk-hnb659fds-assets-111111111111-us-east-1/*', 'arn:aws:s3:::cdk-hnb659fds-assets-111111111111-us-west-2/*'],
    });
    // What no resource type names but a deploy needs, each narrowed: other stacks' outputs, the bootstrap version, vault storage, DNS validation, enhanced scanning.
    const extra = policy.Statement.filter((s: any) => s.Effect === 'Allow' && s.Sid !== 'ManageTheAppsResourceTypes').flatMap((s: any) => s.Action);
    expect(extra).toEqual(expect.arrayContaining(['cloudformation:DescribeStacks', 'ssm:GetParameters', 'backup-storage:MountCapsule', 'route53:ChangeResourceRecordSets', 'inspector2:Enable']));
    expect(policy.Statement.find((s: any) => s.Sid === 'ReadTheCellsOtherStacks').Resource).toEqual([
      'arn:aws:cloudformation:us-east-1:111111111111:stack/us-east-*/*',
      'arn:aws:cloudformation:us-west-2:111111111111:stack/us-east-*/*',
    ]);
    expect(JSON.stringify(policy).length).toBeLessThan(6144);
    expect(policy.Statement.find((s: any) => s.Sid === 'NeverDecryptWithAClinicsKey')).toMatchObject({
      Effect: 'Deny',
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/vp-us-east/tenant-*' } },
    });
  });

  test('refuses an unknown cell by name', () => {
    const out: string[] = [];
    expect(bootstrapCli(['nowhere', '--config', configFile, '--out', dir], (l) => out.push(l))).toBe(2);
    expect(out.join('\n')).toContain('No cell "nowhere"');
  });
});
