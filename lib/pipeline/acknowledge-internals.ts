import { Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { rules as nagRules } from 'cdk-nag';
import { acknowledge } from '../compliance/acknowledge';

/**
 * Acknowledges the findings on what CDK Pipelines builds inside aws-cdk-lib and offers no prop to
 * fix: the inline policies of the two roles it makes itself (self-mutation, asset publishing), the
 * wildcards its grants write, and the OAuth rule on CodeBuild projects fed by CodePipeline.
 *
 * Each is one rule on one construct, and only where the resource is exactly what the reason
 * describes: a wildcard is acknowledged only if every statement that carries it covers the
 * pipeline's own artifact stores, its own projects, or the documented CDK bootstrap pattern.
 * Anything else, including a wildcard a future aws-cdk-lib adds, stays open and fails the gate.
 *
 * Call it after `buildPipeline()`, when every role, policy and project exists.
 */
export function acknowledgePipelineInternals(pipeline: pipelines.CodePipeline): void {
  const stack = Stack.of(pipeline);
  const context = wildcardContext(pipeline);
  for (const construct of stack.node.findAll()) {
    if (construct instanceof iam.CfnPolicy && isDefaultPolicyOfPipelineRole(construct, pipeline)) {
      acknowledge(construct.node.scope!, 'HIPAA.Security-IAMNoInlinePolicy', INLINE_POLICY);
      acknowledge(construct.node.scope!, 'NIST.800.53.R5-IAMNoInlinePolicy', INLINE_POLICY);
    }
    if (construct instanceof iam.CfnPolicy || construct instanceof iam.CfnManagedPolicy) {
      acknowledgeWildcards(construct, context);
    }
    if (construct instanceof codebuild.CfnProject && (stack.resolve(construct.source) as { type?: string }).type === 'CODEPIPELINE') {
      acknowledge(construct, 'HIPAA.Security-CodeBuildProjectSourceRepoUrl', CODEPIPELINE_SOURCE);
      acknowledge(construct, 'NIST.800.53.R5-CodeBuildProjectSourceRepoUrl', CODEPIPELINE_SOURCE);
    }
  }
}

const INLINE_POLICY =
  'CDK Pipelines creates this role (self-mutation or asset publishing) inside aws-cdk-lib and takes no role from the ' +
  'caller, so its grants are written to the role\'s DefaultPolicy. The inline policy belongs to exactly this one role, ' +
  'is generated from the resources the step uses, cannot be attached to any other principal, and is deleted with the role. ' +
  'The roles this app creates for the pipeline (pipeline, synth) keep their grants in a managed policy.';

const CODEPIPELINE_SOURCE =
  'The project\'s source type is CODEPIPELINE: it has no repository URL and holds no credentials. CodePipeline fetches ' +
  'the source through the CodeStar connection (an app installation authorised on the repository host, not a stored token) ' +
  'and hands it to the build as an encrypted artifact, so there is nothing on the project to authenticate with OAuth.';

/** The two roles CDK Pipelines creates itself and takes no role for, by their exact construct paths. */
const PIPELINE_OWN_ROLES = ['UpdatePipeline/SelfMutation/Role', 'Assets/FileRole'];

/** The DefaultPolicy (inline) of one of the roles CDK Pipelines made itself. */
function isDefaultPolicyOfPipelineRole(policy: iam.CfnPolicy, pipeline: pipelines.CodePipeline): boolean {
  const l2 = policy.node.scope;
  const role = l2?.node.scope;
  return (
    l2?.node.id === 'DefaultPolicy' &&
    role instanceof iam.Role &&
    PIPELINE_OWN_ROLES.some((suffix) => role.node.path === `${pipeline.node.path}/${suffix}`)
  );
}

interface Statement {
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

interface WildcardContext {
  readonly stack: Stack;
  /** Resolved ARNs of the artifact buckets (and their objects) and the artifact key of the pipeline's region. */
  readonly artifactResources: ReadonlySet<string>;
  /** Findings that name the objects of an artifact bucket, as AwsSolutions-IAM5 renders them. */
  readonly artifactObjectFindings: ReadonlySet<string>;
  /** Logical ids of the pipeline's CodeBuild projects. */
  readonly projectIds: readonly string[];
}

function wildcardContext(pipeline: pipelines.CodePipeline): WildcardContext {
  const stack = Stack.of(pipeline);
  const cp = pipeline.pipeline;
  const buckets = [cp.artifactBucket, ...Object.values(cp.crossRegionSupport).map((s) => s.replicationBucket)];
  const json = (value: unknown) => JSON.stringify(stack.resolve(value));
  const artifactResources = new Set<string>();
  const artifactObjectFindings = new Set<string>();
  for (const bucket of buckets) {
    artifactResources.add(json(bucket.bucketArn));
    artifactResources.add(json(bucket.arnForObjects('*')));
    const arn = stack.resolve(bucket.bucketArn) as unknown;
    artifactObjectFindings.add(
      typeof arn === 'string' ? `Resource::${arn}/*` : `Resource::<${(arn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]}.Arn>/*`,
    );
  }
  if (cp.artifactBucket.encryptionKey) artifactResources.add(json(cp.artifactBucket.encryptionKey.keyArn));
  const projectIds = stack.node
    .findAll()
    .filter((c): c is codebuild.CfnProject => c instanceof codebuild.CfnProject)
    .map((p) => stack.getLogicalId(p));
  return { stack, artifactResources, artifactObjectFindings, projectIds };
}

const ARTIFACT_ACCESS =
  'CodePipeline and CodeBuild name every artifact object at run time, so the grant (aws-cdk-lib\'s bucket and key grants, ' +
  'with their action groups such as s3:GetObject* and kms:GenerateDataKey*) covers the objects of the pipeline\'s own ' +
  'artifact buckets and their keys only. The artifacts are the source, the templates and asset archives; they hold no PHI.';

const CROSS_REGION_KEYS =
  'aws-cdk-lib grants use of the artifact keys in the other regions (the replication buckets of the support stacks) as ' +
  'kms actions on "*", because a key ARN in another region is unknown at synthesis. Only encrypt/decrypt actions are ' +
  'allowed, and only keys whose key policy lets this account grant them through IAM are reachable: the artifact keys.';

const PROJECT_DEFAULTS =
  'CodeBuild grants every project its default log group /aws/codebuild/<project> (":*" covers that one group\'s log ' +
  'streams) and report groups named "<project>-*". Both are named after this one project; its build log itself goes ' +
  'to the KMS-encrypted build log group of the pipeline.';

const ASSET_ROLE =
  'aws-cdk-lib shares one role (AssetSingletonRole) among all asset-publishing projects and writes these statements when ' +
  'it is created, before any project name exists: CodeBuild log groups, report groups and builds of this account and ' +
  'region. Publishing itself goes only through the named file-publishing roles of the cells\' CDK bootstrap. The tooling ' +
  'account runs this pipeline only.';

const SELF_MUTATION_BOOTSTRAP =
  'The self-mutation step runs `cdk deploy` of the pipeline stack, which assumes the CDK bootstrap roles of this account. ' +
  'Their names carry the bootstrap qualifier and region, so aws-cdk-lib allows role/* only for roles tagged ' +
  'aws-cdk:bootstrap-role = deploy, file-publishing or image-publishing: exactly the roles `cdk bootstrap` creates.';

const SELF_MUTATION_READS =
  'The CDK CLI in the self-mutation step reads the bootstrap stack (cloudformation:DescribeStacks) and lists the ' +
  'bootstrap bucket (s3:ListBucket) before it deploys; both are read-only and have no narrower resource the CLI can name ' +
  'in advance. Everything it changes goes through the bootstrap deploy role.';

const KMS_USE = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];
const READS_FOR_CDK_DEPLOY = ['cloudformation:DescribeStacks', 's3:ListBucket'];
const BUILD_CONTROL = ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'];

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The reason a wildcard finding on this policy is acceptable, or undefined if it is not one we know. */
function reasonFor(finding: string, statements: readonly Statement[], ctx: WildcardContext): string | undefined {
  const { account, region } = ctx.stack;
  const withAction = (action: string) => statements.filter((s) => list(s.Action).includes(action));
  const onlyArtifacts = (s: Statement, allowStar: boolean) =>
    list(s.Resource).every((r) => ctx.artifactResources.has(JSON.stringify(r)) || (allowStar && r === '*'));

  const action = /^Action::(.+)$/.exec(finding)?.[1];
  if (action && /^s3:(Abort|DeleteObject|GetBucket|GetObject|List)\*$/.test(action)) {
    return withAction(action).every((s) => onlyArtifacts(s, false)) ? ARTIFACT_ACCESS : undefined;
  }
  if (action && /^kms:(GenerateDataKey|ReEncrypt)\*$/.test(action)) {
    return withAction(action).every((s) => onlyArtifacts(s, true) && list(s.Action).every((a) => KMS_USE.includes(a as string)))
      ? ARTIFACT_ACCESS
      : undefined;
  }
  if (ctx.artifactObjectFindings.has(finding)) return ARTIFACT_ACCESS;

  if (finding === 'Resource::*') {
    const actions = statements.filter((s) => list(s.Resource).includes('*')).flatMap((s) => list(s.Action) as string[]);
    if (actions.every((a) => KMS_USE.includes(a))) return CROSS_REGION_KEYS;
    if (actions.every((a) => READS_FOR_CDK_DEPLOY.includes(a))) return SELF_MUTATION_READS;
    if (actions.every((a) => BUILD_CONTROL.includes(a))) return ASSET_ROLE;
    return undefined;
  }

  const projects = ctx.projectIds.join('|');
  if (new RegExp(`^Resource::arn:aws:logs:${region}:${account}:log-group:/aws/codebuild/<(${projects})>:\\*$`).test(finding)) return PROJECT_DEFAULTS;
  if (new RegExp(`^Resource::arn:aws:codebuild:${region}:${account}:report-group/<(${projects})>-\\*$`).test(finding)) return PROJECT_DEFAULTS;
  if (finding === `Resource::arn:aws:logs:${region}:${account}:log-group:/aws/codebuild/*`) return ASSET_ROLE;
  if (finding === `Resource::arn:aws:codebuild:${region}:${account}:report-group/*`) return ASSET_ROLE;

  if (finding === `Resource::arn:*:iam::${account}:role/*`) {
    const assumes = statements.filter((s) => list(s.Resource).includes(`arn:*:iam::${account}:role/*`));
    const bootstrapOnly = assumes.every(
      (s) =>
        list(s.Action).every((a) => a === 'sts:AssumeRole') &&
        list(s.Condition?.['ForAnyValue:StringEquals']?.['iam:ResourceTag/aws-cdk:bootstrap-role']).length > 0,
    );
    return bootstrapOnly ? SELF_MUTATION_BOOTSTRAP : undefined;
  }
  return undefined;
}

function acknowledgeWildcards(policy: iam.CfnPolicy | iam.CfnManagedPolicy, ctx: WildcardContext): void {
  const findings = nagRules.iam.IAMNoWildcardPermissions(policy);
  if (!Array.isArray(findings)) return;
  const document = ctx.stack.resolve(policy.policyDocument) as { Statement?: Statement[] };
  const statements = document.Statement ?? [];
  for (const finding of findings) {
    const reason = reasonFor(finding, statements, ctx);
    if (reason) acknowledge(policy.node.scope!, `AwsSolutions-IAM5[${finding}]`, reason);
  }
}
