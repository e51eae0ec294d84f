import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** What a customer-managed key of ours may be used through. */
export interface PlatformKeyProps {
  /** Alias name without the `alias/` prefix, for example `vp/us-east/logs`. */
  readonly alias: string;
  /** What the key protects, in words an auditor reads in the console. */
  readonly description: string;
  /**
   * AWS services through which principals of this account may use the key (`kms:ViaService`),
   * by service prefix, for example `rds` or `secretsmanager`.
   * @default - none
   */
  readonly viaServices?: readonly string[];
  /**
   * Narrows use through `viaServices` to these principals (`aws:PrincipalArn`), instead of any
   * principal of the account. @default - any principal of this account, through those services
   */
  readonly viaServicePrincipalArns?: readonly string[];
  /**
   * Lets CloudWatch Logs in this account and region encrypt log groups with the key, bound to
   * log groups of this account by the `aws:logs:arn` encryption context.
   * @default false
   */
  readonly allowCloudWatchLogs?: boolean;
  /**
   * Denies disabling the key and scheduling its deletion to every principal, the account root
   * included: lifting the denial is a key policy change (PutKeyPolicy), which alerts.
   * @default false
   */
  readonly protectFromDisabling?: boolean;
}

/** What destroys or silences the data under a key: disabling it, or scheduling its deletion. */
export const KEY_DESTRUCTION_ACTIONS = ['kms:ScheduleKeyDeletion', 'kms:DisableKey'] as const;

/**
 * Key administration without any cryptographic use and without grants. `kms:PutKeyPolicy` must stay
 * (KMS refuses a policy that locks out its own administrators); every key policy change alerts.
 */
const ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

const USE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];

/**
 * A customer-managed KMS key with yearly rotation, an alias, a 30-day deletion window, RETAIN,
 * and a key policy that names every use. Unlike the CDK default, the account root is not given
 * `kms:*`: IAM policies alone can never grant decryption. Whoever may use the key is written into
 * the key policy itself, so the key policy is the complete answer to "who can read this data".
 */
export class PlatformKey extends kms.Key {
  constructor(scope: Construct, id: string, props: PlatformKeyProps) {
    super(scope, id, {
      alias: props.alias,
      description: props.description,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'KeyAdministrationWithoutUse',
            principals: [new iam.AccountRootPrincipal()],
            actions: ADMIN_ACTIONS,
            resources: ['*'],
          }),
        ],
      }),
    });

    if (props.protectFromDisabling) {
      // An explicit deny in the key policy overrides every allow, root's included:
      // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
      this.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'NobodyDisablesOrDeletesThisKey',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: [...KEY_DESTRUCTION_ACTIONS],
          resources: ['*'],
        }),
      );
    }
    for (const service of props.viaServices ?? []) {
      this.allowUseViaService(service, props.viaServicePrincipalArns);
    }
    if (props.allowCloudWatchLogs) {
      this.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchLogsOfThisAccount',
          principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
            },
          },
        }),
      );
    }
  }

  /**
   * Adds the IAM statement for a use of the key to the grantee only. Whether the use is allowed
   * at all is decided by the key policy (by service, or by role ARN), never by a grant: a grant
   * never widens the key policy, and never makes the key's stack depend on the grantee's.
   */
  public get grants(): kms.KeyGrants {
    const grants = kms.KeyGrants.fromKey(this, true);
    const keyArn = this.keyArn;
    // Every grant method of KeyGrants goes through actions(): principal-side statements only.
    grants.actions = (grantee: iam.IGrantable, ...actions: string[]) => iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [keyArn] });
    return grants;
  }

  /**
   * Lets named roles of this account use the key, only through one AWS service in this region.
   * Roles are matched by ARN (`aws:PrincipalArn`), so a role may be named before it exists.
   */
  public allowUseByRoles(sid: string, roleArns: string[], viaService: string): void {
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.AnyPrincipal()],
        actions: USE_ACTIONS,
        resources: ['*'],
        conditions: {
          StringEquals: {
            'kms:CallerAccount': Aws.ACCOUNT_ID,
            'kms:ViaService': `${viaService}.${Aws.REGION}.amazonaws.com`,
          },
          ArnEquals: { 'aws:PrincipalArn': roleArns },
        },
      }),
    );
  }

  /**
   * Denies named roles any direct use of the key from outside a VPC (`aws:SourceVpc`); use on their
   * behalf by an AWS service (S3 calling KMS, `aws:ViaAWSService`) is left to that service's own
   * network check (the bucket policy). Without a VPC, every direct use is denied.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-viaawsservice
   */
  public denyOutsideNetwork(sid: string, roleArns: string[], sourceVpcId?: string): void {
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:*'],
        resources: ['*'],
        conditions: {
          ArnEquals: { 'aws:PrincipalArn': roleArns },
          BoolIfExists: { 'aws:ViaAWSService': 'false' },
          ...(sourceVpcId ? { StringNotEquals: { 'aws:SourceVpc': sourceVpcId } } : {}),
        },
      }),
    );
  }

  /**
   * Lets an AWS service principal use the key on behalf of this account only.
   * @param conditions narrowing conditions, for example the encryption context of one resource
   */
  public allowServicePrincipal(sid: string, service: string, actions: string[], conditions: Record<string, Record<string, unknown>> = {}): void {
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.ServicePrincipal(service)],
        actions,
        resources: ['*'],
        conditions: { ...conditions, StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, ...(conditions.StringEquals ?? {}) } },
      }),
    );
  }

  /**
   * Lets principals of this account use the key only through one AWS service in this region,
   * the way AWS-managed keys work (`kms:ViaService` and `kms:CallerAccount`).
   */
  public allowUseViaService(service: string, principalArns?: readonly string[]): void {
    const conditions = {
      StringEquals: {
        'kms:CallerAccount': Aws.ACCOUNT_ID,
        'kms:ViaService': `${service}.${Aws.REGION}.amazonaws.com`,
      },
      ...(principalArns ? { ArnEquals: { 'aws:PrincipalArn': [...principalArns] } } : {}),
    };
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `UseVia${service.replace(/[^A-Za-z0-9]/g, '')}`,
        principals: [new iam.AnyPrincipal()],
        actions: USE_ACTIONS,
        resources: ['*'],
        conditions,
      }),
    );
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `GrantsVia${service.replace(/[^A-Za-z0-9]/g, '')}ForAwsResources`,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
        resources: ['*'],
        conditions: { ...conditions, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
  }
}
