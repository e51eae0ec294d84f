import { BackupClient, DescribeBackupVaultCommand, ListBackupJobsCommand, ListCopyJobsCommand, ListRestoreJobsCommand, RestoreJobsListMember } from '@aws-sdk/client-backup';
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { CheckFamily, CheckResult, DAY_MS, HOUR_MS, VerifyContext, ago, attempt, fail, formatDuration, pass, skip, verdict } from '../check';

/** A daily backup (and its copy) is at most 24 hours old, plus the plan's start window and some slack. */
const BACKUP_MAX_AGE_MS = 26 * HOUR_MS;
/** The restore test runs monthly; a month and a few days without one means it stopped. */
const RESTORE_TEST_MAX_AGE_MS = 35 * DAY_MS;
const FINISHED = new Set(['COMPLETED', 'FAILED', 'ABORTED', 'EXPIRED', 'PARTIAL']);

/**
 * The last backup job into the primary vault and the last copy job into the DR vault completed
 * within 26 hours; every vault of the cell is under its vault lock; the last restore test of the
 * database completed, and within the restore target.
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html
 */
export const backupChecks: CheckFamily = {
  title: 'backups: jobs, DR copies, vault locks, restore test',
  async run(ctx) {
    const b = ctx.expected.backup;
    const rows: CheckResult[] = [];
    rows.push(...(await attempt(`backup into ${b.vault}`, b.region, () => lastBackup(ctx))));
    rows.push(...(await attempt(`copy into ${b.drVault}`, b.region, () => lastCopy(ctx))));
    for (const vault of b.vaults) rows.push(...(await attempt(`vault lock ${vault.name}`, vault.region, () => vaultLock(ctx, vault.name, vault.region))));
    rows.push(...(await attempt('restore test', b.region, () => restoreTest(ctx))));
    return rows;
  },
};

/** The most recent job that has finished, by creation time. */
function lastFinished<T extends { State?: string; CreationDate?: Date }>(jobs: readonly T[]): T | undefined {
  return jobs.filter((j) => j.State && FINISHED.has(j.State)).sort((a, b) => (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0))[0];
}

function judgeJob(ctx: VerifyContext, check: string, region: string, job: { State?: string; CompletionDate?: Date; StatusMessage?: string } | undefined): CheckResult {
  if (!job) return fail(check, region, 'no finished job in the last 3 days');
  if (job.State !== 'COMPLETED') return fail(check, region, `the last job ended ${job.State}${job.StatusMessage ? `: ${job.StatusMessage}` : ''}`);
  const age = job.CompletionDate ? ctx.now.getTime() - job.CompletionDate.getTime() : Infinity;
  return verdict(age <= BACKUP_MAX_AGE_MS, check, region, `last job COMPLETED ${job.CompletionDate ? ago(ctx, job.CompletionDate) : 'at an unknown time'} (at most 26 h)`);
}

async function lastBackup(ctx: VerifyContext): Promise<CheckResult> {
  const { region, vault } = ctx.expected.backup;
  const client = ctx.aws.client(BackupClient, region);
  const jobs = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListBackupJobsCommand({ ByBackupVaultName: vault, ByCreatedAfter: new Date(ctx.now.getTime() - 3 * DAY_MS), NextToken: token }));
    jobs.push(...(page.BackupJobs ?? []));
    token = page.NextToken;
  } while (token);
  return judgeJob(ctx, `backup into ${vault}`, region, lastFinished(jobs));
}

async function lastCopy(ctx: VerifyContext): Promise<CheckResult> {
  const { region, drRegion, drVault } = ctx.expected.backup;
  const destination = `arn:aws:backup:${drRegion}:${ctx.expected.cell.account}:backup-vault:${drVault}`;
  const client = ctx.aws.client(BackupClient, region);
  const jobs = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListCopyJobsCommand({ ByDestinationVaultArn: destination, ByCreatedAfter: new Date(ctx.now.getTime() - 3 * DAY_MS), NextToken: token }));
    jobs.push(...(page.CopyJobs ?? []));
    token = page.NextToken;
  } while (token);
  return judgeJob(ctx, `copy into ${drVault}`, region, lastFinished(jobs));
}

