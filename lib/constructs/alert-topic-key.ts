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
  /** CloudWatch alarms publish to the topic too. @default false - only EventBridge rules */
  readonly cloudWatchAlarms?: boolean;
}

/**
 * The key of a security alert topic, made as `AlertsKey` in `scope` (its logical id is part of the
 * stateful inventory). Only SNS may use it, and only for this topic: EventBridge (and CloudWatch)
 * when they publish, and principals of this account through SNS (a test message, for example).
 */
export function alertTopicKey(scope: Construct, props: AlertTopicKeyProps): PlatformKey {
  const key = new PlatformKey(scope, 'AlertsKey', { alias: props.alias, description: props.description });
  const thisTopic = { 'kms:EncryptionContext:aws:sns:topicArn': props.topicArn };
  key.addToResourcePolicy(
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
  if (props.cloudWatchAlarms) {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishAlerts',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        // As for EventBridge: scoped by the topic-ARN encryption context and the topic policy (alarms of this cell).
        conditions: { StringEquals: thisTopic },
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
