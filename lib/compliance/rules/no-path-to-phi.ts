import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { CellStage } from '../../cell-stage';
import { CellTemplates, ClinicReach, cellReachability } from '../access';

/**
 * No principal other than the designed ones (lib/compliance/access/designed.ts) can reach a clinic's
 * PHI, by any chain of assumed roles. Computed once per cell from its synthesized templates; the
 * finding is reported on the role where the undesigned path starts (for a service or an account,
 * the first role it assumes). Finding: `all-clinics`, or the clinic ids.
 */
export function NoPathToPhi(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::IAM::Role') return NagRuleCompliance.NOT_APPLICABLE;
  const stage = CellStage.of(node);
  if (!stage) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = violationsOf(stage);
  if (!findings) return NagRuleCompliance.NOT_APPLICABLE;
  const stack = Stack.of(node);
  const clinics = findings.byRole.get(`${stack.stackName}/${stack.resolve(node.logicalId)}`);
  if (!clinics) return NagRuleCompliance.COMPLIANT;
  if (clinics.size === findings.clinics) return ['all-clinics'];
  const ids = [...clinics].sort();
  return [ids.length > 5 ? `${ids.slice(0, 5).join('+')}+${ids.length - 5}-more` : ids.join('+')];
}

interface CellFindings {
  readonly clinics: number;
  readonly byRole: Map<string, Set<string>>;
}

const cache = new WeakMap<CellStage, CellFindings | undefined>();

function violationsOf(stage: CellStage): CellFindings | undefined {
  if (cache.has(stage)) return cache.get(stage);
  const templates = cellTemplatesOnDisk(stage);
  let findings: CellFindings | undefined;
  if (templates) {
    const naming = { platform: stage.platform, cell: stage.cell };
    const result = cellReachability(templates, naming);
    findings = { clinics: result.length, byRole: rolesToBlame(result) };
  }
  cache.set(stage, findings);
  return findings;
}

/** The role each violating path starts from, with the clinics it reaches. */
function rolesToBlame(result: readonly ClinicReach[]): Map<string, Set<string>> {
  const byRole = new Map<string, Set<string>>();
  for (const clinic of result) {
    for (const reach of clinic.reachers) {
      if (!reach.violation) continue;
      const where = reach.principal.where ?? clinic.reachers.find((r) => r.principal.id === reach.path[0].resource)?.principal.where;
      if (where) byRole.set(where, (byRole.get(where) ?? new Set()).add(clinic.clinic));
    }
  }
  return byRole;
}

/** The cell's templates as synthesized: validation runs after the templates are written. */
function cellTemplatesOnDisk(stage: CellStage): CellTemplates | undefined {
  const stacks = stage.node.findAll().filter((c): c is Stack => Stack.isStack(c) && CellStage.of(c) === stage);
  const read = stacks.map((s) => {
    const file = path.join(stage.outdir, s.templateFile);
    return existsSync(file) ? { stackName: s.stackName, region: s.region, template: JSON.parse(readFileSync(file, 'utf8')) } : undefined;
  });
  if (read.some((r) => !r)) return undefined;
  return { cellId: stage.cell.id, account: stage.cell.account, stacks: read as CellTemplates['stacks'] };
}
