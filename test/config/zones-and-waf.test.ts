import { ConfigError, validateConfig } from '../../lib/config';
import { cell, fixtureConfig, rawFixtureConfig } from '../fixtures/config';

function problemsOf(edit: (raw: any) => void): string[] {
  try {
    validateConfig(rawFixtureConfig({ cells: 2, tenantsPerCell: 1, edit }), 'test.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...e.problems];
  }
}

describe('hosted zones: one delegated zone per cell', () => {
  test('refuses two cells that claim the same zone name with different ids', () => {
    const problems = problemsOf((raw) => {
      for (const id of ['us-east', 'eu-central'] as const) {
        cell(raw, id).voice.hostedZoneName = 'example.com';
        cell(raw, id).voice.domainName = `voice-${id}.example.com`;
      }
    });
    expect(problems).toEqual([
      expect.stringMatching(/^cells\[1\] \(eu-central\)\.voice\.hostedZoneName: zone "example\.com" \(Z0000000000FIXTUREEU\) is already claimed by cell "us-east" \(Z0000000000FIXTUREUS\); only one zone of a name can be delegated/),
    ]);
  });

  test('refuses the same zone in two cells even with the same id: each cell is its own account', () => {
    const problems = problemsOf((raw) => {
      cell(raw, 'eu-central').voice.hostedZoneName = cell(raw, 'us-east').voice.hostedZoneName;
      cell(raw, 'eu-central').voice.hostedZoneId = cell(raw, 'us-east').voice.hostedZoneId;
      cell(raw, 'eu-central').voice.domainName = `eu.${cell(raw, 'us-east').voice.hostedZoneName}`;
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('ACM can write validation records only into a zone of the cell\'s own account');
  });

  test('accepts a zone of its own per cell', () => {
    expect(problemsOf(() => undefined)).toEqual([]);
  });
});

describe('voice.waf', () => {
  test('defaults to 2,000 requests per five minutes per address and no exempt ranges', () => {
    expect(fixtureConfig({ cells: 1, tenantsPerCell: 1 }).cells[0].voice.waf).toEqual({ rateLimitPerFiveMinutes: 2000, rateLimitExemptCidrs: [] });
  });

  test('names the field of a limit WAF would refuse and of a range that is not a CIDR block', () => {
    const problems = problemsOf((raw) => {
      cell(raw, 'us-east').voice.waf = { rateLimitPerFiveMinutes: 5, rateLimitExemptCidrs: ['203.0.113.0/33'] };
    });
    expect(problems).toEqual([
      'cells[0] (us-east).voice.waf.rateLimitPerFiveMinutes: must be at least 10, the lowest rate limit AWS WAF accepts',
      expect.stringMatching(/^cells\[0\] \(us-east\)\.voice\.waf\.rateLimitExemptCidrs\[0\]: must be an IPv4 CIDR block/),
    ]);
  });
});
