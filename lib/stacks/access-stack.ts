import { Duration, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { GithubDeploy, githubSubject } from '../config/deploy-identity';
import { ScopedRole } from '../constructs/scoped-role';
import {
  auditorRoleName,
  breakGlassRoleName,
  CDK_QUALIFIER,
  cellPrefix,
  ciDeployRoleName,
  databaseInstanceId,
  keyAliasName,
  operatorRoleName,
  phiBucketPrefix,
  PROTECTED_ROLE_TAG,
  protectedRoleNamePatterns,
} from '../naming';
import { VERIFY_ACTIONS_BEYOND_JOB_POLICIES } from '../verify/actions';
import { CellStack, CellStackProps } from './cell-stack';

/** Every IAM action that creates, deletes, re-trusts, re-tags, passes or changes the permissions of a role. */
export const PROTECTED_ROLE_CHANGES = [
  'iam:CreateRole',
  'iam:DeleteRole',
  'iam:UpdateRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteRolePermissionsBoundary',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:PassRole',
] as const;

type HumanRole = 'operator' | 'auditor' | 'breakGlass';

/**
 * A trusted principal that must set a source identity (`sts:SetSourceIdentity`, and `sts:SourceIdentity`
 * present), so that every action of the session is attributed to a person in CloudTrail.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
 */
class SourceIdentityPrincipal extends iam.PrincipalWithConditions {
  constructor(principal: iam.IPrincipal, conditions: iam.Conditions) {
    super(principal, { ...conditions, Null: { 'sts:SourceIdentity': 'false' } });
  }

  public addToAssumeRolePolicy(document: iam.PolicyDocument): void {
    document.addStatements(new iam.PolicyStatement({ actions: [this.assumeRoleAction, 'sts:SetSourceIdentity'], principals: [this] }));
  }
}

/** The bootstrap roles a deploy needs; the lookup role is left out (synthesis makes no lookups). */
export const CDK_DEPLOY_ROLES = ['deploy-role', 'file-publishing-role', 'image-publishing-role'] as const;

/** GitHub Actions' OIDC issuer; its claims are named after it in trust conditions. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** MFA within the last hour, for every human role. */
const MFA_CONDITIONS = {
  Bool: { 'aws:MultiFactorAuthPresent': 'true' },
  NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
};

/**
 * The roles people use in a cell, each assumable only with MFA (or through the configured identity
 * provider) for a short session. There are no IAM users and no access keys in this app.
 *
 * - operator: operates the running service; cannot decrypt PHI and holds no deploy rights (no CDK
 *   bootstrap role: deploys run only from CI through OIDC, or from the pipeline).
 * - auditor: reads templates, trails, logs, configuration and reports; cannot decrypt PHI.
 * - break-glass: reads PHI during an incident; every assumption alerts the breach contacts.
 */
export class AccessStack extends CellStack {
  public readonly operator: ScopedRole;
  public readonly auditor: ScopedRole;
  public readonly breakGlass: ScopedRole;
  /** The role CI assumes through GitHub's OIDC provider to deploy, when `deployFrom.github` is configured. */
  public readonly ciDeploy?: ScopedRole;

  constructor(scope: Construct, id: string, props: CellStackProps) {
    super(scope, id, { description: `Human access roles (MFA, short sessions) of cell ${props.cell.id}`, ...props });
    const access = this.cell.humanAccess;
    const maxSessionDuration = Duration.minutes(access.maxSessionMinutes);
    const ids: Record<HumanRole, string> = { operator: 'Operator', auditor: 'Auditor', breakGlass: 'BreakGlass' };
    const role = (humanRole: HumanRole, roleName: string, description: string, managedPolicies: iam.IManagedPolicy[] = []) =>
      new ScopedRole(this, ids[humanRole], { roleName, description, assumedBy: this.humans(humanRole), maxSessionDuration, managedPolicies });

    const viewOnly = iam.ManagedPolicy.fromAwsManagedPolicyName('job-function/ViewOnlyAccess');
    const securityAudit = iam.ManagedPolicy.fromAwsManagedPolicyName('SecurityAudit');

    this.operator = role('operator', operatorRoleName(this), 'Operates the cell; cannot decrypt PHI and cannot deploy', [viewOnly]);
    this.allow(this.operator, 'Limited to the voice cluster, service and its tasks of this cell; task ids are generated at run time.', {
      sid: 'OperateTheVoiceService',
      actions: ['ecs:UpdateService', 'ecs:DescribeServices', 'ecs:ListTasks', 'ecs:DescribeTasks', 'ecs:StopTask'],
      resources: [`arn:${this.partition}:ecs:${this.region}:${this.account}:*/${cellPrefix(this)}-voice*`],
    });
    this.allow(this.operator, 'Secrets Manager appends a random suffix to every secret ARN; the pattern covers only the voice service\'s provider secrets of this cell, and only writing them (never reading).', {
      sid: 'RotateProviderSecretsWithoutReadingThem',
      actions: ['secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [`arn:${this.partition}:secretsmanager:${this.region}:${this.account}:secret:${cellPrefix(this)}/voice/*`],
    });
    this.allowLogReading(this.operator);

    this.auditor = role('auditor', auditorRoleName(this), 'Reads templates, trails, logs, configuration and reports; cannot decrypt PHI', [
      viewOnly,
      securityAudit,
    ]);
    this.allow(this.auditor, 'The audit archive and access-log buckets of this cell in its primary and DR regions, and every object in them: reading the audit trail is the auditor\'s job.', {
      sid: 'ReadTheAuditArchiveAndAccessLogs',
      actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:GetObjectRetention'],
      resources: [`arn:${this.partition}:s3:::${cellPrefix(this)}-audit-*`, `arn:${this.partition}:s3:::${cellPrefix(this)}-access-logs-*`],
    });
    this.allowLogReading(this.auditor);
    this.allow(this.auditor, 'cloudtrail:LookupEvents and GetTrailStatus have no resource-level permissions; they only read API activity records.', {
      sid: 'ReadTheTrail',
      actions: ['cloudtrail:LookupEvents', 'cloudtrail:GetTrailStatus'],
      resources: ['*'],
    });

    // `npm run verify` runs as the auditor: drift detection is the one read that the job-function policies lack.
    this.allow(this.auditor, 'Drift detection of this cell\'s own stacks (named <cell>-*) in its primary and DR regions; CloudFormation generates the stack id suffix.', {
      sid: 'VerifyDeployedStacks',
      actions: [...VERIFY_ACTIONS_BEYOND_JOB_POLICIES],
      resources: [this.cell.primaryRegion, this.cell.drRegion].map((region) => `arn:${this.partition}:cloudformation:${region}:${this.account}:stack/${this.cell.id}-*/*`),
    });

    for (const human of [this.operator, this.auditor]) {
      new iam.ManagedPolicy(this, `${human.node.id}NoPhi`, {
        description: 'Guardrail: this role can never read PHI, whatever else it is granted',
        roles: [human],
        statements: this.noPhiGuardrail(),
      });
    }

    this.breakGlass = role('breakGlass', breakGlassRoleName(this), 'Incident access to PHI; every use alerts the breach-notification contacts');
    Tags.of(this.breakGlass).add(PROTECTED_ROLE_TAG, 'true');
    this.allow(this.breakGlass, 'During an incident the break-glass role must read any clinic\'s PHI of this cell, including clinics added later; every assumption of this role alerts the breach-notification contacts.', {
      sid: 'ReadPhiDuringAnIncident',
      actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket'],
      resources: [`arn:${this.partition}:s3:::${phiBucketPrefix(this)}*`],
    });
    this.allow(this.breakGlass, 'Tenant keys are found by alias only (primary and DR regions); key/* is narrowed to this cell\'s tenant aliases and to use through S3.', {
      sid: 'DecryptPhiThroughS3',
      actions: ['kms:Decrypt', 'kms:DescribeKey'],
      resources: [`arn:${this.partition}:kms:*:${this.account}:key/*`],
      conditions: {
        'ForAnyValue:StringLike': { 'kms:ResourceAliases': `alias/${keyAliasName(this, 'tenant-*')}` },
        StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' },
      },
    });

    new iam.ManagedPolicy(this, 'ProtectedRolesUnchangeable', {
      description: 'Guardrail: people never create, delete, re-trust, re-tag, pass or change the policies of a role on a path to PHI; only the deploy path does',
      roles: [this.operator, this.auditor, this.breakGlass],
      statements: this.protectedRolesGuardrail(),
    });
    // A deploy during an incident (CI down, a fix that cannot wait) goes through break-glass, whose every assumption alerts.
    this.breakGlass.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DeployDuringAnIncident',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: this.cdkDeployRoleArns(),
      }),
    );

    acknowledge(
      this.breakGlass,
      'VoicePlatform-NoCrossTenantAccess[all-tenants]',
      'Break-glass is the one role meant to read any clinic\'s PHI of this cell during an incident: assumable only with MFA for a short session, and every assumption alerts the breach-notification contacts.',
    );
    this.acknowledgeWildcards();
    if (this.cell.deployFrom.github) this.ciDeploy = this.ciDeployRole(this.cell.deployFrom.github);
  }

  /**
   * CI deploys through GitHub's OIDC provider: the role trusts only tokens for this repository and
   * environment (or branch) with audience sts.amazonaws.com, and may only assume the CDK bootstrap
   * deploy and publishing roles of the cell's two regions (never the lookup role: synthesis needs none).
   */
  private ciDeployRole(github: GithubDeploy): ScopedRole {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
    const provider = new iam.OidcProviderNative(this, 'GithubActions', {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIds: ['sts.amazonaws.com'],
    });
    // https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
    const role = new ScopedRole(this, 'CiDeploy', {
      roleName: ciDeployRoleName(this),
      description: `Deploys the cell from GitHub Actions (${githubSubject(github)}) through the CDK bootstrap roles; nothing else`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.OpenIdConnectPrincipal(provider, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_OIDC_HOST}:sub`]: githubSubject(github),
        },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DeployThroughCdkBootstrapRoles',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: this.cdkDeployRoleArns(),
      }),
    );
    // `npm run deploy` checks, read-only, before it deploys (README, "Deploy a region").
    this.allow(role, 'cloudformation:ListStacks has no resource-level permissions; it lists stack names and states, which the deploy preflight checks for clinics removed from config.', {
      sid: 'PreflightListStacks',
      actions: ['cloudformation:ListStacks'],
      resources: ['*'],
    });
    this.allow(role, 'The cell\'s own stacks (named <cell>-*) in its primary and DR regions; CloudFormation generates the stack id suffix.', {
      sid: 'PreflightReadTheCellsStacksAndImage',
      actions: ['cloudformation:ListStackResources'],
      resources: [this.cell.primaryRegion, this.cell.drRegion].map((region) => `arn:${this.partition}:cloudformation:${region}:${this.account}:stack/${this.cell.id}-*/*`),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PreflightReadTheVoiceImage',
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: [`arn:${this.partition}:ecr:${this.region}:${this.account}:repository/${cellPrefix(this)}/voice`],
      }),
    );
    return role;
  }

  /** The CDK bootstrap deploy and publishing roles of the cell's primary and DR regions. */
  private cdkDeployRoleArns(): string[] {
    return [this.cell.primaryRegion, this.cell.drRegion].flatMap((region) =>
      CDK_DEPLOY_ROLES.map((name) => `arn:${this.partition}:iam::${this.account}:role/cdk-${CDK_QUALIFIER}-${name}-${this.account}-${region}`),
    );
  }

  /**
   * Principals from config, with MFA: the identity roles or permission sets named for this role in
   * trusted accounts (MFA conditions), or a SAML provider (MFA at the IdP). Each must set a source
   * identity, so that CloudTrail names the person behind every action of the session.
   */
  private humans(humanRole: HumanRole): iam.IPrincipal {
    const access = this.cell.humanAccess;
    const assumers = access.assumableBy?.[humanRole] ?? [];
    const principals: iam.IPrincipal[] = access.trustedAccounts.map(
      (account) =>
        new SourceIdentityPrincipal(new iam.AccountPrincipal(account), {
          ...MFA_CONDITIONS,
          ArnLike: { 'aws:PrincipalArn': assumers.filter((arn) => arn.split(':')[4] === account) },
        }),
    );
    if (access.samlProviderArn) {
      principals.push(
        new SourceIdentityPrincipal(new iam.SamlConsolePrincipal(this.identityProvider(access.samlProviderArn)), {}),
      );
    }
    return principals.length === 1 ? principals[0] : new iam.CompositePrincipal(...principals);
  }

  /** The configured SAML provider, imported once. */
  private identityProvider(arn: string): iam.ISamlProvider {
    return (this.node.tryFindChild('IdentityProvider') as iam.ISamlProvider | undefined) ?? iam.SamlProvider.fromSamlProviderArn(this, 'IdentityProvider', arn);
  }

  /** Log reading for people; the database audit log, whose statements may contain PHI, is denied by the guardrail. */
  private allowLogReading(role: ScopedRole): void {
    this.allow(role, 'Reading the cell\'s logs is how people operate and audit it; the database audit log is excluded by an explicit deny in the guardrail policy.', {
      sid: 'ReadLogs',
      actions: ['logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:StartQuery', 'logs:GetQueryResults', 'logs:StopQuery'],
      resources: [`arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`],
    });
  }

  /** Adds a statement, and acknowledges each of its wildcard resources with the reason for it. */
  private allow(role: ScopedRole, reason: string, props: iam.PolicyStatementProps): void {
    role.addToPolicy(new iam.PolicyStatement(props));
    for (const resource of props.resources ?? []) {
      if (resource.includes('*')) acknowledge(role.node.findChild('Permissions'), `AwsSolutions-IAM5[Resource::${resource}]`, reason);
    }
  }

  /** Explicit denials that no other grant can override. */
  private noPhiGuardrail(): iam.PolicyStatement[] {
    const prefix = cellPrefix(this);
    return [
      // Secrets stay unreadable through the GetSecretValue deny below; writing a secret needs the secrets key.
      new iam.PolicyStatement({
        sid: 'NeverUseTenantKeys',
        effect: iam.Effect.DENY,
        actions: ['kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:PutKeyPolicy'],
        resources: ['*'],
        conditions: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': `alias/${keyAliasName(this, 'tenant-*')}` } },
      }),
      new iam.PolicyStatement({
        sid: 'NeverReadDatabaseAuditCopies',
        effect: iam.Effect.DENY,
        actions: ['s3:GetObject*'],
        resources: [`arn:${this.partition}:s3:::${prefix}-audit-*/siem/database-audit/*`],
      }),
      new iam.PolicyStatement({
        sid: 'NeverReadPhiObjects',
        effect: iam.Effect.DENY,
        actions: ['s3:GetObject*', 's3:PutObject*', 's3:RestoreObject'],
        resources: [`arn:${this.partition}:s3:::${phiBucketPrefix(this)}*`],
      }),
      new iam.PolicyStatement({
        sid: 'NeverReadSecretsOrConnectToTheDatabase',
        effect: iam.Effect.DENY,
        actions: [
          'secretsmanager:GetSecretValue',
          'rds-db:connect',
          'rds:RestoreDBInstance*',
          'rds:ModifyDBInstance',
          'rds:ModifyDBSnapshotAttribute',
          'rds:CopyDBSnapshot',
          // Database log files hold the PostgreSQL and pgaudit logs, whose statements may contain PHI.
          // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.Downloading.html
          'rds:DownloadDBLogFilePortion',
          'rds:DownloadCompleteDBLogFile',
          'backup:StartRestoreJob',
          'ecs:ExecuteCommand',
          'ssm:StartSession',
        ],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'NeverReadTheDatabaseAuditLog',
        effect: iam.Effect.DENY,
        actions: ['logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:StartQuery', 'logs:StartLiveTail'],
        resources: [`arn:${this.partition}:logs:${this.region}:${this.account}:log-group:/aws/rds/instance/${databaseInstanceId({ platform: this.platform, cell: this.cell })}/postgresql*`],
      }),
      // People hold no deploy rights: every CDK bootstrap role (deploy, publishing, lookup) of every region and qualifier.
      new iam.PolicyStatement({
        sid: 'NeverDeployOrLookUp',
        effect: iam.Effect.DENY,
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: [`arn:${this.partition}:iam::${this.account}:role/cdk-*`],
      }),
      new iam.PolicyStatement({
        sid: 'NeverAssumeTenantRoles',
        effect: iam.Effect.DENY,
        actions: ['sts:AssumeRole'],
        resources: [`arn:${this.partition}:iam::${this.account}:role/${prefix}-tenant-*`],
      }),
    ];
  }

  /**
   * Denies every IAM change to a protected role (by name pattern, so a deleted role cannot be
   * recreated under its name, and by tag). IAM supports aws:ResourceTag on roles:
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_iam-tags.html
   */
  private protectedRolesGuardrail(): iam.PolicyStatement[] {
    const actions = [...PROTECTED_ROLE_CHANGES];
    return [
      new iam.PolicyStatement({
        sid: 'NeverChangeProtectedRolesByName',
        effect: iam.Effect.DENY,
        actions,
        resources: protectedRoleNamePatterns(this).map((name) => `arn:${this.partition}:iam::${this.account}:role/${name}`),
      }),
      new iam.PolicyStatement({
        sid: 'NeverChangeProtectedRolesByTag',
        effect: iam.Effect.DENY,
        actions,
        resources: [`arn:${this.partition}:iam::${this.account}:role/*`],
        conditions: { StringEquals: { [`aws:ResourceTag/${PROTECTED_ROLE_TAG}`]: 'true' } },
      }),
    ];
  }

  private acknowledgeWildcards(): void {
    const aws = (name: string) => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]` as const;
    const jobFunction =
      'An AWS-maintained read-only job-function policy that tracks new services; every action that could read PHI is explicitly denied by this role\'s guardrail policy, which no allow can override.';
    acknowledge(this.operator, aws('job-function/ViewOnlyAccess'), jobFunction);
    acknowledge(this.auditor, aws('job-function/ViewOnlyAccess'), jobFunction);
    acknowledge(this.auditor, aws('SecurityAudit'), jobFunction);
  }
}
