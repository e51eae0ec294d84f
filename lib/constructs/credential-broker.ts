import * as path from 'node:path';
import { Duration, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { NumberMap } from '../broker/broker';
import { acknowledge } from '../compliance/acknowledge';
import { PHI_ACCESS_TAG } from '../compliance/access/designed';
import { TelephonyConfig } from '../config';
import { EncryptedLogGroup, LogRetention } from './encrypted-log-group';
import { ScopedRole } from './scoped-role';
import { acknowledgeVpcFunctionRole } from './vpc-function-role';
import { PROTECTED_ROLE_TAG } from '../naming';

const REPOSITORY_ROOT = path.join(__dirname, '..', '..');

/** The tag that marks the broker's role as the designed path to the clinic roles (read by access-path rules). */
export const PRINCIPAL_ROLE_TAG = PHI_ACCESS_TAG;
export const CREDENTIAL_BROKER_ROLE = 'credential-broker';

/** Calls that can be set up at the same moment in one cell; each takes the broker about a tenth of a second. */
const RESERVED_CONCURRENCY = 20;

export interface CredentialBrokerProps {
  /** The cell's VPC: the function runs in its isolated subnets, without any route to the internet. */
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  /** The security group of the VPC's interface endpoints (STS, Secrets Manager): the only place the function may connect to. */
  readonly endpointSecurityGroup: ec2.ISecurityGroup;
  /** The telephony provider's webhook signing secret (for Twilio, the auth token). */
  readonly signingSecret: secretsmanager.ISecret;
  readonly secretsKey: kms.IKey;
  readonly logsKey: kms.IKey;
  readonly retention: LogRetention;
  readonly telephony: TelephonyConfig;
  /** Every called number of the cell's clinics, to its clinic. */
  readonly numbers: NumberMap;
  /** The ARN of a clinic's access role with `{tenant}` in place of the clinic id. */
  readonly tenantRoleArnPattern: string;
  readonly roleName: string;
  readonly functionName: string;
}

/**
 * The credential broker of a cell: a Lambda function in the isolated subnets that receives the
 * telephony provider's signed request as the voice service got it, verifies the signature with the
 * provider's signing secret (which only it can read), maps the called number to its clinic and
 * returns credentials of that clinic's role for this one call.
 *
 * The number map is a file bundled with the function (`numbers.json`), not a resource per clinic:
 * at 400 clinics with a few numbers each it is some 20 KB, beyond Lambda's 4 KB of environment
 * variables and SSM's 4 KB standard parameters, and adds nothing to the Voice stack's resource count.
 * A changed map changes the bundle and so the function's code on the next deploy.
 */
export class CredentialBroker extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: ScopedRole;
  public readonly logGroup: EncryptedLogGroup;
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: CredentialBrokerProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // Which call obtained which clinic's credentials, and every refusal: an access-control record of the edge.
    this.logGroup = new EncryptedLogGroup(this, 'Logs', { logClass: 'security', retention: props.retention, encryptionKey: props.logsKey });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Credential broker: HTTPS to the VPC interface endpoints (STS, Secrets Manager) only',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(props.endpointSecurityGroup, ec2.Port.tcp(443), 'HTTPS to the VPC interface endpoints');

    this.role = new ScopedRole(this, 'Role', {
      roleName: props.roleName,
      description: 'Credential broker: verifies the telephony provider\'s signed request and assumes the called clinic\'s role for that call',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      // Lambda creates and deletes the function's network interfaces with the function's role.
      // https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole')],
    });
    Tags.of(this.role).add(PRINCIPAL_ROLE_TAG, CREDENTIAL_BROKER_ROLE);
    // It vends clinic credentials: changes to it alert and are denied to people (lib/naming.ts protectedRoleNamePatterns).
    Tags.of(this.role).add(PROTECTED_ROLE_TAG, 'true');
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn, `${this.logGroup.logGroupArn}:log-stream:*`],
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.signingSecret.secretArn] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.secretsKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      }),
    );
    // Source identity and session tags name the call and the clinic in CloudTrail.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
    const tenantRoles = props.tenantRoleArnPattern.replace('{tenant}', '*');
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeTheCalledClinicsRole',
        actions: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
        resources: [tenantRoles],
      }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: 'Verifies the telephony provider\'s signed request and returns one call\'s credentials of the called clinic',
      entry: path.join(REPOSITORY_ROOT, 'lib', 'broker', 'handler.ts'),
      handler: 'handler',
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: path.join(REPOSITORY_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      // A flood of forged webhooks cannot take the account's whole concurrency, and calls always have this much.
      reservedConcurrentExecutions: RESERVED_CONCURRENCY,
      // Invoked synchronously by the voice service, which retries within the call's setup; nothing is queued.
      retryAttempts: 0,
      role: this.role,
      logGroup: this.logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [this.securityGroup],
      environment: {
        SIGNATURE_SCHEME: props.telephony.signatureScheme,
        REPLAY_WINDOW_SECONDS: String(props.telephony.replayWindowSeconds),
        SIGNING_SECRET_ARN: props.signingSecret.secretArn,
        TENANT_ROLE_ARN_PATTERN: props.tenantRoleArnPattern,
      },
      bundling: {
        // esbuild from node_modules, at synth, offline; never a Docker image.
        forceDockerBundling: false,
        target: 'node24',
        format: nodejs.OutputFormat.CJS,
        // The SDK clients are bundled at the versions package-lock.json pins, not taken from the runtime.
        externalModules: [],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, output: string) => [writeNumberMap(props.numbers, `${output}/numbers.json`)],
        },
      },
    });
    this.function.node.addDependency(this.logGroup);
    this.acknowledgeFindings(tenantRoles);
  }

  /** Lets the voice service invoke the broker, and nothing else of it. */
  public grantInvoke(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }));
  }

  private acknowledgeFindings(tenantRoles: string): void {
    acknowledgeVpcFunctionRole(this.role, this.logGroup);
    acknowledge(
      this.role.node.findChild('Permissions'),
      `AwsSolutions-IAM5[Resource::${tenantRoles}]`,
      'The broker serves every clinic of its cell, including clinics added later, but assumes a clinic\'s role only for a call to that clinic\'s number whose provider signature it verified; the pattern names only the tenant roles of this cell.',
    );
    const noDeadLetter =
      'The voice service invokes the broker synchronously while a call is set up and gets every refusal or error as the answer; a dead-letter queue would hold signed provider requests for nobody to act on.';
    acknowledge(this.function, 'HIPAA.Security-LambdaDLQ', noDeadLetter);
    acknowledge(this.function, 'NIST.800.53.R5-LambdaDLQ', noDeadLetter);
  }
}

/**
 * The bundling command that writes the number map beside the handler. The map travels in the command as base64 (no
 * character a shell would read), so nothing is left behind in a temp folder and the same map gives the same command.
 */
function writeNumberMap(numbers: NumberMap, file: string): string {
  const json = JSON.stringify(Object.fromEntries(Object.entries(numbers).sort(([a], [b]) => a.localeCompare(b))));
  return `node -e "require('fs').writeFileSync(process.argv[1], Buffer.from(process.argv[2], 'base64'))" "${file}" ${Buffer.from(json).toString('base64')}`;
}
