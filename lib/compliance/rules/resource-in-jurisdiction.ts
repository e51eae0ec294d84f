import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { REGION_PATTERN, isRegionIn } from '../../config/jurisdictions';
import { CellStage } from '../../cell-stage';
import { resolvedProperties } from './resolve';

/**
 * Every resource of a cell is deployed in a region of the cell's jurisdiction, and names no
 * region outside it anywhere in its properties (a replication destination, an ARN, an endpoint).
 * Findings name each offending region, for example `[eu-west-1]`.
 */
export function ResourceInJurisdiction(node: CfnResource): NagRuleResult {
  const cell = CellStage.of(node)?.cell;
  if (!cell) return NagRuleCompliance.NOT_APPLICABLE;

  const findings = new Set<string>();
  const region = Stack.of(node).region;
  if (Token.isUnresolved(region)) {
    findings.add('region-agnostic-stack');
  } else if (!isRegionIn(cell.jurisdiction, region)) {
    findings.add(region);
  }
  const text = JSON.stringify(resolvedProperties(node));
  for (const named of text.match(REGION_PATTERN) ?? []) {
    if (!isRegionIn(cell.jurisdiction, named)) findings.add(named);
  }
  return findings.size > 0 ? [...findings] : NagRuleCompliance.COMPLIANT;
}
