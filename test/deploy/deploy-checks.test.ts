import { CloudFormationClient, ListStackResourcesCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { BatchGetImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createHash } from 'node:crypto';
import { mockClient } from 'aws-sdk-client-mock';
import { DeployDependencies, runDeploy } from '../../lib/deploy';
import { cellStacks } from '../../lib/deploy/stack-state';
import { fixtureConfig } from '../fixtures/config';
import { synthesize } from '../helpers';
import { imageConfigBlob, imageManifest, mockHealthyAccount, writeConfig } from './fixtures';

const sts = mockClient(STSClient);
const account = mockHealthyAccount();
beforeEach(() => {
  sts.reset();
  account.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111', Arn: 'arn:aws:sts::111111111111:assumed-role/deployer/session' });
});
afterAll(() => {
  sts.restore();
  account.restore();
});

/** Runs `npm run deploy -- us-east` against the mocked account; returns the exit code, output, errors and whether cdk ran. */
async function deploy(overrides: Partial<DeployDependencies> = {}, args: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const runner = jest.fn(async () => 0);
  const code = await runDeploy(['us-east', '--config', writeConfig(), ...args], {
    sts: (region) => new STSClient({ region }),
    cloudformation: (region: string) => new CloudFormationClient({ region }),
    ecr: (region) => new ECRClient({ region }),
    fetchBlob: account.fetchBlob,
    runner,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { AWS_CONFIG_FILE: '/dev/null' },
    ...overrides,
  });
  return { code, out: out.join('\n'), err: err.join('\n'), ran: runner.mock.calls.length > 0 };
}

/** Stacks the mocked CloudFormation lists in a region, by name and status. */
function stacksIn(region: string, stacks: Record<string, string>) {
  account.cloudFormation.on(ListStacksCommand).callsFake(async (_input, getClient) => {
    const client = getClient();
    const current = await client.config.region();
    return { StackSummaries: current === region ? Object.entries(stacks).map(([StackName, StackStatus]) => ({ StackName, StackStatus, CreationTime: new Date() })) : [] };
  });
}

describe('npm run deploy: cell stacks that need recovery', () => {
  test('refuses a stack in ROLLBACK_COMPLETE with the exact recovery steps, naming the resources the rollback kept', async () => {
    stacksIn('us-east-1', { 'us-east-Data': 'ROLLBACK_COMPLETE' });
    account.cloudFormation.on(ListStackResourcesCommand, { StackName: 'us-east-Data' }).resolves({
      StackResourceSummaries: [
        { LogicalResourceId: 'DatabaseB269D8BB', PhysicalResourceId: 'vp-us-east-db', ResourceType: 'AWS::RDS::DBInstance', ResourceStatus: 'DELETE_SKIPPED', LastUpdatedTimestamp: new Date() },
        { LogicalResourceId: 'BackupVault3A9C5852', PhysicalResourceId: 'vp-us-east-backup', ResourceType: 'AWS::Backup::BackupVault', ResourceStatus: 'DELETE_COMPLETE', LastUpdatedTimestamp: new Date() },
      ],
    });
    const result = await deploy();
    expect(result.code).toBe(1);
    expect(result.ran).toBe(false);
    expect(result.err).toContain('stack us-east-Data in us-east-1 is ROLLBACK_COMPLETE. Nothing was deployed.');
    expect(result.err).toContain('aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name us-east-Data --region us-east-1');
    expect(result.err).toContain('aws cloudformation delete-stack --stack-name us-east-Data --region us-east-1');
    expect(result.err).toContain('aws rds modify-db-instance --db-instance-identifier vp-us-east-db --no-deletion-protection');
    // The vault was deleted by its RetainExceptOnCreate policy: nothing to do for it.
    expect(result.err).not.toContain('vp-us-east-backup');
    expect(result.err).toMatch(/5\. Deploy again: `npm run deploy -- us-east`/);
  });

  test('tells to import the audit archive the rollback kept, never to delete it', async () => {
    stacksIn('us-east-1', { 'us-east-Audit': 'ROLLBACK_COMPLETE' });
    account.cloudFormation.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        { LogicalResourceId: 'AuditArchive60EBC247', PhysicalResourceId: 'vp-us-east-audit-111111111111-us-east-1', ResourceType: 'AWS::S3::Bucket', ResourceStatus: 'DELETE_SKIPPED', LastUpdatedTimestamp: new Date() },
      ],
    });
    const { err } = await deploy();
    expect(err).toContain("npx cdk import 'us-east/Audit'");
    expect(err).not.toContain('delete-bucket --bucket vp-us-east-audit');
  });

  test('refuses a DR stack whose update rollback failed, with continue-update-rollback in the DR region', async () => {
    stacksIn('us-west-2', { 'us-east-DisasterRecovery': 'UPDATE_ROLLBACK_FAILED' });
    const { code, err } = await deploy();
    expect(code).toBe(1);
    expect(err).toContain('aws cloudformation continue-update-rollback --stack-name us-east-DisasterRecovery --region us-west-2');
  });

  test('refuses a stack whose rollback failed, with a forced delete that leaves the stuck resources in place', async () => {
    stacksIn('us-east-1', { 'us-east-Audit': 'ROLLBACK_FAILED' });
    const { err } = await deploy();
    expect(err).toContain('aws cloudformation delete-stack --stack-name us-east-Audit --region us-east-1 --deletion-mode FORCE_DELETE_STACK');
  });

  test('refuses while a stack of the cell is still being deployed or rolled back', async () => {
    stacksIn('us-east-1', { 'us-east-Voice': 'UPDATE_ROLLBACK_IN_PROGRESS' });
    const { code, err } = await deploy();
    expect(code).toBe(1);
    expect(err).toContain('stack us-east-Voice in us-east-1 is UPDATE_ROLLBACK_IN_PROGRESS');
  });

  test('ignores failed stacks that are not this cell\'s, and deploys, saying which checks passed', async () => {
    stacksIn('us-east-1', { 'us-east-Audit-old': 'ROLLBACK_COMPLETE', 'other-Network': 'CREATE_FAILED' });
    const { code, out, ran } = await deploy();
    expect([code, ran]).toEqual([0, true]);
    expect(out).toContain('Deploy-time checks passed:');
    expect(out).toContain('voice image   runs as user 10001:10001, declares the volumes /tmp');
    expect(out).toContain('cell stacks   none in us-east-1 or us-west-2 is rolled back, failed or busy');
    // Both regions are asked (by the clinic-stack check of the preflight, and by the stack-state check).
    const regions = await Promise.all(account.cloudFormation.commandCalls(ListStacksCommand).map((c) => (c.thisValue as CloudFormationClient).config.region()));
    expect([...new Set(regions)].sort()).toEqual(['us-east-1', 'us-west-2']);
  });

  test('knows every stack of a cell by the name and region CloudFormation gives it', () => {
    const config = fixtureConfig({ cells: 1, tenantsPerCell: 2 });
    const result = synthesize(config, { packs: false });
    const synthesized = result.stacks('us-east').map((s) => ({ stackName: s.stackName, region: s.environment.region }));
    expect(cellStacks(config.cells[0], config.tenants).sort((a, b) => a.stackName.localeCompare(b.stackName))).toEqual(
      synthesized.sort((a, b) => a.stackName.localeCompare(b.stackName)),
    );
  });
});

