import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AlertMessage } from './alert-message';

/** The Security Hub standards the cell is measured against, by the path of their ARN. */
export const SECURITY_HUB_STANDARDS = {
  FoundationalBestPractices: 'standards/aws-foundational-security-best-practices/v/1.0.0',
  Nist80053Rev5: 'standards/nist-800-53/v/5.0.0',
} as const;

/** The AWS Config key prefix of configuration history and snapshots in the config history bucket. */
export const CONFIG_KEY_PREFIX = 'config';

/** What an alert says and links to: ids only, never the event itself. */
export interface AlertSpec {
  /** Names the alert in the message and the rule. */
  readonly code: string;
  /** One line on what happened, the rule description and the first line of the message. */
  readonly summary: string;
  readonly eventPattern: events.EventPattern;
  /** Message fields taken from the event, by JSON path: ids only. */
  readonly fields: Record<string, string>;
  /** Console link; `<field>` inserts a field of the message. */
  readonly link: string;
}

/**
 * Security Hub with the cell's standards, chosen here rather than by the service's defaults, as
 * `SecurityHub` and `<name>Standard` in `scope`. Enabling it creates its service-linked role.
 * https://docs.aws.amazon.com/securityhub/latest/userguide/using-service-linked-roles.html
 */
export function securityHub(scope: Construct): securityhub.CfnHub {
  const stack = Stack.of(scope);
  const hub = new securityhub.CfnHub(scope, 'SecurityHub', {
    // One finding per control across standards, instead of one per standard.
    controlFindingGenerator: 'SECURITY_CONTROL',
    enableDefaultStandards: false,
    autoEnableControls: true,
  });
  for (const [name, path] of Object.entries(SECURITY_HUB_STANDARDS)) {
    const standard = new securityhub.CfnStandard(scope, `${name}Standard`, {
      standardsArn: `arn:${stack.partition}:securityhub:${stack.region}::${path}`,
    });
    standard.node.addDependency(hub);
  }
  return hub;
}

/**
 * AWS Config's service-linked role, as `ConfigServiceLinkedRole` in `scope`: one per account, used
 * by the recorders of every region, so it lives in the cell's first stack to deploy.
 */
export function configServiceLinkedRole(scope: Construct): iam.CfnServiceLinkedRole {
  // The service-linked role, not a ScopedRole: it passes every pack unacknowledged and Security Hub's Config.1 requires it.
  const role = new iam.CfnServiceLinkedRole(scope, 'ConfigServiceLinkedRole', {
    awsServiceName: 'config.amazonaws.com',
    description: 'AWS Config records resource configurations of this account',
  });
  // Its name is fixed by AWS, so a failed first create must not leave it behind (RetainExceptOnCreate).
  role.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
  return role;
}

export interface ConfigRecorderProps {
  /** The config history bucket of the recorder's region. */
  readonly bucketName: string;
  /** The key of that bucket, by key ARN. */
  readonly key: kms.IKey;
  /** Record global resources (IAM): in the primary region only, so they are recorded once. */
  readonly globalResources: boolean;
}

/**
 * The region's AWS Config recorder and delivery channel, as `ConfigRecorder` and
 * `ConfigDeliveryChannel` in `scope`, using the account's Config service-linked role.
 */
