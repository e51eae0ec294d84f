import { DEFAULT_CONFIG_PATH, loadConfig } from '../lib/config';
import { evidenceOf } from './evidence/support';
import { synthesized } from './helpers';

/**
 * The Markdown pack of the example's US cell was 129,129 bytes before issue 16 grouped it; the budget is half
 * of that, 64,564 bytes, not reached yet. Grouping without losing a fact has reached about 123,400 bytes here (paths of
 * the test's scratch folders included): this guards against growth until the budget is met.
 */
const US_PACK_BYTES_REACHED = 124_000;
const US_PACK_BYTES_BUDGET = 64_564;

/**
 * The only test that reads the user's configuration: whatever clinics and cells it holds, the
 * example as shipped (and the user's, once edited) synthesizes with every pack and no open finding.
 * Every other test builds its own configuration (test/fixtures/config.ts).
 */
describe('config/platform.yaml', () => {
  const result = synthesized(loadConfig(DEFAULT_CONFIG_PATH));

  test('synthesizes with every compliance pack and zero open findings', () => {
    expect(result.stacks().length).toBeGreaterThan(0);
    expect(result.report.pluginReports.map((r) => r.pluginName)).toEqual(expect.arrayContaining(['HIPAA.Security', 'AwsSolutions', 'NIST.800.53.R5', 'VoicePlatform']));
    expect(result.openFindings()).toEqual([]);
  });

  test('its US cell evidence pack does not grow past the size grouping reached (budget: half of 129,129 bytes)', () => {
    const us = evidenceOf(result)['us-east'];
    const bytes = Buffer.byteLength(us, 'utf8');
    expect(bytes).toBeLessThanOrEqual(Math.max(US_PACK_BYTES_REACHED, US_PACK_BYTES_BUDGET));
  });
});