describe('npm run deploy: the voice image contract', () => {
  function serve(blob: string) {
    account.ecr.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: imageManifest(blob), imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' }] });
    return { fetchBlob: async () => blob };
  }

  test('refuses an image that runs as root, before anything is deployed', async () => {
    const { code, err, ran } = await deploy(serve(imageConfigBlob({ Volumes: { '/tmp': {} } })));
    expect([code, ran]).toEqual([1, false]);
    expect(err).toContain('runs as root (it sets no USER)');
    expect(err).toContain('USER 10001:10001');
  });

  test('refuses an image whose USER is 0', async () => {
    const { err } = await deploy(serve(imageConfigBlob({ User: '0:0', Volumes: { '/tmp': {} } })));
    expect(err).toContain('runs as root (USER 0:0)');
  });

  test('refuses an image without the writable /tmp volume', async () => {
    const { code, err } = await deploy(serve(imageConfigBlob({ User: '10001:10001' })));
    expect(code).toBe(1);
    expect(err).toContain('does not declare /tmp as a volume');
    expect(err).toContain('VOLUME ["/tmp"]');
  });

  test('refuses an image configuration whose content does not match its digest', async () => {
    const blob = imageConfigBlob({ User: '10001:10001', Volumes: { '/tmp': {} } });
    serve(blob);
    const { err } = await deploy({ fetchBlob: async () => blob.replace('10001', '0') });
    expect(err).toContain('does not match its digest');
  });

  test('follows a multi-platform index to its linux/arm64 image, read by digest', async () => {
    const blob = imageConfigBlob({ User: 'app', Volumes: { '/tmp': {} } });
    const arm = imageManifest(blob);
    const armDigest = `sha256:${createHash('sha256').update(arm).digest('hex')}`;
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:' + '1'.repeat(64), platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: armDigest, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    });
    account.ecr.on(BatchGetImageCommand).callsFake(async (input) =>
      input.imageIds[0].imageDigest === armDigest
        ? { images: [{ imageManifest: arm, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' }] }
        : { images: [{ imageManifest: index, imageManifestMediaType: 'application/vnd.oci.image.index.v1+json' }] },
    );
    const { code, out } = await deploy({ fetchBlob: async () => blob });
    expect(code).toBe(0);
    expect(out).toContain('runs as user app');
    const asked = account.ecr.commandCalls(BatchGetImageCommand).map((c) => c.args[0].input);
    expect(asked[0]).toMatchObject({ registryId: '111111111111', repositoryName: 'vp-us-east/voice' });
    expect(asked.map((i) => i.imageIds![0].imageDigest)).toEqual([`sha256:${'ab'.repeat(32)}`, armDigest]);
  });

  test('refuses a digest that ECR does not have', async () => {
    account.ecr.on(BatchGetImageCommand).resolves({ images: [], failures: [{ failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }] });
    const { code, err } = await deploy();
    expect(code).toBe(1);
    expect(err).toContain('cannot be read from ECR (Requested image not found)');
  });

  test('turns an AWS error of a check into a refusal that names the permissions it needs', async () => {
    account.ecr.on(BatchGetImageCommand).rejects(Object.assign(new Error('User is not authorized to perform: ecr:BatchGetImage'), { name: 'AccessDeniedException' }));
    const { code, err } = await deploy();
    expect(code).toBe(1);
    expect(err).toContain('a deploy-time check failed with AccessDeniedException');
    expect(err).toContain('ecr:BatchGetImage');
  });
});
