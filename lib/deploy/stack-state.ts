import { CloudFormationClient, StackStatus, paginateListStackResources, paginateListStacks } from '@aws-sdk/client-cloudformation';
import { CellConfig, TenantConfig } from '../config';
import { PreflightError } from './preflight';

/**
 * The stacks of a cell by construct id, as `lib/cell-stage.ts` creates them (a test keeps the two in
 * step), and the region each is deployed to. Tenant stacks are added per clinic of the cell.
 */
export const CELL_STACK_IDS = {
  primary: ['Keys', 'Network', 'Audit', 'Detection', 'Data', 'Registry', 'Voice', 'Access'],
  disasterRecovery: ['DisasterRecovery'],
} as const;

/** A stack of the cell as CloudFormation names it: `<cell>-<stack id>` (the Stage prefix of CDK). */
export interface CellStackRef {
  readonly stackName: string;
  readonly region: string;
}

/** Every CloudFormation stack of a cell, with its region. */
export function cellStacks(cell: CellConfig, tenants: readonly TenantConfig[]): CellStackRef[] {
  const inCell = tenants.filter((t) => t.cell === cell.id);
  const primary = [...CELL_STACK_IDS.primary, ...inCell.map((t) => `Tenant-${t.id}`)];
  const dr = [...CELL_STACK_IDS.disasterRecovery, ...inCell.map((t) => `TenantReplica-${t.id}`)];
  return [
    ...primary.map((id) => ({ stackName: `${cell.id}-${id}`, region: cell.primaryRegion })),
    ...dr.map((id) => ({ stackName: `${cell.id}-${id}`, region: cell.drRegion })),
  ];
}

/** States in which `cdk deploy` cannot proceed and a person must act first. */
const NEEDS_RECOVERY: readonly string[] = [
  StackStatus.ROLLBACK_COMPLETE,
  StackStatus.ROLLBACK_FAILED,
  StackStatus.CREATE_FAILED,
  StackStatus.UPDATE_FAILED,
  StackStatus.UPDATE_ROLLBACK_FAILED,
  StackStatus.DELETE_FAILED,
  StackStatus.IMPORT_ROLLBACK_FAILED,
];
/** States of a running operation: a deploy now would fail, or interfere with it. */
const BUSY: readonly string[] = Object.values(StackStatus).filter((s) => s.endsWith('_IN_PROGRESS') && s !== StackStatus.REVIEW_IN_PROGRESS);

/** A resource that a rolled-back stack kept (DeletionPolicy Retain) and that may block the retry by name. */
export interface RetainedResource {
  readonly type: string;
  readonly physicalId: string;
  readonly logicalId: string;
}

/**
 * Asks CloudFormation, in the cell's primary and DR regions, for the state of every stack of the
 * cell. Refuses (PreflightError) when one is in ROLLBACK_COMPLETE or a *_FAILED state, with the
 * exact steps that make a retry possible, or while an operation is still running. Read-only.
 */
export async function checkCellStacks(
  cell: CellConfig,
  tenants: readonly TenantConfig[],
  cloudFormation: (region: string) => CloudFormationClient,
): Promise<void> {
  const wanted = cellStacks(cell, tenants);
  const regions = [...new Set(wanted.map((s) => s.region))];
  for (const region of regions) {
    const names = new Set(wanted.filter((s) => s.region === region).map((s) => s.stackName));
    const client = cloudFormation(region);
    try {
      for await (const page of paginateListStacks({ client }, { StackStatusFilter: [...NEEDS_RECOVERY, ...BUSY] as StackStatus[] })) {
        for (const summary of page.StackSummaries ?? []) {
          const name = summary.StackName ?? '';
          const status = summary.StackStatus ?? '';
          if (!names.has(name)) continue;
          if (BUSY.includes(status)) {
            throw new PreflightError(
              'stack-busy',
              `Refusing to deploy cell "${cell.id}": stack ${name} in ${region} is ${status}, so another deployment or rollback is still ` +
                `running. Nothing was deployed. Wait for it to finish (\`aws cloudformation describe-stacks --stack-name ${name} --region ${region}\`) ` +
                'and run again.',
            );
          }
          const retained = status === StackStatus.ROLLBACK_COMPLETE ? await retainedResources(client, name) : [];
          throw new PreflightError('stack-needs-recovery', recoverySteps(cell, name, region, status, retained));
        }
      }
    } finally {
      client.destroy();
    }
  }
}