async function vaultLock(ctx: VerifyContext, name: string, region: string): Promise<CheckResult> {
  const vault = await ctx.aws.client(BackupClient, region).send(new DescribeBackupVaultCommand({ BackupVaultName: name }));
  const immutable = vault.LockDate ? (vault.LockDate.getTime() <= ctx.now.getTime() ? `immutable since ${vault.LockDate.toISOString().slice(0, 10)}` : `changeable until ${vault.LockDate.toISOString()}`) : 'no lock date';
  return verdict(
    vault.Locked === true,
    `vault lock ${name}`,
    region,
    vault.Locked ? `locked, minimum retention ${vault.MinRetentionDays ?? '?'} days, ${immutable}` : 'not locked: recovery points can be deleted early',
  );
}

async function restoreTest(ctx: VerifyContext): Promise<CheckResult> {
  const { region, restoreTestingPlan: plan, restoreTargetHours } = ctx.expected.backup;
  const check = 'restore test';
  if (!plan) return fail(check, region, 'the templates declare no restore testing plan');
  const client = ctx.aws.client(BackupClient, region);
  const jobs: RestoreJobsListMember[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListRestoreJobsCommand({ ByCreatedAfter: new Date(ctx.now.getTime() - 40 * DAY_MS), NextToken: token }));
    jobs.push(...(page.RestoreJobs ?? []));
    token = page.NextToken;
  } while (token);
  // Restore tests carry their plan's ARN, `...:restore-testing-plan:<name>-<id>`: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreJobCreator.html
  const ours = jobs.filter((j) => j.CreatedBy?.RestoreTestingPlanArn?.includes(`:restore-testing-plan:${plan.name}`));
  const last = lastFinished(ours.map((j) => ({ ...j, State: j.Status })));
  if (!last) {
    const { StackResourceDetail: resource } = await ctx.aws
      .client(CloudFormationClient, plan.stack.region)
      .send(new DescribeStackResourceCommand({ StackName: plan.stack.stackName, LogicalResourceId: plan.logicalId }));
    const since = resource?.LastUpdatedTimestamp;
    if (since && ctx.now.getTime() - since.getTime() < RESTORE_TEST_MAX_AGE_MS) {
      return skip(check, region, `${plan.name} is in place since ${ago(ctx, since)}; its first monthly restore test is still due (target ${restoreTargetHours} h)`);
    }
    return fail(check, region, `${plan.name} has run no restore test in the last 40 days (it runs monthly)`);
  }
  const when = last.CreationDate ? ago(ctx, last.CreationDate) : 'at an unknown time';
  if (last.Status !== 'COMPLETED') return fail(check, region, `the last restore test (started ${when}) ended ${last.Status}${last.StatusMessage ? `: ${last.StatusMessage}` : ''}`);
  const duration = last.CompletionDate && last.CreationDate ? last.CompletionDate.getTime() - last.CreationDate.getTime() : undefined;
  const problems: string[] = [];
  if (duration === undefined) problems.push('its duration is unknown');
  else if (duration > restoreTargetHours * HOUR_MS) problems.push(`it missed the ${restoreTargetHours} h restore target`);
  if (last.CreationDate && ctx.now.getTime() - last.CreationDate.getTime() > RESTORE_TEST_MAX_AGE_MS) problems.push('it is older than a month: the monthly test stopped');
  if (last.ValidationStatus === 'FAILED') problems.push(`validation FAILED${last.ValidationStatusMessage ? ` (${last.ValidationStatusMessage})` : ''}`);
  if (last.DeletionStatus === 'FAILED') problems.push('the restored test instance was not deleted');
  const facts = `last restore test started ${when}, restored in ${duration === undefined ? '?' : formatDuration(duration)} (target ${restoreTargetHours} h${
    duration !== undefined && duration <= restoreTargetHours * HOUR_MS ? ', met' : ''
  })${last.ValidationStatus ? `, validation ${last.ValidationStatus}` : ''}${last.DeletionStatus ? `, cleanup ${last.DeletionStatus}` : ''}`;
  return problems.length === 0 ? pass(check, region, facts) : fail(check, region, `${facts}: ${problems.join('; ')}`);
}
