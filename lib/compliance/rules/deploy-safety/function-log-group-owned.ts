import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { rendered } from './rendered';

/**
 * Every Lambda function, including those aws-cdk-lib's custom resource providers create, writes
 * to a log group of ours named in its logging configuration. Otherwise Lambda creates
 * `/aws/lambda/<name>` at run time, without our key and kept forever, which the cell's own AWS
 * Config rules (log group encrypted, log group retention) report non-compliant from day one.
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html
 */
export function FunctionLogGroupOwned(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::Lambda::Function') return NagRuleCompliance.NOT_APPLICABLE;
  const logging = rendered(node).Properties.LoggingConfig as { LogGroup?: unknown } | undefined;
  return logging?.LogGroup === undefined ? ['log-group-created-at-run-time'] : NagRuleCompliance.COMPLIANT;
}
