import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { resourcesOf } from '../cell-index';
import { dependsOnTypes } from './rendered';

const RECORDER = 'AWS::Config::ConfigurationRecorder';
const CHANNEL = 'AWS::Config::DeliveryChannel';
const RULE = 'AWS::Config::ConfigRule';

/**
 * The AWS Config recorder and delivery channel are created together, neither waiting for the
 * other, and every Config rule of the stack waits for both. CloudFormation's recorder resource
 * starts recording, which needs a delivery channel (StartConfigurationRecorder,
 * NoAvailableDeliveryChannelException); a channel that DependsOn the recorder therefore never
 * comes, and the stack hangs until it rolls back.
 * Source: https://docs.aws.amazon.com/config/latest/APIReference/API_StartConfigurationRecorder.html
 */
export function ConfigRecorderAndChannelTogether(node: CfnResource): NagRuleResult {
  const type = node.cfnResourceType;
  if (type === CHANNEL) return dependsOnTypes(node).has(RECORDER) ? ['channel-waits-for-recorder'] : NagRuleCompliance.COMPLIANT;
  if (type === RECORDER) return dependsOnTypes(node).has(CHANNEL) ? ['recorder-waits-for-channel'] : NagRuleCompliance.COMPLIANT;
  if (type !== RULE) return NagRuleCompliance.NOT_APPLICABLE;
  const inStack = new Set(resourcesOf(Stack.of(node)).all.map((r) => r.cfnResourceType));
  const deps = dependsOnTypes(node);
  const findings: string[] = [];
  if (inStack.has(RECORDER) && !deps.has(RECORDER)) findings.push('rule-before-recorder');
  if (inStack.has(CHANNEL) && !deps.has(CHANNEL)) findings.push('rule-before-channel');
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
