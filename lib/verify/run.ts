import { CheckFamily, CheckResult, VerifyContext, describeError, fail } from './check';
import { alertChecks } from './checks/alerts';
import { archiveChecks } from './checks/archive';
import { backupChecks } from './checks/backup';
import { databaseChecks } from './checks/database';
import { detectionChecks } from './checks/detection';
import { siemChecks } from './checks/siem';
import { stackChecks } from './checks/stacks';
import { tenantBucketChecks } from './checks/tenant-buckets';
import { trailChecks } from './checks/trail';
import { voiceChecks } from './checks/voice';

/** Every check family, in the order the table lists them. */
export const CHECK_FAMILIES: readonly CheckFamily[] = [
  stackChecks,
  trailChecks,
  archiveChecks,
  siemChecks,
  detectionChecks,
  alertChecks,
  databaseChecks,
  backupChecks,
  voiceChecks,
  tenantBucketChecks,
];

/** Where the run is: family `index` of `total` is starting. */
export interface Progress {
  readonly index: number;
  readonly total: number;
  readonly title: string;
}

/** Runs the families one after another; a family that fails as a whole becomes one failed row, never a crash. */
export async function runChecks(
  ctx: VerifyContext,
  families: readonly CheckFamily[] = CHECK_FAMILIES,
  onProgress: (p: Progress) => void = () => undefined,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [i, family] of families.entries()) {
    onProgress({ index: i + 1, total: families.length, title: family.title });
    try {
      results.push(...(await family.run(ctx)));
    } catch (e) {
      results.push(fail(family.title, ctx.expected.primaryRegion, `could not be checked: ${describeError(e)}`));
    }
  }
  return results;
}
