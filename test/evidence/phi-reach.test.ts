import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { synthesized } from '../helpers';
import { evidenceOf, linesWith } from './support';

const config = fixtureConfig({ cells: 1, tenantsPerCell: 3 });
const result = synthesized(config, { packs: true });
const report = evidenceOf(result, result.configFile)['us-east'];
const start = report.indexOf('## Who can reach each clinic\'s data');
const reach = report.slice(start, report.indexOf('\n## ', start + 1));

describe('evidence: who can reach each clinic\'s data', () => {
  test('groups clinics of the same shape into one table instead of repeating rows per clinic', () => {
    expect(start).toBeGreaterThan(0);
    // Every clinic has the same shape here: one table for all of them, whatever their number.
    expect(linesWith(reach, '**All 3 clinics of the cell**')).toHaveLength(1);
    expect(reach).not.toContain(fixtureTenantId('us-east', 1));
    expect(linesWith(reach, '| Principal |')).toHaveLength(1);
  });

  test('names each principal, its path and the alert that fires when break-glass is used', () => {
    // Every path is designed, so the verdict is written once below the table.
    expect(reach).toContain('_In every row:_ **Verdict**: designed.');
    const breakGlass = linesWith(reach, '| `role/vp-us-east-break-glass` |', 'break-glass');
    expect(breakGlass).toHaveLength(1);
    expect(breakGlass[0]).toMatch(/EventBridge rule|metric filter/);
    expect(linesWith(reach, '| `role/vp-us-east-tenant-{clinic}` |', 'clinic role', 's3:GetObject + kms:Decrypt')).toHaveLength(1);
    // The credential broker obtains each clinic's role per call, by design; the voice task holds no path.
    expect(linesWith(reach, '| `role/vp-us-east-credential-broker` |', 'sts:AssumeRole role/vp-us-east-tenant-{clinic}')).toHaveLength(1);
    expect(reach).not.toContain('vp-us-east-voice-task');
    expect(reach).not.toContain('**not designed**');
    expect(reach).not.toContain('vp-us-east-operator');
    expect(reach).not.toContain('vp-us-east-auditor');
    expect(reach).toContain('`role/<name>` is a role of the cell\'s account `111111111111`');
  });
});
