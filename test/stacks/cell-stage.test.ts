import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';

describe('CellStage', () => {
  const result = synthesized(fixtureConfig());

  test('one stage per cell, named by the cell id, deployed to the cell account and primary region', () => {
    expect(result.cells.map((c) => [c.stageName, c.account, c.region])).toEqual([
      ['us-east', '111111111111', 'us-east-1'],
      ['eu-central', '222222222222', 'eu-central-1'],
    ]);
  });

  test('every stack of a cell lives under the cell id, so that `cdk deploy \'<cell>/*\'` deploys exactly one cell', () => {
    for (const cell of result.cells) {
      const stacks = cell.stacks;
      expect(stacks.length).toBeGreaterThanOrEqual(2);
      for (const stack of stacks) {
        expect(stack.hierarchicalId.startsWith(`${cell.stageName}/`)).toBe(true);
        expect(stack.environment.account).toBe(cell.account);
      }
    }
  });

  test('every stack is in the cell primary region, except the DR and tenant replica stacks, which are in the cell DR region', () => {
    const { config } = result;
    for (const cell of result.cells) {
      const { primaryRegion, drRegion } = config.cells.find((c) => c.id === cell.stageName)!;
      const regions = Object.fromEntries(cell.stacks.map((s) => [s.hierarchicalId.split('/')[1], s.environment.region]));
      for (const [stack, region] of Object.entries(regions)) {
        const inDr = stack === 'DisasterRecovery' || stack.startsWith('TenantReplica-');
        expect([stack, region]).toEqual([stack, inDr ? drRegion : primaryRegion]);
      }
    }
  });

  test('stacks carry termination protection and cell, jurisdiction and data-classification tags, without PHI', () => {
    for (const cell of result.cells) {
      for (const stack of cell.stacks) {
        expect(stack.terminationProtection).toBe(true);
        expect(stack.tags).toEqual({
          platform: 'vp',
          cell: cell.stageName,
          jurisdiction: cell.stageName === 'us-east' ? 'US' : 'EU',
          'data-classification': 'phi',
        });
      }
    }
  });

  test('resources carry the same tags in the template, where auditors read them', () => {
    const vpc = Object.values(result.templateJson('eu-central/Network').Resources as Record<string, any>).find(
      (r) => r.Type === 'AWS::EC2::VPC',
    );
    expect(vpc.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'cell', Value: 'eu-central' },
        { Key: 'jurisdiction', Value: 'EU' },
        { Key: 'data-classification', Value: 'phi' },
      ]),
    );
  });
});