async function retainedResources(client: CloudFormationClient, stackName: string): Promise<RetainedResource[]> {
  const kept: RetainedResource[] = [];
  for await (const page of paginateListStackResources({ client }, { StackName: stackName })) {
    for (const r of page.StackResourceSummaries ?? []) {
      // A rolled-back create marks what its DeletionPolicy kept as DELETE_SKIPPED.
      if (r.ResourceStatus === 'DELETE_SKIPPED' && r.PhysicalResourceId) {
        kept.push({ type: r.ResourceType ?? 'unknown', physicalId: r.PhysicalResourceId, logicalId: r.LogicalResourceId ?? '' });
      }
    }
  }
  return kept;
}

/** What to do with one resource a rolled-back create kept, so that the retry can create it again. */
function retainedStep(r: RetainedResource, region: string, cellId: string, stackPath: string): string {
  const id = r.physicalId;
  switch (r.type) {
    case 'AWS::S3::Bucket':
      return id.includes('-audit-')
        ? `${r.type} ${id}: the audit archive; it may hold audit records under Object Lock and must be kept. Import it into the new stack ` +
            `instead of creating it: \`npx cdk import '${stackPath}'\` (answer with the bucket name ${id}), then \`npm run deploy -- ${cellId}\`.`
        : `${r.type} ${id}: if it is empty (\`aws s3api list-object-versions --bucket ${id} --max-items 1\`), delete it: ` +
            `\`aws s3api delete-bucket --bucket ${id} --region ${region}\`; otherwise import it with \`npx cdk import '${stackPath}'\`.`;
    case 'AWS::RDS::DBInstance':
      return (
        `${r.type} ${id}: a database created by the failed create, which never received data (migrations run after it). Remove it: ` +
        `\`aws rds modify-db-instance --db-instance-identifier ${id} --no-deletion-protection --apply-immediately --region ${region}\`, then ` +
        `\`aws rds delete-db-instance --db-instance-identifier ${id} --skip-final-snapshot --delete-automated-backups --region ${region}\` ` +
        `and \`aws rds wait db-instance-deleted --db-instance-identifier ${id} --region ${region}\`.`
      );
    case 'AWS::Logs::LogGroup':
      return `${r.type} ${id}: \`aws logs delete-log-group --log-group-name ${id} --region ${region}\` (or keep and import it with \`npx cdk import '${stackPath}'\`).`;
    case 'AWS::KMS::Key':
      return `${r.type} ${id}: not named, so it does not block the retry; schedule its deletion once nothing uses it (\`aws kms schedule-key-deletion --key-id ${id} --pending-window-in-days 30 --region ${region}\`).`;
    default:
      return `${r.type} ${id}: delete it if it holds nothing, or import it with \`npx cdk import '${stackPath}'\`.`;
  }
}

