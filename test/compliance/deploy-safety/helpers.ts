import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { fixtureConfig } from '../../fixtures/config';
import { SynthesizedApp, synthesize } from '../../helpers';

/** One synthesis of a one-cell, one-clinic fixture (without packs), whose constructs the rules are applied to. */
let ours: SynthesizedApp | undefined;
export function ourCell(): SynthesizedApp {
  ours ??= synthesize(fixtureConfig({ cells: 1, tenantsPerCell: 1 }), { packs: false });
  return ours;
}

/** Every resource of our cell that a rule applies to, with its verdict, as `path: verdict`. */
export function verdictsOnOurCell(rule: (node: CfnResource) => NagRuleResult): Record<string, NagRuleResult> {
  const verdicts: Record<string, NagRuleResult> = {};
  for (const c of ourCell().app.node.findAll()) {
    if (!CfnResource.isCfnResource(c)) continue;
    const verdict = rule(c as CfnResource);
    if (verdict !== NagRuleCompliance.NOT_APPLICABLE) verdicts[c.node.path] = verdict;
  }
  return verdicts;
}

/** The non-compliant verdicts only. */
export function failuresOnOurCell(rule: (node: CfnResource) => NagRuleResult): Record<string, NagRuleResult> {
  return Object.fromEntries(Object.entries(verdictsOnOurCell(rule)).filter(([, v]) => v !== NagRuleCompliance.COMPLIANT));
}

/** A bare stack in the fixture's account and region, for a broken shape; `app.synth()` resolves its dependencies. */
export function bareStack(): { app: App; stack: Stack } {
  const app = new App({ context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
  const stack = new Stack(app, 'Broken', { env: { account: '111111111111', region: 'us-east-1' } });
  return { app, stack };
}
