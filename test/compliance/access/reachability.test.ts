import { CellTemplates, designedPrincipals, reachability } from '../../../lib/compliance/access';
import { roleBoundaryArn, roleBoundaryDocument } from '../../../lib/deploy/bootstrap-policies';
import { fixtureConfig, fixtureTenantId } from '../../fixtures/config';
import { Synthesized, synthesized } from '../../helpers';

function cellOf(s: Synthesized, cellId = 'us-east'): CellTemplates {
  const cell = s.config.cells.find((c) => c.id === cellId)!;
  return {
    cellId,
    account: cell.account,
    stacks: s.stacks(cellId).map((a) => ({ stackName: a.stackName, region: a.environment.region, template: a.template })),
  };
}

describe('who can reach each clinic\'s data', () => {
  const config = fixtureConfig({ cells: 1, tenantsPerCell: 2 });
  const s = synthesized(config, { packs: false });
  const naming = { platform: config.platform, cell: config.cells[0] };
  const t0 = Date.now();
  const result = reachability(cellOf(s), { designed: designedPrincipals(naming), knownPolicies: { [roleBoundaryArn(naming)]: roleBoundaryDocument(naming) } });
  const elapsed = Date.now() - t0;

  test('dump', () => {
    console.log(elapsed, result.map((c) => c.reachers.map((r) => `${c.clinic} ${r.principal.id} ${r.designed ?? ""} ${r.violation}`).join("\n")).join("\n"));
    expect(result.map((c) => c.clinic)).toEqual([fixtureTenantId('us-east', 1), fixtureTenantId('us-east', 2)]);
  });
});
