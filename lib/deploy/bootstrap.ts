/**
 * `npm run bootstrap -- <cell> [--config <file>] [--run]`: writes the cell's scoped CloudFormation
 * execution policy and role boundary to cdk.out/bootstrap/<cell>/, and prints (or, with --run, runs)
 * the commands that create them and bootstrap the cell's two regions with them. Printing is offline.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CDK_QUALIFIER, CellNaming, cellPrefix, keyAliasName, roleBoundaryPolicyName } from '../naming';
import { roleBoundaryDocument } from './bootstrap-policies';

type Template = { Resources?: Record<string, { Type: string }> };

/** CloudFormation resource type namespaces whose IAM service prefix differs from the lower-cased namespace. */
// https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
const SERVICE_PREFIX: Record<string, string> = {
  ElasticLoadBalancingV2: 'elasticloadbalancing',
  CertificateManager: 'acm',
  KinesisFirehose: 'firehose',
  ApplicationAutoScaling: 'application-autoscaling',
  Logs: 'logs',
};

/** Object reads: denied everywhere but the CDK assets buckets, from which Lambda reads function code with the caller's credentials. */
// https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCode.html
const OBJECT_READS = ['s3:GetObject*', 's3:RestoreObject'];

/** Reads of PHI and secrets that no deploy needs: denied even where the service is allowed. */
const NEVER_IN_A_DEPLOY = [
  'secretsmanager:GetSecretValue',
  'rds-db:connect',
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
  'logs:StartQuery',
  'logs:StartLiveTail',
  'ecs:ExecuteCommand',
  'ssm:StartSession',
  'iam:CreateUser',
  'iam:CreateAccessKey',
];

/** The IAM service prefixes of the resource types in the templates (custom resources run as the app's own functions). */
export function servicesOf(templates: readonly Template[]): string[] {
  const services = new Set<string>();
  for (const t of templates) {
    for (const r of Object.values(t.Resources ?? {})) {
      const [vendor, namespace] = r.Type.split('::');
      if (vendor !== 'AWS' || namespace === 'CDK' || namespace === 'CloudFormation') continue;
      services.add(SERVICE_PREFIX[namespace] ?? namespace.toLowerCase());
    }
  }
  // CloudFormation reads its own stacks; PassRole and service-linked roles are IAM actions already in the iam service.
  return [...services].sort();
}

/**
 * The scoped execution policy: the services of the app's resource types, with PHI and secret reads
 * denied. Decrypting is denied with the clinics' keys only: services that CloudFormation calls may
 * decrypt with the cell's other keys on its behalf (forward access sessions).
 */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html
export function executionPolicyDocument(templates: readonly Template[], naming: CellNaming) {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ManageTheAppsResourceTypes', Effect: 'Allow', Action: servicesOf(templates).map((s) => `${s}:*`), Resource: '*' },
      ...deployNeeds(naming),
      { Sid: 'NeverReadPhiOrSecrets', Effect: 'Deny', Action: NEVER_IN_A_DEPLOY, Resource: '*' },
      { Sid: 'NeverReadObjectsButAssets', Effect: 'Deny', Action: OBJECT_READS, NotResource: regionsOf(naming).map((r) => `arn:aws:s3:::cdk-${CDK_QUALIFIER}-assets-${naming.cell.account}-${r}/*`) },
      {
        Sid: 'NeverDecryptWithAClinicsKey',
        Effect: 'Deny',
        Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
        Resource: '*',
        Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': `alias/${keyAliasName(naming, 'tenant-*')}` } },
      },
    ],
  };
}

function regionsOf(naming: CellNaming): string[] {
  return [naming.cell.primaryRegion, naming.cell.drRegion];
}

/**
 * What a deploy needs beyond the services of the resource types, which no resource type names:
 * found by review, each with the AWS page that requires it.
 */
