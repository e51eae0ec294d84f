import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { rendered } from './rendered';

/**
 * An RDS database either names only its major engine version and takes automatic minor upgrades,
 * or pins a minor version with automatic upgrades off. A pinned minor with upgrades on is a time
 * bomb: RDS upgrades the instance and later retires that minor, so an update of a template that
 * still names it, or a new cell created from it, fails.
 * Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html
 */
export function DatabaseEngineVersionPolicy(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::RDS::DBInstance' && node.cfnResourceType !== 'AWS::RDS::DBCluster') return NagRuleCompliance.NOT_APPLICABLE;
  const props = rendered(node).Properties;
  const version = props.EngineVersion;
  if (version === undefined) return NagRuleCompliance.COMPLIANT;
  if (typeof version !== 'string') return ['engine-version-not-literal'];
  // AutoMinorVersionUpgrade defaults to true on RDS.
  const autoUpgrade = props.AutoMinorVersionUpgrade !== false && props.AutoMinorVersionUpgrade !== 'false';
  const pinsMinor = /^\d+\.\d+/.test(version);
  return pinsMinor && autoUpgrade ? ['minor-version-pinned-with-auto-upgrade'] : NagRuleCompliance.COMPLIANT;
}
