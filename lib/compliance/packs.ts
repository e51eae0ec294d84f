import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, NagPack } from 'cdk-nag';
import { DeploySafetyChecks } from './deploy-safety-checks';
import { VoicePlatformChecks } from './voice-platform-checks';

/**
 * Registers every compliance pack once on the App, so that they check every cell. Any finding
 * that is not acknowledged makes `app.synth()` throw and `cdk synth` exit non-zero.
 */
export function registerCompliancePacks(app: App): void {
  Validations.of(app).addPlugins(
    new HIPAASecurityChecks(app, { verbose: true }),
    new AwsSolutionsChecks(app, { verbose: true }),
    new NIST80053R5Checks(app, { verbose: true }),
    ...ownPacks(app),
  );
}

/** Our own packs: what the cdk-nag packs do not check. Their rules' tests run these alone, for speed. */
export function ownPacks(app: App): NagPack[] {
  return [new VoicePlatformChecks(app, { verbose: true }), new DeploySafetyChecks(app, { verbose: true })];
}
