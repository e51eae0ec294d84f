import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';

/** People use roles with MFA and short sessions: no IAM user and no long-lived access key exists anywhere in the app. */
export function NoIamUsersOrAccessKeys(node: CfnResource): NagRuleResult {
  return ['AWS::IAM::User', 'AWS::IAM::AccessKey', 'AWS::IAM::UserToGroupAddition'].includes(node.cfnResourceType)
    ? NagRuleCompliance.NON_COMPLIANT
    : NagRuleCompliance.NOT_APPLICABLE;
}
