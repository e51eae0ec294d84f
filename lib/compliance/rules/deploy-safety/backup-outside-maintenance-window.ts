import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { resourcesOf } from '../cell-index';
import { rendered } from './rendered';

const DAY = 24 * 60;
/** Time kept free around RDS's own windows, so that a backup that starts late still misses them. */
export const BACKUP_MARGIN_MINUTES = 60;

/** A daily span in minutes after midnight UTC; `end` may pass midnight (end > DAY). */
interface Span {
  readonly start: number;
  readonly end: number;
}

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** `03:00-04:00` (backup window) or `sun:04:30-sun:05:30` (maintenance window) as a time of day, whatever the weekday. */
export function windowSpan(window: string): Span | undefined {
  const match = /^(?:[a-z]{3}:)?(\d{2}:\d{2})-(?:[a-z]{3}:)?(\d{2}:\d{2})$/.exec(window);
  if (!match) return undefined;
  const start = minutes(match[1]);
  let end = minutes(match[2]);
  if (end <= start) end += DAY;
  return { start, end };
}

/** A daily AWS Backup rule, `cron(m h ...)`, with its start window: when its jobs may start. */
export function scheduleSpan(expression: string, startWindowMinutes: number): Span | undefined {
  const match = /^cron\((\d+) (\d+) /.exec(expression);
  if (!match) return undefined;
  const start = Number(match[2]) * 60 + Number(match[1]);
  return { start, end: start + startWindowMinutes };
}

/** Whether two daily spans overlap on the 24-hour clock, once each widened by a margin. */
export function overlaps(a: Span, b: Span, margin = 0): boolean {
  for (const shift of [-DAY, 0, DAY]) {
    if (a.start - margin < b.end + shift && b.start + shift < a.end + margin) return true;
  }
  return false;
}

/**
 * Backups keep clear of the database's maintenance window. On a DB instance, RDS refuses an
 * automated backup window that overlaps the maintenance window (the create fails). On an AWS
 * Backup plan, every daily rule's start window keeps an hour from each RDS database's maintenance
 * and automated backup windows in the same stack: a snapshot job that meets them waits or fails.
 * Sources: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html#USER_WorkingWithAutomatedBackups.BackupWindow
 * and https://docs.aws.amazon.com/aws-backup/latest/devguide/creating-a-backup-plan.html
 */
export function BackupOutsideMaintenanceWindow(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType === 'AWS::RDS::DBInstance') {
    const { PreferredBackupWindow, PreferredMaintenanceWindow } = rendered(node).Properties;
    const backup = typeof PreferredBackupWindow === 'string' ? windowSpan(PreferredBackupWindow) : undefined;
    const maintenance = typeof PreferredMaintenanceWindow === 'string' ? windowSpan(PreferredMaintenanceWindow) : undefined;
    if (!backup || !maintenance) return ['windows-not-set'];
    return overlaps(backup, maintenance) ? ['automated-backup-in-maintenance-window'] : NagRuleCompliance.COMPLIANT;
  }
  if (node.cfnResourceType !== 'AWS::Backup::BackupPlan') return NagRuleCompliance.NOT_APPLICABLE;
  const databases = resourcesOf(Stack.of(node)).all.filter((r) => r.cfnResourceType === 'AWS::RDS::DBInstance').map((r) => rendered(r).Properties);
  const planRules = (rendered(node).Properties.BackupPlan?.BackupPlanRule ?? []) as Array<Record<string, any>>;
  const findings = new Set<string>();
  for (const rule of planRules) {
    // AWS Backup's default start window is 8 hours.
    const span = scheduleSpan(String(rule.ScheduleExpression ?? ''), Number(rule.StartWindowMinutes ?? 480));
    if (!span) {
      findings.add(`${rule.RuleName}:schedule-not-daily-cron`);
      continue;
    }
    for (const db of databases) {
      const maintenance = typeof db.PreferredMaintenanceWindow === 'string' ? windowSpan(db.PreferredMaintenanceWindow) : undefined;
      const automated = typeof db.PreferredBackupWindow === 'string' ? windowSpan(db.PreferredBackupWindow) : undefined;
      if (!maintenance || !automated) findings.add(`${rule.RuleName}:database-windows-not-set`);
      if (maintenance && overlaps(span, maintenance, BACKUP_MARGIN_MINUTES)) findings.add(`${rule.RuleName}:meets-maintenance-window`);
      if (automated && overlaps(span, automated, BACKUP_MARGIN_MINUTES)) findings.add(`${rule.RuleName}:meets-automated-backup-window`);
    }
  }
  return findings.size > 0 ? [...findings] : NagRuleCompliance.COMPLIANT;
}
