import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { CellStage } from '../cell-stage';
import { JURISDICTION_IDS, PLACEHOLDER_IMAGE_DIGEST, PipelineConfig, PlatformConfig } from '../config';
import { EncryptedLogGroup } from '../constructs/encrypted-log-group';
import { PlatformKey } from '../constructs/platform-key';
import { ScopedRole } from '../constructs/scoped-role';
import { acknowledgePipelineInternals } from '../pipeline/acknowledge-internals';
import { hardenArtifactStores } from '../pipeline/artifact-stores';

/**
 * The synth step runs exactly what CI runs (README, `.ci/run`), so the type check, the tests and
 * the compliance gate (`cdk synth` exits 1 on any unacknowledged finding) all stand between a
 * commit and a deploy; then the auditors' evidence pack is written into the cloud assembly.
 */
export const SYNTH_COMMANDS = ['npm ci', 'npm run typecheck', 'npm test', 'npx cdk synth', 'npm run evidence'] as const;

/** The Node.js major version of CI (`ci/github-actions.yml`) and of `engines` in package.json. */
const NODE_VERSION = '20';

export interface PipelineStackProps extends StackProps {
  readonly platform: PlatformConfig['platform'];
  readonly pipeline: PipelineConfig;
  /** The cells to deploy, built once by `buildPlatform`; the pipeline adds them in waves. */
  readonly cells: readonly CellStage[];
}

/**
 * The deployment pipeline (CDK Pipelines on CodePipeline V2) in the tooling account: source from
 * the repository through a CodeStar connection, synth with CI's commands, self-mutation, asset
 * publishing, then one wave per jurisdiction (US, then EU), each deploying every cell of that
 * jurisdiction into the cell's own account and regions after a person approves the wave.
 *
 * The pipeline never sees PHI: its artifacts are the source tree, the cloud assembly (templates)
 * and asset archives. They are encrypted with customer-managed keys, in the pipeline's region and
 * in a replication bucket in each other region a cell deploys to (primary or DR), which
 * CodePipeline creates in `<stack>-support-<region>` stacks of the tooling account.
 */
export class PipelineStack extends Stack {
  public readonly pipeline: pipelines.CodePipeline;
  /** The CodeBuild log group: synth, self-mutation and asset publishing of every execution. */
  public readonly buildLogs: EncryptedLogGroup;
  /** The waves in deployment order, with the cells each deploys. */
  public readonly waves: ReadonlyArray<{ readonly jurisdiction: string; readonly cells: readonly CellStage[] }>;
  /** Cells the pipeline leaves out until their voice image digest is set (see the constructor). */
  public readonly awaitingFirstDeploy: readonly CellStage[];

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    const { platform, pipeline: config, cells } = props;
    super(scope, id, {
      stackName: `${platform.id}-pipeline`,
      description: `Deployment pipeline of platform ${platform.id}: synth with the compliance gate, then one wave per jurisdiction`,
      env: { account: config.account, region: config.region },
      terminationProtection: true,
      tags: { platform: platform.id, 'data-classification': 'internal' },
      ...props,
    });
    if (cells.length === 0) throw new Error('PipelineStack: there are no cells to deploy');

    // The pipeline deploys every cell, so it keeps its records as long as the longest any cell asks for.
    const retention = {
      auditDays: Math.max(...cells.map((c) => c.cell.retention.auditDays)),
      operationalLogDays: Math.max(...cells.map((c) => c.cell.retention.operationalLogDays)),
      accessLogDays: Math.max(...cells.map((c) => c.cell.retention.accessLogDays)),
    };

    const logsKey = new PlatformKey(this, 'LogsKey', {
      alias: `${platform.id}-pipeline/logs`,
      description: `Encrypts the build logs of the deployment pipeline of platform ${platform.id}`,
      allowCloudWatchLogs: true,
    });
    // Class `audit`: a build log is the change record of a production deploy (which commit, which
    // tests and compliance results, which templates, who approved which wave and when), so it is
    // kept for the audit retention (45 CFR 164.316(b)(2)), not the operational one.
    this.buildLogs = new EncryptedLogGroup(this, 'BuildLogs', {
      logClass: 'audit',
      retention,
      encryptionKey: logsKey,
    });

