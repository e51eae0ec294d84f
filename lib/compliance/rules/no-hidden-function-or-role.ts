import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';

/** Types whose hardening the packs check only on the aws-cdk-lib L1 classes. */
const HIDDEN_TYPES = ['AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'];

/**
 * A Lambda function or IAM role written as a plain CfnResource (as aws-cdk-lib's custom resource
 * providers do) is invisible to the HIPAA, AwsSolutions and NIST rules, which test for the L1
 * classes. Such a resource must be acknowledged by name, with what it does and why it is safe.
 */
export function NoHiddenFunctionOrRole(node: CfnResource): NagRuleResult {
  if (!HIDDEN_TYPES.includes(node.cfnResourceType)) return NagRuleCompliance.NOT_APPLICABLE;
  return Object.getPrototypeOf(node) === CfnResource.prototype ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}
