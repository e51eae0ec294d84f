import { ConfigError, endpointsFor, validateConfig } from '../../lib/config';
import { cell, fixtureTenantId, rawFixtureConfig, RawConfig } from '../fixtures/config';

/** The problems reported for a fixture edited by `edit`, or [] when it is valid. */
function problemsOf(edit: (raw: RawConfig) => void): string[] {
  try {
    validateConfig(rawFixtureConfig({ cells: 2, tenantsPerCell: 2, edit }), 'test.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...e.problems];
  }
}

const tenant = (raw: RawConfig, id: string): RawConfig => (raw.tenants as RawConfig[]).find((t) => t.id === id)!;
const sp = (raw: RawConfig, id: string): RawConfig => (raw.subProcessors as RawConfig[]).find((s) => s.id === id)!;
const US1 = fixtureTenantId('us-east', 1);
const US2 = fixtureTenantId('us-east', 2);
const EU1 = fixtureTenantId('eu-central', 1);

describe('clinic phone numbers', () => {
  test('accepts each clinic answering its own numbers of its jurisdiction', () => {
    expect(problemsOf((raw) => tenant(raw, US1).phoneNumbers.push('+12025550150'))).toEqual([]);
  });

  test('refuses a number claimed by two clinics, naming both clinics and the fix', () => {
    expect(problemsOf((raw) => (tenant(raw, US2).phoneNumbers = ['+12025550101']))).toEqual([
      `tenants[1] (${US2}).phoneNumbers[0]: +12025550101 is already answered by clinic "${US1}": a called number must map to exactly one clinic; remove it from one of them`,
    ]);
  });

  test('refuses a number across clinics of two cells as well', () => {
    const problems = problemsOf((raw) => (tenant(raw, EU1).phoneNumbers = ['+33199000102', '+12025550101']));
    expect(problems).toContain(
      `tenants[2] (${EU1}).phoneNumbers[1]: +12025550101 is already answered by clinic "${US1}": a called number must map to exactly one clinic; remove it from one of them`,
    );
    expect(problems.find((p) => p.includes('is not a number of a EU country'))).toMatch(/^tenants\[2\] \(eu-central-c001\)\.phoneNumbers\[1\]: \+12025550101/);
  });

  test.each([
    ['a US clinic', US1, '+33199000150', 'US', '+1'],
    ['an EU clinic', EU1, '+12025550150', 'EU', '+49'],
    ['an EU clinic with a UK number (not in the EU)', EU1, '+442079460150', 'EU', '+33'],
  ])('refuses %s answering a number of another jurisdiction', (_what, id, number, jurisdiction, listed) => {
    const problems = problemsOf((raw) => (tenant(raw, id).phoneNumbers = [number]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`(${id}).phoneNumbers[0]: ${number} is not a number of a ${jurisdiction} country`);
    expect(problems[0]).toContain(listed);
  });

  test.each(['2025550101', '+1 202 555 0101', '+0123456789', '+1202555010112345'])('refuses %j, which is not E.164', (number) => {
    const problems = problemsOf((raw) => (tenant(raw, US1).phoneNumbers = [number]));
    expect(problems).toEqual([`tenants[0] (${US1}).phoneNumbers[0]: must be a phone number in E.164 form: "+", the country code and the number, digits only (for example "+12025550101")`]);
  });
});

describe('telephony signature scheme', () => {
  test('defaults to the Twilio scheme with a 60-second replay window', () => {
    const config = validateConfig(rawFixtureConfig({ cells: 1 }), 'test.yaml');
    expect(config.cells[0].voice.telephony).toEqual({ signatureScheme: 'twilio-hmac-sha1', replayWindowSeconds: 60 });
  });

  test('refuses a scheme the broker does not implement, listing those it does', () => {
    expect(problemsOf((raw) => (cell(raw, 'us-east').voice.telephony = { signatureScheme: 'vonage-jwt' }))).toEqual([
      'cells[0] (us-east).voice.telephony.signatureScheme: must be one of the signature schemes the credential broker implements: twilio-hmac-sha1',
    ]);
  });
});

describe('sub-processor endpoints', () => {
  test('an EU cell reaches a vendor\'s EU endpoints, a US cell its US ones, and a global vendor the same hosts from both', () => {
    const config = validateConfig(rawFixtureConfig({ cells: 2 }), 'test.yaml');
    const speech = config.subProcessors.find((s) => s.id === 'fixture-voice-ai')!;
    const telephony = config.subProcessors.find((s) => s.id === 'fixture-telephony')!;
    expect(endpointsFor(speech, 'EU')).toEqual(['api.eu.speech.example.com']);
    expect(endpointsFor(speech, 'US')).toEqual(['api.us.speech.example.com']);
    expect(endpointsFor(telephony, 'EU')).toEqual(endpointsFor(telephony, 'US'));
  });

  test('refuses a cell whose voice service uses a sub-processor without endpoints', () => {
    expect(problemsOf((raw) => delete sp(raw, 'fixture-voice-ai').endpoints)).toEqual(
      ['cells[0] (us-east)', 'cells[1] (eu-central)'].map(
        (where, i) =>
          `${where}.subProcessors[1]: sub-processor "Fixture Speech AI Ltd." (fixture-voice-ai) used by ${['US', 'EU'][i]} cell "${['us-east', 'eu-central'][i]}" declares no endpoints, so the cell's DNS firewall would let the voice service reach nothing there; list its host names under subProcessors[].endpoints (${['US', 'EU'][i]} for a regional host, or global)`,
      ),
    );
  });

  test('refuses an EU cell using a vendor that declares regional endpoints but none in the EU', () => {
    expect(problemsOf((raw) => (sp(raw, 'fixture-voice-ai').endpoints = { US: ['api.us.speech.example.com'], global: ['api.speech.example.com'] }))).toEqual([
      'cells[1] (eu-central).subProcessors[1]: sub-processor "Fixture Speech AI Ltd." (fixture-voice-ai) used by EU cell "eu-central" declares regional endpoints (US) but none for EU: the voice service would have nowhere in its jurisdiction to send the call; add subProcessors[].endpoints.EU or stop using the vendor in this cell',
    ]);
  });

  test('refuses an EU endpoint that is also the vendor\'s US endpoint (outside the jurisdiction)', () => {
    expect(problemsOf((raw) => (sp(raw, 'fixture-voice-ai').endpoints.EU = ['api.eu.speech.example.com', 'api.us.speech.example.com']))).toEqual([
      'cells[1] (eu-central).subProcessors[1]: sub-processor "Fixture Speech AI Ltd." (fixture-voice-ai) used by EU cell "eu-central" lists api.us.speech.example.com as an EU endpoint and as an endpoint of another jurisdiction: a host that serves both is not inside the EU; list only the vendor\'s EU hosts under endpoints.EU',
    ]);
  });

  test('refuses the endpoints of a PHI vendor without the contract the cell needs (the contract problem, once)', () => {
    expect(problemsOf((raw) => (sp(raw, 'fixture-voice-ai').baa = { signed: false }))).toEqual([
      'cells[0] (us-east).subProcessors[1]: sub-processor "Fixture Speech AI Ltd." sees PHI in US cell "us-east" but has no signed BAA; sign one or stop using it in this cell',
    ]);
  });

  test('refuses a host name that is not one', () => {
    const problems = problemsOf((raw) => (sp(raw, 'fixture-telephony').endpoints.global = ['https://api.telephony.example.com']));
    expect(problems).toContain(
      'subProcessors[0] (fixture-telephony).endpoints.global[0]: must be a lower-case host name such as "api.example.com" (a leading "*." allows its subdomains)',
    );
  });
});
