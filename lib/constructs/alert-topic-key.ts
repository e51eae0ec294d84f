import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PlatformKey } from './platform-key';

export interface AlertTopicKeyProps {
  /** The key's alias, such as `alias/vp-us-east/alerts`. */
  readonly alias: string;
  readonly description: string;
  /** The ARN of the one topic the key encrypts, spelled out: the topic itself depends on the key. */
  readonly topicArn: string;
  /**
   * CloudWatch alarms of this account named with this prefix publish to the topic too.
   * @default - only EventBridge rules
   */
  readonly cloudWatchAlarmPrefix?: string;
  /** EventBridge rules publish to the topic. @default true */
  readonly eventBridge?: boolean;
  /** Construct id of the key (part of its logical id). @default 'AlertsKey' */
  readonly id?: string;
}

/**
 * The key of a security alert topic, made as `AlertsKey` in `scope` (its logical id is part of the
 * stateful inventory). Only SNS may use it, and only for this topic: EventBridge (and CloudWatch)
 * when they publish, and principals of this account through SNS (a test message, for example).
 */
export function alertTopicKey(scope: Construct, props: AlertTopicKeyProps): PlatformKey {
  const key = new PlatformKey(scope, props.id ?? 'AlertsKey', { alias: props.alias, description: props.description, protectFromDisabling: true });
  const thisTopic = { 'kms:EncryptionContext:aws:sns:topicArn': props.topicArn };
  if (props.eventBridge ?? true) key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'EventBridgePublishesAlerts',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      // SNS does not pass aws:SourceAccount or aws:SourceArn to KMS for EventBridge deliveries; the
      // topic-ARN encryption context and the topic policy (these rules only) do the scoping.
      conditions: { StringEquals: thisTopic },
    }),
  );
  if (props.cloudWatchAlarmPrefix) {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishAlerts',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        // CloudWatch sends aws:SourceAccount and aws:SourceArn (the alarm) with these calls, unlike EventBridge:
        // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
        conditions: {
          StringEquals: { ...thisTopic, 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${props.cloudWatchAlarmPrefix}*` },
        },
      }),
    );
  }
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'UseViaSnsForTheAlertTopic',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:CallerAccount': Aws.ACCOUNT_ID, 'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com`, ...thisTopic } },
    }),
  );
  return key;
}