/** The message for a stack that must be recovered by hand: why, and the commands, in order. */
export function recoverySteps(cell: CellConfig, stackName: string, region: string, status: string, retained: readonly RetainedResource[]): string {
  const stackPath = `${cell.id}/${stackName.slice(cell.id.length + 1)}`;
  const at = `--stack-name ${stackName} --region ${region}`;
  const why = `aws cloudformation describe-stack-events ${at} --query "StackEvents[?contains(ResourceStatus, 'FAILED')].[LogicalResourceId,ResourceStatusReason]" --output table`;
  const unprotect = `aws cloudformation update-termination-protection --no-enable-termination-protection ${at}`;
  const rerun = `npm run deploy -- ${cell.id}`;
  const head = `Refusing to deploy cell "${cell.id}": stack ${stackName} in ${region} is ${status}. Nothing was deployed.`;
  const numbered = (steps: string[]) => steps.map((s, i) => `  ${i + 1}. ${s}`).join('\n');
  switch (status) {
    case StackStatus.ROLLBACK_COMPLETE:
      return (
        `${head} Its first create failed and was rolled back; CloudFormation cannot update such a stack, and cdk cannot replace it ` +
        'while termination protection is on. Recover it:\n' +
        numbered([
          `Find and fix the cause: \`${why}\`.`,
          `Turn off termination protection of the failed stack (the next deploy turns it on again): \`${unprotect}\`.`,
          `Delete the empty stack: \`aws cloudformation delete-stack ${at}\` and \`aws cloudformation wait stack-delete-complete ${at}\`.`,
          ...(retained.length > 0
            ? [`The rolled-back create kept ${retained.length === 1 ? 'this resource' : 'these resources'}, whose names would block the retry:\n` + retained.map((r) => `     - ${retainedStep(r, region, cell.id, stackPath)}`).join('\n')]
            : []),
          `Deploy again: \`${rerun}\`.`,
        ])
      );
    case StackStatus.CREATE_FAILED:
      return (
        `${head} Its first create failed and was not rolled back (deployed with --no-rollback). Recover it:\n` +
        numbered([
          `Find and fix the cause: \`${why}\`.`,
          `Roll it back, deleting what the failed create made: \`aws cloudformation rollback-stack ${at} --retain-except-on-create\`, then \`aws cloudformation wait stack-rollback-complete ${at}\`.`,
          `Run \`${rerun}\` again: it prints the next steps if the stack is now ROLLBACK_COMPLETE.`,
        ])
      );
    case StackStatus.ROLLBACK_FAILED:
      return (
        `${head} Its first create failed and CloudFormation could not delete everything it had made (often a bucket that is not empty). Recover it:\n` +
        numbered([
          `Find the resources that could not be deleted, and why: \`${why}\`.`,
          `Turn off termination protection: \`${unprotect}\`.`,
          `Delete the stack, leaving those resources in place: \`aws cloudformation delete-stack ${at} --deletion-mode FORCE_DELETE_STACK\` and \`aws cloudformation wait stack-delete-complete ${at}\`.`,
          `For each resource left behind with a fixed name: delete it if it is empty and holds no audit record, or import it with \`npx cdk import '${stackPath}'\`.`,
          `Deploy again: \`${rerun}\`.`,
        ])
      );
    case StackStatus.UPDATE_ROLLBACK_FAILED:
      return (
        `${head} An update failed and its rollback failed too; the stack keeps running resources but accepts no change. Recover it:\n` +
        numbered([
          `Find the resources that could not roll back, and why: \`${why}\`.`,
          `Fix what blocks them (a resource changed or deleted outside CloudFormation, a missing permission), then continue the rollback: ` +
            `\`aws cloudformation continue-update-rollback ${at}\` and \`aws cloudformation wait stack-rollback-complete ${at}\`. ` +
            'Only if a resource cannot be repaired, skip it with `--resources-to-skip <LogicalId>` (never a database, bucket or key).',
          `Deploy again: \`${rerun}\`.`,
        ])
      );
    case StackStatus.UPDATE_FAILED:
      return (
        `${head} An update failed and was not rolled back (deployed with --no-rollback). Recover it:\n` +
        numbered([`Find and fix the cause: \`${why}\`.`, `Roll back to the last working state: \`aws cloudformation rollback-stack ${at}\` and \`aws cloudformation wait stack-rollback-complete ${at}\`.`, `Deploy again: \`${rerun}\`.`])
      );
    default:
      return (
        `${head} Someone tried to delete or import into this stack and it failed part way; a deploy now would act on a half-removed stack. ` +
        `Find out what happened (\`${why}\`) and finish or undo that operation before running \`${rerun}\` again.`
      );
  }
}