    const pipelineRole = new ScopedRole(this, 'PipelineRole', {
      assumedBy: new iam.ServicePrincipal('codepipeline.amazonaws.com'),
      description: 'CodePipeline: runs the source, build and approval actions; assumes the cells\' deploy roles',
    });
    const synthRole = new ScopedRole(this, 'SynthRole', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: 'CodeBuild synth step: reads the source artifact, writes the cloud assembly and its build log',
    });

    const synth = new pipelines.CodeBuildStep('Synth', {
      input: pipelines.CodePipelineSource.connection(config.repository, config.branch, { connectionArn: config.connectionArn }),
      commands: [...SYNTH_COMMANDS],
      primaryOutputDirectory: 'cdk.out',
      role: synthRole,
      // The test suite and a synthesis of every cell run in parallel: more memory than SMALL.
      buildEnvironment: { computeType: codebuild.ComputeType.MEDIUM },
    });
    // The evidence pack is inside the cloud assembly; it is also kept as an artifact of its own, so
    // an auditor finds the evidence of one execution without unpacking the templates.
    synth.addOutputDirectory('cdk.out/evidence');

    this.pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: `${platform.id}-platform`,
      pipelineType: codepipeline.PipelineType.V2,
      synth,
      role: pipelineRole,
      // Source, build and approval actions run as the pipeline role. Separate action roles would
      // each be assumable by the pipeline role anyway, so they add roles, not separation.
      usePipelineRoleForActions: true,
      // Cells live in other accounts: artifacts must be encrypted with keys those accounts'
      // deploy roles can be granted, in every region a cell deploys to.
      crossAccountKeys: true,
      enableKeyRotation: true,
      selfMutation: true,
      dockerEnabledForSynth: false,
      dockerEnabledForSelfMutation: false,
      // One publishing project per asset type rather than one per asset: the number of CodeBuild
      // projects (and roles) stays fixed as cells and clinics are added.
      publishAssetsInParallel: false,
      // Self-mutation installs the CLI of package.json, never the npm `latest` tag (DESIGN.md).
      cliVersion: cdkCliVersion(),
      codeBuildDefaults: {
        buildEnvironment: {
          buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
          computeType: codebuild.ComputeType.SMALL,
          privileged: false,
        },
        partialBuildSpec: codebuild.BuildSpec.fromObject({
          version: '0.2',
          phases: { install: { 'runtime-versions': { nodejs: NODE_VERSION } } },
        }),
        logging: { cloudWatch: { logGroup: this.buildLogs } },
      },
    });

    // One wave per jurisdiction, US first: a change reaches EU cells only after it is live in the
    // US ones. Every wave starts with a manual approval: each deploys production cells that hold
    // PHI, and CDK Pipelines otherwise deploys whatever the branch holds, permissions broadening
    // included. The approval (who, when, with which comment) is recorded by CodePipeline and
    // CloudTrail: as with `npm run deploy`, a person decides that production changes, once per
    // jurisdiction, and the US wave is live and watched before anyone approves the EU one.
    //
    // A cell whose voice image digest is still the placeholder is left out, as `npm run deploy`
    // refuses it: its first deploy (README, "First deploy of a cell") creates the ECR repository
    // the image is pushed to, and only then does a real digest exist. Deploying the placeholder
    // would fail the Voice stack's creation and leave it in ROLLBACK_COMPLETE behind termination
    // protection. Once the digest is committed, the cell joins its jurisdiction's wave.
    this.awaitingFirstDeploy = cells.filter((c) => c.cell.voice.imageDigest === PLACEHOLDER_IMAGE_DIGEST);
    const waves: Array<{ jurisdiction: string; cells: CellStage[] }> = [];
    for (const jurisdiction of JURISDICTION_IDS) {
      const stages = cells.filter((c) => c.cell.jurisdiction === jurisdiction && !this.awaitingFirstDeploy.includes(c));
      if (stages.length === 0) continue;
      const wave = this.pipeline.addWave(jurisdiction, {
        pre: [
          new pipelines.ManualApprovalStep(`Approve-${jurisdiction}`, {
            comment:
              `Deploys cells ${stages.map((s) => s.cell.id).join(', ')} (${jurisdiction}). Review the Synth build log ` +
              '(tests, compliance gate) and the evidence pack of this execution, and `npx cdk diff` of the commit, before approving.',
          }),
        ],
      });
      // Each CellStage carries its cell's account and primary region; its DR stacks name their own region.
      for (const stage of stages) wave.addStage(stage);
      waves.push({ jurisdiction, cells: stages });
    }
    this.waves = waves;

    // Build now rather than at synthesis, so that the replication buckets and the roles the
    // pipeline creates exist and can be hardened and acknowledged here.
    this.pipeline.buildPipeline();
    hardenArtifactStores(
      this.pipeline.pipeline,
      { platformId: platform.id, bucketNamePrefix: `${this.stackName.toLowerCase()}-` },
      retention,
    );
    acknowledgePipelineInternals(this.pipeline);
  }
}

/** The CDK CLI version that package.json pins for this repository (devDependencies `aws-cdk`). */
function cdkCliVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>;
  };
  const version = pkg.devDependencies?.['aws-cdk'];
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`package.json must pin devDependencies "aws-cdk" to an exact version for the pipeline's self-mutation, not "${version}"`);
  }
  return version;
}
