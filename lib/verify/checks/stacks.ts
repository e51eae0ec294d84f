import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
} from '@aws-sdk/client-cloudformation';
import { ExpectedStack } from '../expectations';
import { CheckFamily, CheckResult, VerifyContext, attempt, fail, formatDuration, mapLimit, pass } from '../check';

/** Settled states of a stack whose last operation succeeded; a rollback means the templates were not applied. */
const COMPLETE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

/**
 * Every stack of the cell exists, is settled after a successful operation, has termination
 * protection, and has not drifted from its template (CloudFormation drift detection, polled until
 * it ends or the time limit passes).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/detect-drift-stack.html
 */
export const stackChecks: CheckFamily = {
  title: 'stacks: state, termination protection, drift',
  async run(ctx) {
    const rows = await mapLimit(ctx.expected.stacks, 4, (stack) => attempt(`stack ${stack.stackName}`, stack.region, () => checkStack(ctx, stack)));
    return rows.flat();
  },
};

async function checkStack(ctx: VerifyContext, stack: ExpectedStack): Promise<CheckResult> {
  const check = `stack ${stack.stackName}`;
  const client = ctx.aws.client(CloudFormationClient, stack.region);
  let live;
  try {
    live = (await client.send(new DescribeStacksCommand({ StackName: stack.stackName }))).Stacks?.[0];
  } catch (e) {
    // A missing stack is a ValidationError "Stack with id ... does not exist": https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
    if ((e as Error).name === 'ValidationError' && /does not exist/.test((e as Error).message)) return fail(check, stack.region, 'not deployed: the stack does not exist');
    throw e;
  }
  if (!live) return fail(check, stack.region, 'not deployed: the stack does not exist');
  const problems: string[] = [];
  const status = live.StackStatus ?? 'UNKNOWN';
  if (!COMPLETE.has(status)) problems.push(`status ${status}`);
  if (live.EnableTerminationProtection !== true) problems.push('termination protection is off');
  if (status.endsWith('_IN_PROGRESS')) return fail(check, stack.region, `${problems.join(', ')}; drift not checked while an operation runs`);

  const drift = await detectDrift(ctx, client, stack);
  if (drift !== 'IN_SYNC') problems.push(drift);
  const facts = `${status}, termination protection ${live.EnableTerminationProtection ? 'on' : 'off'}, ${drift === 'IN_SYNC' ? 'no drift' : drift}`;
  return problems.length === 0 ? pass(check, stack.region, facts) : fail(check, stack.region, facts);
}

/** `IN_SYNC`, or why not: drifted resources, a failed detection, or the time limit. */
async function detectDrift(ctx: VerifyContext, client: CloudFormationClient, stack: ExpectedStack): Promise<string> {
  let waited = 0;
  const { StackDriftDetectionId: id } = await client.send(new DetectStackDriftCommand({ StackName: stack.stackName }));
  for (;;) {
    const status = await client.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id }));
    if (status.DetectionStatus === 'DETECTION_COMPLETE') {
      if (status.StackDriftStatus === 'IN_SYNC') return 'IN_SYNC';
      return `drifted: ${status.DriftedStackResourceCount ?? 'some'} resource(s) differ from the template (see the stack's drift report)`;
    }
    if (status.DetectionStatus === 'DETECTION_FAILED') {
      return `drift detection failed: ${status.DetectionStatusReason ?? 'no reason given'}`;
    }
    if (waited >= ctx.driftTimeoutMs) return `drift detection did not finish within ${formatDuration(ctx.driftTimeoutMs)}`;
    await ctx.sleep(ctx.pollIntervalMs);
    waited += ctx.pollIntervalMs;
  }
}
