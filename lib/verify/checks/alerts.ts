import { CloudWatchClient, DescribeAlarmsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, SNSClient, Subscription } from '@aws-sdk/client-sns';
import { CheckFamily, CheckResult, DAY_MS, VerifyContext, attempt, fail, pass, formatDuration } from '../check';
import { StackResource } from '../expectations';

/**
 * Every subscription of the alert topics is confirmed (SNS lists an unconfirmed one as
 * "PendingConfirmation"), and no alarm of the cell has been in ALARM or INSUFFICIENT_DATA for more
 * than a day. https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html
 */
export const alertChecks: CheckFamily = {
  title: 'alerts: subscriptions confirmed, alarms',
  async run(ctx) {
    const rows: CheckResult[] = [];
    for (const topic of ctx.expected.alertTopics) {
      rows.push(...(await attempt(`alert topic ${topic.logicalId}`, topic.stack.region, () => subscriptions(ctx, topic))));
    }
    const regions = [...new Set(ctx.expected.alarms.map((a) => a.stack.region))];
    for (const region of regions) {
      rows.push(...(await attempt('alarms', region, () => alarms(ctx, region, ctx.expected.alarms.filter((a) => a.stack.region === region)))));
    }
    return rows;
  },
};

async function subscriptions(ctx: VerifyContext, topic: StackResource): Promise<CheckResult> {
  const region = topic.stack.region;
  const arn = await ctx.aws.physicalId(topic.stack, topic.logicalId);
  const check = `alert topic ${arn.split(':').pop()}`;
  const client = ctx.aws.client(SNSClient, region);
  const all: Subscription[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn, NextToken: token }));
    all.push(...(page.Subscriptions ?? []));
    token = page.NextToken;
  } while (token);
  if (all.length === 0) return fail(check, region, 'no subscription: nobody receives the alerts');
  const pending = all.filter((s) => s.SubscriptionArn === 'PendingConfirmation');
  // Protocols and counts only: the addresses are in config, and need not travel into a report.
  const protocols = (list: Subscription[]) => [...new Set(list.map((s) => s.Protocol ?? '?'))].join(', ');
  return pending.length === 0
    ? pass(check, region, `${all.length} subscription(s), all confirmed (${protocols(all)})`)
    : fail(check, region, `${pending.length} of ${all.length} subscription(s) pending confirmation (${protocols(pending)}): confirm the SNS e-mail, or subscribe the endpoint again`);
}

async function alarms(ctx: VerifyContext, region: string, expected: readonly StackResource[]): Promise<CheckResult> {
  const names = await Promise.all(expected.map((a) => ctx.aws.physicalId(a.stack, a.logicalId)));
  const client = ctx.aws.client(CloudWatchClient, region);
  const found: MetricAlarm[] = [];
  for (let i = 0; i < names.length; i += 100) {
    let token: string | undefined;
    do {
      const page = await client.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), NextToken: token }));
      found.push(...(page.MetricAlarms ?? []));
      token = page.NextToken;
    } while (token);
  }
  const problems: string[] = [];
  const missing = names.filter((n) => !found.some((a) => a.AlarmName === n));
  if (missing.length > 0) problems.push(`missing: ${missing.join(', ')}`);
  for (const a of found) {
    if (a.StateValue === 'OK') continue;
    const since = a.StateUpdatedTimestamp ? ctx.now.getTime() - a.StateUpdatedTimestamp.getTime() : Infinity;
    if (since > DAY_MS) problems.push(`${a.AlarmName} ${a.StateValue} for ${Number.isFinite(since) ? formatDuration(since) : 'an unknown time'}`);
  }
  return problems.length === 0
    ? pass('alarms', region, `${found.length} alarm(s), none in ALARM or INSUFFICIENT_DATA for more than a day`)
    : fail('alarms', region, problems.join('; '));
}
