import { App, IPolicyValidationPlugin, Validations } from 'aws-cdk-lib';
import { NagPack } from 'cdk-nag';
import { PackName } from '../../lib/compliance/acknowledge';
import { registerCompliancePacks } from '../../lib/compliance';
import { REGISTERED_PACKS, countPackRules, rulesAppliedBy } from '../../lib/evidence/packs';
import { fixtureConfig } from '../fixtures/config';
import { synthesize } from '../helpers';

/** What registerCompliancePacks registers, captured at the one call it makes (Validations has no getter). */
function registeredBy(register: (app: App) => void): IPolicyValidationPlugin[] {
  const spy = jest.spyOn(Validations.prototype, 'addPlugins');
  try {
    register(new App());
    return spy.mock.calls.flat();
  } finally {
    spy.mockRestore();
  }
}

describe('the packs the evidence pack reports on', () => {
  const registered = registeredBy(registerCompliancePacks);

  test('are exactly the packs registerCompliancePacks registers, in order, of the same classes', () => {
    expect(REGISTERED_PACKS.map((p) => p.name)).toEqual(registered.map((p) => p.name));
    REGISTERED_PACKS.forEach((pack, i) => expect(pack.create().constructor).toBe(registered[i].constructor));
  });

  test('are the packs whose findings lib/compliance/acknowledge.ts can acknowledge', () => {
    const acknowledgeable: PackName[] = ['HIPAA.Security', 'AwsSolutions', 'NIST.800.53.R5', 'VoicePlatform', 'DeploySafety'];
    expect(REGISTERED_PACKS.map((p) => p.name).sort()).toEqual([...acknowledgeable].sort());
  });

  test('count the same rules on one probe resource as on every resource of a synthesized app', () => {
    const probe = countPackRules();
    const { app } = synthesize(fixtureConfig({ tenantsPerCell: 1 }), { packs: false });
    for (const [i, pack] of REGISTERED_PACKS.entries()) {
      const onApp = rulesAppliedBy(pack.create(), app);
      expect(probe[i].name).toBe(pack.name);
      expect(probe[i].rules).toEqual(onApp);
      expect(onApp.length).toBeGreaterThan(0);
      expect(onApp.every((r) => r.startsWith(`${pack.name}-`))).toBe(true);
    }
  });

  test('count the registered instances\' rules the same as freshly constructed ones', () => {
    const fromRegistration = countPackRules(registered as NagPack[]);
    expect(fromRegistration).toEqual(countPackRules());
  });

  test('leave the packs able to run their rules after counting', () => {
    const pack = REGISTERED_PACKS[0].create();
    rulesAppliedBy(pack, new App());
    expect(Object.prototype.hasOwnProperty.call(pack, 'applyRule')).toBe(false);
  });
});
