import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stage } from 'aws-cdk-lib';
import { CellStage } from '../../lib/cell-stage';
import { PlatformConfig, isRegionIn } from '../../lib/config';
import { PipelineStack } from '../../lib/stacks/pipeline-stack';
import { fixtureConfig } from '../fixtures/config';
import { Synthesized, SynthesizedApp, resourcesOfType, synthesize, synthesized } from '../helpers';

/** A digest that is not the placeholder, as after a cell's first deploy. */
const IMAGE = `sha256:${'a'.repeat(64)}`;

/**
 * The pipeline on, real image digests and two US cells and one EU cell, so that the US wave holds
 * two cells and the EU wave one.
 */
function pipelineConfig(enabled = true): PlatformConfig {
  return fixtureConfig({
    cells: 4,
    tenantsPerCell: 1,
    edit: (raw) => {
      raw.cells = raw.cells.filter((c: any) => c.id !== 'eu-west');
      raw.tenants = raw.tenants.filter((t: any) => t.cell !== 'eu-west');
      for (const c of raw.cells) c.voice.imageDigest = IMAGE;
      raw.pipeline.enabled = enabled;
    },
  });
}

let withPipeline: SynthesizedApp | undefined;
/** The pipeline configuration synthesized once for this file: two describe blocks read it. */
function synthesizedWithPipeline(): SynthesizedApp {
  withPipeline ??= synthesize(pipelineConfig(true));
  return withPipeline;
}

function pipelineStackOf(result: SynthesizedApp): PipelineStack {
  return result.app.node.findChild('Pipeline') as PipelineStack;
}

/** A top-level stack's template from the synthesized assembly (Template.fromStack throws while packs are registered). */
function topLevelTemplate(result: SynthesizedApp, artifactId: string): Record<string, any> {
  return result.app.synth().getStackArtifact(artifactId).template as Record<string, any>;
}

/** Every stack of a cell with its name and region, as the pipeline must deploy it. */
function cellStacks(cell: CellStage): Array<{ stackName: string; region: string; account: string }> {
  return cell.synth().stacks.map((s) => ({ stackName: s.stackName, region: s.environment.region, account: s.environment.account }));
}

