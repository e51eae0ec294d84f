import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { AlertsConfig } from '../config';
import { alertTopicKey } from './alert-topic-key';
import { PlatformKey } from './platform-key';

export interface AlertDeliveryWatchProps {
  /** `<platform>-<cell>`: names the queue, the fallback topic, its alarms, and the rules allowed to dead-letter. */
  readonly namePrefix: string;
  /** The fallback key's alias, such as `vp-us-east/alerts-fallback`. */
  readonly keyAlias: string;
  /** The breach-notification contacts, subscribed to the fallback topic as to the alert topic. */
  readonly alerts: AlertsConfig;
  /** The alert topic whose failed deliveries the fallback path reports. */
  readonly alertTopic: sns.ITopic;
  /** The deploy-path roles, the only principals that may subscribe to the fallback topic. */
  readonly deployPathRoleArns: string[];
}

/**
 * The second alert path: a dead-letter queue for every alert rule's target, and CloudWatch alarms on
 * failed deliveries (rule invocations, SNS notifications, dead-lettered alerts) that go to a fallback
 * topic under a key of its own. Whatever happens to the alert topic's key, a failed alert still reaches
 * the breach contacts. The queue uses SSE-SQS, which EventBridge can write to without a key policy:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 */
export class AlertDeliveryWatch extends Construct {
  public readonly deadLetterQueue: sqs.Queue;
  public readonly fallbackKey: PlatformKey;
  public readonly fallbackTopic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  private readonly alarmPrefix: string;

  constructor(scope: Construct, id: string, props: AlertDeliveryWatchProps) {
    super(scope, id);
    const stack = { partition: Aws.PARTITION, region: Aws.REGION, account: Aws.ACCOUNT_ID };
    this.alarmPrefix = `${props.namePrefix}-alert-delivery-`;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: `${props.namePrefix}-alert-dead-letters`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the alert rules\' targets (EventBridge DeadLetterConfig); a dead-letter queue of a dead-letter queue would never receive anything. Messages in it raise an alarm on the fallback topic.',
    );
    // Only this cell's rules may dead-letter into it (the documented aws:SourceArn condition).
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlertRulesOfThisCellDeadLetter',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/${props.namePrefix}-*` } },
      }),
    );

    const topicName = `${props.namePrefix}-security-alerts-fallback`;
    this.fallbackKey = alertTopicKey(this, {
      id: 'FallbackAlertsKey',
      alias: props.keyAlias,
      description: `Encrypts the fallback alert topic of ${props.namePrefix}: alarms on failed alert deliveries`,
      topicArn: `arn:${stack.partition}:sns:${stack.region}:${stack.account}:${topicName}`,
      // Alarms of this cell: the delivery alarms, and the trail alarm on disabled or deleted keys.
      cloudWatchAlarmPrefix: `${props.namePrefix}-`,
      eventBridge: false,
    });
    this.fallbackTopic = new sns.Topic(this, 'FallbackTopic', {
      topicName,
      displayName: `${props.namePrefix} alert delivery failures`,
      masterKey: this.fallbackKey,
      enforceSSL: true,
      signatureVersion: '2',
    });
    for (const email of props.alerts.emails) this.fallbackTopic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const url of props.alerts.httpsEndpoints) this.fallbackTopic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    this.fallbackTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DeliveryAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.fallbackTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${props.namePrefix}-*` },
        },
      }),
    );
    denySubscribeExceptDeployPath(this.fallbackTopic, props.deployPathRoleArns);

    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
    this.alarm('DeadLettered', 'An alert could not be delivered and was dead-lettered', this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM }));
    // https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html
    this.alarm('NotificationsFailed', 'The alert topic failed to deliver a notification', props.alertTopic.metricNumberOfNotificationsFailed({ statistic: cloudwatch.Stats.SUM }));
    // Account-level metric (no dimension), every rule of the region: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
    this.alarm('RuleInvocationsFailed', 'An EventBridge rule failed to deliver an event to its target', new cloudwatch.Metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', statistic: cloudwatch.Stats.SUM }));
  }

  /** An alarm named under this watch's prefix that tells the fallback topic. */
  public alarm(name: string, summary: string, metric: cloudwatch.Metric): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${name}Alarm`, {
      alarmName: `${this.alarmPrefix}${name}`,
      alarmDescription: `${summary}. The primary alert path may be silenced: check the alert topic, its key and the dead-letter queue.`,
      metric: metric.with({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction({ bind: () => ({ alarmActionArn: this.fallbackTopic.topicArn }) });
    this.alarms.push(alarm);
    return alarm;
  }
}

/** Only the deploy path may subscribe to a topic: nobody else can add a listener to the breach alerts. */
export function denySubscribeExceptDeployPath(topic: sns.Topic, deployPathRoleArns: string[]): void {
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTheDeployPathSubscribes',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sns:Subscribe'],
      resources: [topic.topicArn],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': deployPathRoleArns } },
    }),
  );
}
