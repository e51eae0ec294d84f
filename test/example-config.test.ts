import { DEFAULT_CONFIG_PATH, loadConfig } from '../lib/config';
import { synthesized } from './helpers';

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
});
