import { ConfigServiceClient, DescribeConfigurationRecorderStatusCommand } from '@aws-sdk/client-config-service';
import { GetDetectorCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { DescribeHubCommand, GetEnabledStandardsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { CheckFamily, CheckResult, VerifyContext, ago, attempt, fail, pass, skip, verdict } from '../check';

/**
 * The AWS Config recorder records with a successful last status; GuardDuty has an enabled detector;
 * Security Hub is enabled with every standard the templates subscribe to. Skipped when the
 * organization runs these services (`detection.accountServices: organization`).
 * https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigurationRecorderStatus.html
 */
export const detectionChecks: CheckFamily = {
  title: 'detection: AWS Config, GuardDuty, Security Hub',
  async run(ctx) {
    const detection = ctx.expected.detection;
    if (!detection) {
      const why = 'the organization runs it (detection.accountServices: organization)';
      return ['AWS Config recorder', 'GuardDuty', 'Security Hub'].map((check) => skip(check, ctx.expected.primaryRegion, why));
    }
    const { region } = detection;
    return [
      ...(await attempt('AWS Config recorder', region, () => recorder(ctx, region))),
      ...(await attempt('GuardDuty', region, () => guardDuty(ctx, region))),
      ...(await attempt('Security Hub', region, () => securityHub(ctx, region, detection.standards))),
    ];
  },
};

async function recorder(ctx: VerifyContext, region: string): Promise<CheckResult> {
  const { ConfigurationRecordersStatus: all = [] } = await ctx.aws.client(ConfigServiceClient, region).send(new DescribeConfigurationRecorderStatusCommand({}));
  if (all.length === 0) return fail('AWS Config recorder', region, 'no configuration recorder');
  const r = all[0];
  const ok = r.recording === true && r.lastStatus === 'Success';
  const last = r.lastStatusChangeTime ? `, last status change ${ago(ctx, r.lastStatusChangeTime)}` : '';
  const error = r.lastErrorCode ? `, last error ${r.lastErrorCode}` : '';
  return verdict(ok, 'AWS Config recorder', region, `${r.name}: ${r.recording ? 'recording' : 'not recording'}, last status ${r.lastStatus ?? 'none'}${last}${error}`);
}

async function guardDuty(ctx: VerifyContext, region: string): Promise<CheckResult> {
  const client = ctx.aws.client(GuardDutyClient, region);
  const { DetectorIds: ids = [] } = await client.send(new ListDetectorsCommand({}));
  if (ids.length === 0) return fail('GuardDuty', region, 'no detector: GuardDuty is not enabled');
  const detector = await client.send(new GetDetectorCommand({ DetectorId: ids[0] }));
  return verdict(detector.Status === 'ENABLED', 'GuardDuty', region, `detector ${ids[0]} ${detector.Status ?? 'UNKNOWN'}`);
}

async function securityHub(ctx: VerifyContext, region: string, expected: readonly string[]): Promise<CheckResult> {
  const client = ctx.aws.client(SecurityHubClient, region);
  try {
    await client.send(new DescribeHubCommand({}));
  } catch (e) {
    // InvalidAccessException: the account is not subscribed. https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_DescribeHub.html
    if ((e as Error).name === 'InvalidAccessException') return fail('Security Hub', region, 'not enabled in this account and region');
    throw e;
  }
  const { StandardsSubscriptions: subscriptions = [] } = await client.send(new GetEnabledStandardsCommand({}));
  const ready = new Set(subscriptions.filter((s) => s.StandardsStatus === 'READY').map((s) => s.StandardsArn));
  const missing = expected.filter((arn) => !ready.has(arn));
  const names = (arns: readonly string[]) => arns.map((a) => a.replace(/^arn:[^:]+:securityhub:[^:]*:[^:]*:/, '')).join(', ');
  return missing.length === 0
    ? pass('Security Hub', region, `enabled; standards ready: ${names(expected)}`)
    : fail('Security Hub', region, `enabled, but these standards are not enabled and ready: ${names(missing)}`);
}
