import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CheckFamily, CheckResult, DAY_MS, HOUR_MS, VerifyContext, ago, attempt, fail, pass, verdict } from '../check';
import { ExpectedSiemStream, StackResource } from '../expectations';
import { utcDay } from './dates';

/**
 * Each SIEM delivery stream is ACTIVE, and an archive stream's prefix in the SIEM staging bucket
 * (replicated into the audit archives, which the archive checks follow) received objects in the last
 * day (object listing: keys and times, never a body). The delivery error log group is empty of
 * recent errors, judged by the CloudWatch Logs metric IncomingLogEvents, so that no log event text
 * is ever read. https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatch-Logs-Monitoring-CloudWatch-Metrics.html
 */
export const siemChecks: CheckFamily = {
  title: 'SIEM delivery: streams, delivered objects, delivery errors',
  async run(ctx) {
    const rows: CheckResult[] = [];
    for (const stream of ctx.expected.siemStreams) {
      rows.push(...(await attempt(`SIEM stream ${stream.logicalId}`, stream.stack.region, () => checkStream(ctx, stream))));
    }
    for (const group of ctx.expected.siemErrorLogGroups) {
      rows.push(...(await attempt(`SIEM delivery errors ${group.logicalId}`, group.stack.region, () => checkErrors(ctx, group))));
    }
    return rows;
  },
};

async function checkStream(ctx: VerifyContext, stream: ExpectedSiemStream): Promise<CheckResult[]> {
  const region = stream.stack.region;
  const name = await ctx.aws.physicalId(stream.stack, stream.logicalId);
  const check = `SIEM stream ${name}`;
  const { DeliveryStreamDescription: d } = await ctx.aws.client(FirehoseClient, region).send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
  const status = d?.DeliveryStreamStatus ?? 'UNKNOWN';
  const rows = [verdict(status === 'ACTIVE', check, region, `status ${status}`)];
  if (!stream.bucket || !stream.prefix) return rows;

  const prefixCheck = `SIEM stream ${name} delivered objects`;
  const s3 = ctx.aws.client(S3Client, region);
  let count = 0;
  let newest: Date | undefined;
  for (const day of [ctx.now, new Date(ctx.now.getTime() - DAY_MS)]) {
    const prefix = renderPrefix(stream.prefix, day);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: stream.bucket, Prefix: prefix, MaxKeys: 1000 }));
    for (const o of listed.Contents ?? []) {
      if (o.LastModified && ctx.now.getTime() - o.LastModified.getTime() <= DAY_MS) {
        count++;
        if (!newest || o.LastModified > newest) newest = o.LastModified;
      }
    }
  }
  const where = `s3://${stream.bucket}/${renderPrefix(stream.prefix, ctx.now).replace(/\d{4}\/\d{2}\/\d{2}\/?$/, '')}`;
  rows.push(
    count > 0
      ? pass(prefixCheck, region, `${count} object(s) in the last day under ${where}, newest ${ago(ctx, newest!)}`)
      : fail(prefixCheck, region, `no object in the last day under ${where}`),
  );
  return rows;
}

/**
 * The stream's prefix for a day: `!{timestamp:yyyy/MM/dd}` is the UTC date of delivery; any other expression ends the prefix.
 * https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html
 */
export function renderPrefix(expression: string, day: Date): string {
  const rendered = expression.replace(/!\{timestamp:yyyy\/MM\/dd\}/g, utcDay(day));
  const open = rendered.indexOf('!{');
  return open < 0 ? rendered : rendered.slice(0, open);
}

async function checkErrors(ctx: VerifyContext, group: StackResource): Promise<CheckResult> {
  const region = group.stack.region;
  const name = await ctx.aws.physicalId(group.stack, group.logicalId);
  const check = `SIEM delivery errors ${name}`;
  const result = await ctx.aws.client(CloudWatchClient, region).send(
    new GetMetricDataCommand({
      StartTime: new Date(ctx.now.getTime() - DAY_MS),
      EndTime: ctx.now,
      MetricDataQueries: [
        {
          Id: 'errors',
          MetricStat: {
            Metric: { Namespace: 'AWS/Logs', MetricName: 'IncomingLogEvents', Dimensions: [{ Name: 'LogGroupName', Value: name }] },
            Period: HOUR_MS / 1000,
            Stat: 'Sum',
          },
        },
      ],
    }),
  );
  const values = result.MetricDataResults?.[0]?.Values ?? [];
  const total = values.reduce((a, b) => a + b, 0);
  return total === 0
    ? pass(check, region, 'no delivery error logged in the last day (IncomingLogEvents = 0)')
    : fail(check, region, `${total} delivery error event(s) logged in the last day (count only; read them in CloudWatch Logs)`);
}
