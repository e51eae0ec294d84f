import { tmpdir } from 'node:os';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, IApplyRule, NIST80053R5Checks, NagPack } from 'cdk-nag';
import { PackName } from '../compliance/acknowledge';
import { DeploySafetyChecks } from '../compliance/deploy-safety-checks';
import { VoicePlatformChecks } from '../compliance/voice-platform-checks';

/**
 * The packs `registerCompliancePacks` (lib/compliance/packs.ts) registers, constructed the same way.
 * Validations keeps registered plugins private, so the evidence cannot ask the App; instead
 * test/evidence/packs.test.ts captures what registerCompliancePacks registers and fails if this list differs.
 */
export const REGISTERED_PACKS: ReadonlyArray<{ readonly name: PackName; readonly create: () => NagPack }> = [
  { name: 'HIPAA.Security', create: () => new HIPAASecurityChecks(undefined, { verbose: true }) },
  { name: 'AwsSolutions', create: () => new AwsSolutionsChecks(undefined, { verbose: true }) },
  { name: 'NIST.800.53.R5', create: () => new NIST80053R5Checks(undefined, { verbose: true }) },
  { name: 'VoicePlatform', create: () => new VoicePlatformChecks(undefined, { verbose: true }) },
  { name: 'DeploySafety', create: () => new DeploySafetyChecks(undefined, { verbose: true }) },
];

/** A registered pack and the distinct rule ids it applies to every resource. */
export interface PackRules {
  readonly name: string;
  readonly rules: readonly string[];
}

/**
 * Counts each pack's rules by letting it check one probe resource while recording, instead of
 * running, every rule it applies. A cdk-nag pack calls `applyRule` once per rule for every
 * resource; the rule id is `<pack>-<ruleSuffixOverride or rule function name>`, as in its findings.
 * Packs that apply a rule only to some resource types would be undercounted by the probe, so a
 * test compares these counts with the rules applied to the whole synthesized example app.
 */
export function countPackRules(packs = REGISTERED_PACKS.map((p) => p.create())): PackRules[] {
  // An existing directory and no synth: the probe writes nothing.
  const app = new App({ outdir: tmpdir(), autoSynth: false });
  new CfnResource(new Stack(app, 'RuleCountProbe'), 'Probe', { type: 'AWS::CloudFormation::WaitConditionHandle' });
  return packs.map((pack) => ({ name: pack.readPackName || pack.name, rules: rulesAppliedBy(pack, app) }));
}

/** The distinct rule ids a pack applies to the resources under `scope`, without running the rules. */
export function rulesAppliedBy(pack: NagPack, scope: App | Stack): string[] {
  const rules = new Set<string>();
  const recorder = pack as unknown as { applyRule: (params: IApplyRule) => void };
  recorder.applyRule = (params) => rules.add(`${pack.readPackName}-${params.ruleSuffixOverride ?? params.rule.name}`);
  try {
    pack.validateScope(scope);
  } finally {
    delete (recorder as { applyRule?: unknown }).applyRule;
  }
  return [...rules].sort();
}