export function configRecorder(scope: Construct, props: ConfigRecorderProps) {
  const stack = Stack.of(scope);
  const recorder = new config.CfnConfigurationRecorder(scope, 'ConfigRecorder', {
    // One recorder per account and region; "default" is the name AWS gives it everywhere else.
    name: 'default',
    roleArn: `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
    recordingGroup: { allSupported: true, includeGlobalResourceTypes: props.globalResources },
  });
  const deliveryChannel = new config.CfnDeliveryChannel(scope, 'ConfigDeliveryChannel', {
    name: 'default',
    s3BucketName: props.bucketName,
    s3KeyPrefix: CONFIG_KEY_PREFIX,
    // Without a key Config writes SSE-S3 objects; the history bucket keeps everything under the audit key.
    // A key ARN, not an alias: https://docs.aws.amazon.com/config/latest/APIReference/API_DeliveryChannel.html
    s3KmsKeyArn: props.key.keyArn,
    configSnapshotDeliveryProperties: { deliveryFrequency: 'TwentyFour_Hours' },
  });
  // Created together, neither waiting for the other: the recorder resource starts recording, which
  // needs a delivery channel, so a channel that waited for it would never come and the stack would
  // hang (https://docs.aws.amazon.com/config/latest/APIReference/API_StartConfigurationRecorder.html).
  return { recorder, deliveryChannel };
}

/**
 * The alerts on GuardDuty and Security Hub findings of one region, by construct id. EventBridge
 * sees only its own region's findings, so every region that holds PHI has its own rules.
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
 * https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-integration-types.html
 */
export function findingAlerts(region: string, where = ''): Record<'GuardDutyFindingAlert' | 'SecurityHubFindingAlert', AlertSpec> {
  const consoleUrl = `https://${region}.console.aws.amazon.com`;
  return {
    GuardDutyFindingAlert: {
      code: 'guardduty-finding',
      summary: `GuardDuty finding of medium severity (4) or higher${where}`,
      eventPattern: {
        source: ['aws.guardduty'],
        detailType: ['GuardDuty Finding'],
        detail: { severity: [{ numeric: ['>=', 4] }] },
      },
      fields: {
        severity: '$.detail.severity',
        findingType: '$.detail.type',
        findingId: '$.detail.id',
        resourceType: '$.detail.resource.resourceType',
        updatedAt: '$.detail.updatedAt',
      },
      link: `${consoleUrl}/guardduty/home?region=${region}#/findings?macros=current&fId=<findingId>`,
    },
    SecurityHubFindingAlert: {
      code: 'securityhub-finding',
      summary: `New active Security Hub finding of critical or high severity${where}`,
      eventPattern: {
        source: ['aws.securityhub'],
        detailType: ['Security Hub Findings - Imported'],
        detail: {
          findings: {
            Severity: { Label: ['CRITICAL', 'HIGH'] },
            Workflow: { Status: ['NEW'] },
            RecordState: ['ACTIVE'],
            // GuardDuty findings already alert through their own rule, from medium severity up.
            ProductName: [{ 'anything-but': 'GuardDuty' }],
          },
        },
      },
      // Security Hub sends one finding per event.
      fields: {
        severity: '$.detail.findings[0].Severity.Label',
        product: '$.detail.findings[0].ProductName',
        controlId: '$.detail.findings[0].Compliance.SecurityControlId',
        findingId: '$.detail.findings[0].Id',
        resourceType: '$.detail.findings[0].Resources[0].Type',
        updatedAt: '$.detail.findings[0].UpdatedAt',
      },
      link: `${consoleUrl}/securityhub/home?region=${region}#/findings`,
    },
  };
}

export interface AlertRuleProps {
  readonly spec: AlertSpec;
  /** `<platform>-<cell>`: the rule is named `<prefix>-<code>`. */
  readonly namePrefix: string;
  readonly cellId: string;
  readonly topic: sns.ITopic;
  /** Where an alert EventBridge cannot deliver (a disabled key, a broken policy) is kept; it alarms on the fallback path. */
  readonly deadLetterQueue: sqs.IQueue;
}

/** An EventBridge rule that sends a message of ids and links, never the event, to an alert topic. */
export function alertRule(scope: Construct, id: string, props: AlertRuleProps): events.Rule {
  const { spec, topic } = props;
  const message = new AlertMessage(
    { alert: spec.code, summary: spec.summary, cell: props.cellId },
    { account: '$.account', region: '$.region', time: '$.time', ...spec.fields },
    spec.link,
  );
  return new events.Rule(scope, id, {
    ruleName: `${props.namePrefix}-${spec.code}`,
    description: spec.summary,
    eventPattern: spec.eventPattern,
    // Not targets.SnsTopic: it would grant publish and key use to EventBridge without any condition.
    targets: [
      {
        bind: () => ({
          arn: topic.topicArn,
          input: message,
          targetResource: topic,
          deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
        }),
      },
    ],
  });
}
