import { CloudTrailClient, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { CheckFamily, HOUR_MS, ago, attempt, fail, pass, verdict } from '../check';

/** CloudTrail delivers a digest file every hour; two hours without one means digests stopped. */
const DIGEST_MAX_AGE_MS = 2 * HOUR_MS;

/**
 * The cell's trail is logging, delivered its last log files to S3 and CloudWatch Logs without an
 * error, and its digest files (log file integrity validation) keep arriving.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html
 */
export const trailChecks: CheckFamily = {
  title: 'CloudTrail: logging, delivery, digest files',
  async run(ctx) {
    const { name, region } = ctx.expected.trail;
    return attempt(`trail ${name}`, region, async () => {
      const status = await ctx.aws.client(CloudTrailClient, region).send(new GetTrailStatusCommand({ Name: name }));
      const digestAt = status.LatestDigestDeliveryTime;
      return [
        verdict(status.IsLogging === true, `trail ${name} logging`, region, status.IsLogging ? 'logging' : 'not logging: the trail is stopped'),
        status.LatestDeliveryError
          ? fail(`trail ${name} delivery to S3`, region, `latest delivery error: ${status.LatestDeliveryError}`)
          : pass(`trail ${name} delivery to S3`, region, status.LatestDeliveryTime ? `last log file ${ago(ctx, status.LatestDeliveryTime)}` : 'no delivery error'),
        status.LatestCloudWatchLogsDeliveryError
          ? fail(`trail ${name} delivery to CloudWatch Logs`, region, `latest delivery error: ${status.LatestCloudWatchLogsDeliveryError}`)
          : pass(`trail ${name} delivery to CloudWatch Logs`, region, status.LatestCloudWatchLogsDeliveryTime ? `last events ${ago(ctx, status.LatestCloudWatchLogsDeliveryTime)}` : 'no delivery error'),
        status.LatestDigestDeliveryError
          ? fail(`trail ${name} digest files`, region, `latest digest delivery error: ${status.LatestDigestDeliveryError}`)
          : verdict(
              !!digestAt && ctx.now.getTime() - digestAt.getTime() <= DIGEST_MAX_AGE_MS,
              `trail ${name} digest files`,
              region,
              digestAt ? `last digest file ${ago(ctx, digestAt)} (expected hourly)` : 'no digest file was ever delivered: log file validation is off or failing',
            ),
      ];
    });
  },
};