function deployNeeds(naming: CellNaming) {
  const { account } = naming.cell;
  return [
    // Fn::GetStackOutput reads the other stack with the execution role.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html
    { Sid: 'ReadTheCellsOtherStacks', Effect: 'Allow', Action: ['cloudformation:DescribeStacks'], Resource: regionsOf(naming).map((r) => `arn:aws:cloudformation:${r}:${account}:stack/${naming.cell.id}-*/*`) },
    // The templates' BootstrapVersion parameter is an SSM parameter of the bootstrap.
    // https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
    { Sid: 'ReadTheBootstrapVersion', Effect: 'Allow', Action: ['ssm:GetParameters', 'ssm:GetParameter'], Resource: regionsOf(naming).map((r) => `arn:aws:ssm:${r}:${account}:parameter/cdk-bootstrap/${CDK_QUALIFIER}/*`) },
    // CreateBackupVault also calls AWS Backup's storage service.
    // https://docs.aws.amazon.com/aws-backup/latest/devguide/security-iam-awsmanpol.html
    { Sid: 'CreateBackupVaults', Effect: 'Allow', Action: ['backup-storage:MountCapsule'], Resource: '*' },
    // ACM DNS validation with a hosted zone id: CloudFormation writes the validation record.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-certificatemanager-certificate.html
    { Sid: 'WriteCertificateValidationRecords', Effect: 'Allow', Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'], Resource: 'arn:aws:route53:::hostedzone/*' },
    { Sid: 'WaitForRecordChanges', Effect: 'Allow', Action: ['route53:GetChange'], Resource: 'arn:aws:route53:::change/*' },
    // Enhanced (Inspector) scanning of the registry enables Amazon Inspector for ECR.
    // https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-iam.html
    { Sid: 'EnableEnhancedImageScanning', Effect: 'Allow', Action: ['inspector2:Enable', 'inspector2:ListAccountPermissions'], Resource: '*' },
  ];
}

export function executionPolicyName(naming: CellNaming): string {
  return `${cellPrefix(naming)}-cfn-execution`;
}

/** Writes both policy documents and returns the commands that bootstrap the cell with them. */
export function bootstrapPlan(naming: CellNaming, templates: readonly Template[], outdir: string): { files: string[]; commands: string[][] } {
  const dir = path.join(outdir, 'bootstrap', naming.cell.id);
  mkdirSync(dir, { recursive: true });
  const execution = path.join(dir, 'execution-policy.json');
  const boundary = path.join(dir, 'role-boundary.json');
  writeFileSync(execution, `${JSON.stringify(executionPolicyDocument(templates, naming), null, 2)}\n`);
  writeFileSync(boundary, `${JSON.stringify(roleBoundaryDocument(naming), null, 2)}\n`);
  const account = naming.cell.account;
  const policyArn = (name: string) => `arn:aws:iam::${account}:policy/${name}`;
  return {
    files: [execution, boundary],
    commands: [
      // https://docs.aws.amazon.com/cli/latest/reference/iam/create-policy.html (a second run: create-policy-version --set-as-default)
      ['aws', 'iam', 'create-policy', '--policy-name', roleBoundaryPolicyName(naming), '--policy-document', `file://${boundary}`],
      ['aws', 'iam', 'create-policy', '--policy-name', executionPolicyName(naming), '--policy-document', `file://${execution}`],
      // https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-bootstrap.html
      [
        'npx', 'cdk', 'bootstrap',
        `aws://${account}/${naming.cell.primaryRegion}`,
        `aws://${account}/${naming.cell.drRegion}`,
        '--cloudformation-execution-policies', policyArn(executionPolicyName(naming)),
        '--custom-permissions-boundary', roleBoundaryPolicyName(naming),
      ],
    ],
  };
}

/** Runs the printed commands when asked (needs credentials of the account, in a break-glass session). */
export function runPlan(commands: string[][]): void {
  for (const [command, ...args] of commands) execFileSync(command, args, { stdio: 'inherit' });
}
