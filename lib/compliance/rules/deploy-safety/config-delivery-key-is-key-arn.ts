import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { rendered } from './rendered';

/**
 * The AWS Config delivery channel names its KMS key by key ARN: the API documents
 * `s3KmsKeyArn` as "the ARN of the AWS KMS key (KMS key) used to encrypt objects", not an alias.
 * Source: https://docs.aws.amazon.com/config/latest/APIReference/API_DeliveryChannel.html
 */
export function ConfigDeliveryKeyIsKeyArn(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::Config::DeliveryChannel') return NagRuleCompliance.NOT_APPLICABLE;
  const key = rendered(node).Properties.S3KmsKeyArn;
  if (key === undefined) return NagRuleCompliance.COMPLIANT;
  return JSON.stringify(key).includes(':alias/') ? ['alias-instead-of-key-arn'] : NagRuleCompliance.COMPLIANT;
}