describe('PipelineStack (pipeline enabled)', () => {
  const result = synthesizedWithPipeline();
  const { config } = result;
  const stack = pipelineStackOf(result);
  const template = topLevelTemplate(result, stack.artifactId);
  const [[, pipeline]] = resourcesOfType(template, 'AWS::CodePipeline::Pipeline');
  const stages: Array<{ Name: string; Actions: any[] }> = pipeline.Properties.Stages;
  const projects = resourcesOfType(template, 'AWS::CodeBuild::Project');
  const synthProject = projects.find(([, p]) => p.Properties.Description.endsWith('/Build/Synth'))![1];
  const buildSpec = JSON.parse(synthProject.Properties.Source.BuildSpec);

  test('is one stack in the tooling account and region, with termination protection, next to the top-level cells', () => {
    expect(stack.account).toBe(config.pipeline!.account);
    expect(stack.region).toBe(config.pipeline!.region);
    expect(stack.terminationProtection).toBe(true);
    expect(pipeline.Properties.PipelineType).toBe('V2');
    // Each cell is built once: the pipeline deploys the same top-level stages `cdk deploy '<cell>/*'` would.
    expect(result.stages.map((c) => [c.stageName, c.node.scope])).toEqual(config.cells.map((c) => [c.id, result.app]));
    expect(result.app.node.findAll().filter((c) => c instanceof CellStage)).toHaveLength(config.cells.length);
  });

  test('takes its source from the configured repository and branch through the CodeStar connection', () => {
    const [source] = stages;
    expect(source.Actions).toHaveLength(1);
    expect(source.Actions[0].ActionTypeId).toEqual({ Category: 'Source', Owner: 'AWS', Provider: 'CodeStarSourceConnection', Version: '1' });
    expect(source.Actions[0].Configuration).toMatchObject({
      ConnectionArn: config.pipeline!.connectionArn,
      FullRepositoryId: config.pipeline!.repository,
      BranchName: config.pipeline!.branch,
    });
  });

  test('synthesizes with exactly the commands of CI, in order, and keeps the evidence pack as an artifact', () => {
    expect(stages.map((s) => s.Name).slice(0, 3)).toEqual(['Source', 'Build', 'UpdatePipeline']);
    expect(buildSpec.phases.build.commands).toEqual(['npm ci', 'npm run typecheck', 'npm test', 'npx cdk synth', 'npm run evidence']);
    expect(buildSpec.artifacts['secondary-artifacts']).toMatchObject({
      Synth_Output: { 'base-directory': 'cdk.out' },
      Synth_cdk_out_evidence: { 'base-directory': 'cdk.out/evidence' },
    });
  });

  test('self-mutation installs the CDK CLI that package.json pins, never the npm latest tag', () => {
    const pinned = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).devDependencies['aws-cdk'];
    const selfMutation = projects.find(([, p]) => p.Properties.Description.endsWith('/UpdatePipeline/SelfMutate'))![1];
    expect(JSON.parse(selfMutation.Properties.Source.BuildSpec).phases.install.commands).toEqual([`npm install -g aws-cdk@${pinned}`]);
  });

  test('every CodeBuild project: managed image, no privileged mode, the artifact key, logs in the KMS-encrypted build log group', () => {
    const [[keyId]] = resourcesOfType(template, 'AWS::KMS::Key').filter(([id]) => id.startsWith('PipelineArtifactsBucketEncryptionKey'));
    const [[logGroupId, logGroup]] = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(projects.length).toBeGreaterThanOrEqual(3);
    for (const [, project] of projects) {
      expect(project.Properties.Environment).toMatchObject({ Image: 'aws/codebuild/standard:7.0', PrivilegedMode: false });
      expect(project.Properties.EncryptionKey).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      expect(project.Properties.LogsConfig.CloudWatchLogs).toEqual({ GroupName: { Ref: logGroupId }, Status: 'ENABLED' });
    }
    // Build logs are change records: audit class, kept for the longest audit retention of any cell.
    expect(logGroup.Properties.KmsKeyId).toBeDefined();
    expect(logGroup.Properties.RetentionInDays).toBe(Math.max(...config.cells.map((c) => c.retention.auditDays)));
    expect(logGroup.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'log-class', Value: 'audit' }]));
    expect(logGroup.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  test('deploys one wave per jurisdiction, US then EU, each after a manual approval', () => {
    const waveStages = stages.slice(stages.findIndex((s) => s.Name === 'Assets') + 1);
    // A wave of one cell takes the cell's name, a wave of several the jurisdiction's.
    expect(waveStages.map((s) => s.Name)).toEqual(['US', 'eu-central']);
    expect(stack.waves.map((w) => [w.jurisdiction, w.cells.map((c) => c.stageName)])).toEqual([
      ['US', ['us-east', 'us-west']],
      ['EU', ['eu-central']],
    ]);
    for (const [i, wave] of waveStages.entries()) {
      const first = Math.min(...wave.Actions.map((a) => a.RunOrder));
      const approvals = wave.Actions.filter((a) => a.ActionTypeId.Category === 'Approval');
      expect(approvals.map((a) => [a.Name, a.RunOrder])).toEqual([[`Approve-${stack.waves[i].jurisdiction}`, first]]);
      expect(wave.Actions.filter((a) => a.ActionTypeId.Category === 'Deploy').every((a) => a.RunOrder > first)).toBe(true);
    }
  });

  test('each wave deploys every stack of its cells, with the cell account\'s deploy role in the stack\'s own region', () => {
    const waveStages = stages.slice(stages.findIndex((s) => s.Name === 'Assets') + 1);
    for (const [i, wave] of stack.waves.entries()) {
      const deploys = waveStages[i].Actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
      const expected = wave.cells.flatMap(cellStacks);
      // Prepare (change set) and Deploy (execute) for each stack.
      expect(deploys.map((a) => a.Configuration.StackName).sort()).toEqual(expected.flatMap((s) => [s.stackName, s.stackName]).sort());
      for (const action of deploys) {
        const target = expected.find((s) => s.stackName === action.Configuration.StackName)!;
        const region = action.Region ?? stack.region;
        expect([target.stackName, region]).toEqual([target.stackName, target.region]);
        expect(JSON.stringify(action.RoleArn)).toContain(
          `:iam::${target.account}:role/cdk-hnb659fds-deploy-role-${target.account}-${target.region}`,
        );
        if (action.Configuration.ActionMode === 'CHANGE_SET_REPLACE') {
          // CloudFormation itself runs as the cell account's bootstrap execution role in that region.
          expect(JSON.stringify(action.Configuration.RoleArn)).toContain(
            `:iam::${target.account}:role/cdk-hnb659fds-cfn-exec-role-${target.account}-${target.region}`,
          );
        }
      }
    }
    // Nothing else is deployed: every CloudFormation action belongs to a wave.
    const all = stages.flatMap((s) => s.Actions).filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
    expect(all).toHaveLength(2 * result.stages.flatMap(cellStacks).length);
  });

  test('artifacts are encrypted with rotated, retained customer-managed keys, in versioned, logged, TLS-only buckets', () => {
    const [[, bucket]] = resourcesOfType(template, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('PipelineArtifactsBucket'));
    const [[keyId, key]] = resourcesOfType(template, 'AWS::KMS::Key').filter(([id]) => id.startsWith('PipelineArtifactsBucketEncryptionKey'));
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.LoggingConfiguration.LogFilePrefix).toBe('vp-pipeline-artifacts/');
    expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 30 });
    expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    const policy = resourcesOfType(template, 'AWS::S3::BucketPolicy').find(([id]) => id.startsWith('PipelineArtifactsBucket'))![1];
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"s3:TlsVersion":1.2');
    // The pipeline encrypts every artifact store, in every region, with a KMS key.
    const stores = pipeline.Properties.ArtifactStores as any[];
    expect(stores.map((s) => s.Region).sort()).toEqual(
      [...new Set(result.stages.flatMap(cellStacks).map((s) => s.region))].sort(),
    );
    for (const store of stores) expect(store.ArtifactStore.EncryptionKey.Type).toBe('KMS');
  });

  test('replication buckets stay in regions the cells they serve deploy to, and serve only those cells', () => {
    const support = Object.entries(stack.pipeline.pipeline.crossRegionSupport).filter(([region]) => region !== stack.region);
    const deployedRegions = new Set(result.stages.flatMap(cellStacks).map((s) => s.region));
    expect(support.map(([r]) => r).sort()).toEqual([...deployedRegions].filter((r) => r !== stack.region).sort());
    for (const [region, { stack: supportStack }] of support) {
      expect([supportStack.account, supportStack.region, supportStack.terminationProtection]).toEqual([stack.account, region, true]);
      const text = JSON.stringify(topLevelTemplate(result, supportStack.artifactId));
      const accounts = [...text.matchAll(/:iam::(\d{12}):role\/cdk-hnb659fds-deploy-role-\d{12}-([a-z0-9-]+)/g)].map((m) => [m[1], m[2]]);
      expect(accounts.length).toBeGreaterThan(0);
      for (const [account, roleRegion] of accounts) {
        const cell = config.cells.find((c) => c.account === account)!;
        expect([account, roleRegion, isRegionIn(cell.jurisdiction, region)]).toEqual([account, region, true]);
      }
      const t = topLevelTemplate(result, supportStack.artifactId);
      const [[, replication]] = resourcesOfType(t, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('CrossRegionCodePipelineReplicationBucket'));
      expect(replication.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(replication.Properties.LoggingConfiguration.LogFilePrefix).toBe('vp-pipeline-artifacts/');
      expect(replication.Properties.BucketName.startsWith('vp-pipeline-')).toBe(true);
      const [[, key]] = resourcesOfType(t, 'AWS::KMS::Key');
      expect([key.Properties.EnableKeyRotation, key.Properties.PendingWindowInDays, key.DeletionPolicy]).toEqual([true, 30, 'Retain']);
    }
  });

  test('keeps its stateful resources under fixed logical ids, retained on deletion and replacement', () => {
    const stateful = ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup'];
    const supportIds = Object.entries(stack.pipeline.pipeline.crossRegionSupport)
      .filter(([region]) => region !== stack.region)
      .map(([, s]) => s.stack.artifactId);
    const found = Object.fromEntries(
      [stack.artifactId, ...supportIds].map((id) => {
        const resources = Object.entries(topLevelTemplate(result, id).Resources as Record<string, any>).filter(([, r]) => stateful.includes(r.Type));
        // Keys are always kept; buckets and the build log are removed only if their own first create rolls back (issue 11).
        for (const [logicalId, r] of resources) {
          expect([logicalId, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([logicalId, r.Type === 'AWS::KMS::Key' ? 'Retain' : 'RetainExceptOnCreate', 'Retain']);
        }
        return [id === stack.artifactId ? 'Pipeline' : 'support', resources.map(([logicalId, r]) => `${r.Type} ${logicalId}`).sort()];
      }),
    );
    // A rename here makes CloudFormation replace an artifact store, its key or the build log.
    expect(found).toEqual({
      Pipeline: [
        'AWS::KMS::Key LogsKeyA6AB43B2',
        'AWS::KMS::Key PipelineArtifactsBucketEncryptionKeyF5BF0670',
        'AWS::Logs::LogGroup BuildLogs3759266E',
        'AWS::S3::Bucket ArtifactAccessLogsF8325158',
        'AWS::S3::Bucket PipelineArtifactsBucketAEA9A052',
      ],
      support: [
        'AWS::KMS::Key CrossRegionCodePipelineReplicationBucketEncryptionKey70216490',
        'AWS::S3::Bucket ArtifactAccessLogsF8325158',
        'AWS::S3::Bucket CrossRegionCodePipelineReplicationBucketFC3227F2',
      ],
    });
    expect(supportIds.length).toBeGreaterThan(0);
  });

  test('passes every pack with zero open findings', () => {
    expect(result.openFindings()).toEqual([]);
    for (const r of result.report.pluginReports) expect(r.conclusion).toBe('success');
  });

  test('acknowledges only the listed rules, each on one construct of the pipeline, never on a stack or the app', () => {
    const pipelineAcks = result
      .acknowledged()
      .filter((a) => !result.cells.some((c) => a.violatingConstructs[0].constructPath.startsWith(`${c.stageName}/`)));
    expect(pipelineAcks.length).toBeGreaterThan(0);
    const allowed = [
      /^(HIPAA\.Security|NIST\.800\.53\.R5)-IAMNoInlinePolicy$/,
      /^AwsSolutions-IAM5\[/,
      /^(HIPAA\.Security|NIST\.800\.53\.R5)-CodeBuildProjectSourceRepoUrl$/,
      /^(HIPAA\.Security|NIST\.800\.53\.R5)-S3BucketReplicationEnabled$/,
      /^(HIPAA\.Security|NIST\.800\.53\.R5)-S3DefaultEncryptionKMS$/,
      /^(HIPAA\.Security|NIST\.800\.53\.R5)-S3BucketLoggingEnabled$/,
      /^AwsSolutions-S1$/,
    ];
    for (const ack of pipelineAcks) {
      const where = ack.violatingConstructs[0].constructPath;
      expect([ack.ruleName, allowed.some((r) => r.test(ack.ruleName))]).toEqual([ack.ruleName, true]);
      expect(ack.violatingConstructs).toHaveLength(1);
      expect(where.split('/').length).toBeGreaterThan(2);
      expect((ack.reason ?? '').length).toBeGreaterThanOrEqual(40);
      if (ack.ruleName.endsWith('IAMNoInlinePolicy')) {
        // Only the two roles CDK Pipelines creates without taking one from us.
        expect(where).toMatch(/^Pipeline\/Pipeline\/(UpdatePipeline\/SelfMutation|Assets\/FileRole)/);
      }
    }
  });
});

describe('PipelineStack and the first deploy of a cell', () => {
  // The pipeline on while every image digest is still the placeholder, as before a cell's first deploy.
  const result = synthesize(fixtureConfig({ tenantsPerCell: 1, edit: (raw) => (raw.pipeline.enabled = true) }));
  const stack = pipelineStackOf(result);

  test('leaves out a cell whose voice image is the placeholder, as `npm run deploy` does, and still passes every pack', () => {
    expect(stack.awaitingFirstDeploy.map((c) => c.stageName)).toEqual(['us-east', 'eu-central']);
    expect(stack.waves).toEqual([]);
    const [[, pipeline]] = resourcesOfType(topLevelTemplate(result, stack.artifactId), 'AWS::CodePipeline::Pipeline');
    expect(pipeline.Properties.Stages.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'UpdatePipeline']);
    expect(result.openFindings()).toEqual([]);
  });
});

describe('the cells with and without the pipeline', () => {
  const without = synthesized(pipelineConfig(false));

  test('are the same templates: the pipeline deploys exactly what `cdk deploy` would (CDK usage metadata aside)', () => {
    const templates = (r: Synthesized) =>
      Object.fromEntries(
        r.cells.flatMap((c) =>
          c.stacks.map((s) => {
            const { CDKMetadata: _ignored, ...resources } = (s.template as any).Resources;
            return [s.stackName, { ...(s.template as any), Resources: resources }];
          }),
        ),
      );
    expect(templates(synthesizedWithPipeline())).toEqual(templates(without));
  });
});

describe('pipeline disabled', () => {
  const result = synthesize(fixtureConfig({ tenantsPerCell: 0 }), { packs: false });

  test('there is no pipeline stack, and every cell is a top-level stage of the app', () => {
    expect(result.app.node.tryFindChild('Pipeline')).toBeUndefined();
    const assembly = result.app.synth();
    expect(assembly.stacks).toEqual([]);
    expect(result.stages.map((c) => [c.stageName, c.node.scope === result.app, Stage.of(c) === result.app])).toEqual([
      ['us-east', true, true],
      ['eu-central', true, true],
    ]);
    expect(assembly.nestedAssemblies.map((a) => a.directoryName).sort()).toEqual(['assembly-eu-central', 'assembly-us-east']);
    expect(result.app instanceof App).toBe(true);
  });
});
