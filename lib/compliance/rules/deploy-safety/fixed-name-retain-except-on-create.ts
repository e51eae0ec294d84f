import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { rendered } from './rendered';

/** The property that gives each stateful resource type a fixed physical name. */
export const FIXED_NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Backup::BackupVault': 'BackupVaultName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::DynamoDB::Table': 'TableName',
};

/**
 * A stateful resource with a fixed name uses DeletionPolicy RetainExceptOnCreate, so that a stack
 * whose first create rolls back deletes the new, empty resource and a retry can create it again.
 * With Retain the resource stays behind and the retry fails with "already exists". A resource
 * that can hold data during its own first create keeps Retain with an acknowledgement saying why.
 * Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
 */
export function FixedNameRetainExceptOnCreate(node: CfnResource): NagRuleResult {
  const nameProperty = FIXED_NAME_PROPERTY[node.cfnResourceType];
  if (!nameProperty) return NagRuleCompliance.NOT_APPLICABLE;
  const resource = rendered(node);
  if (resource.Properties[nameProperty] === undefined) return NagRuleCompliance.NOT_APPLICABLE;
  return resource.DeletionPolicy === 'Retain' ? ['retained-after-failed-create'] : NagRuleCompliance.COMPLIANT;
}
