import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The packs whose findings we may acknowledge, by the prefix of their rule ids. */
export type PackName = 'HIPAA.Security' | 'AwsSolutions' | 'NIST.800.53.R5' | 'VoicePlatform';

/**
 * Acknowledges one rule on one construct, with a reason an auditor will read in
 * `cdk.out/validation-report.json`. The id is namespaced by its pack so that the acknowledgement
 * and its reason appear in the report's `suppressedViolations`, not silently dropped.
 *
 * @param rule the rule id as the pack reports it, for example `HIPAA.Security-S3DefaultEncryptionKMS`
 *   or `AwsSolutions-IAM5[Resource::*]`
 */
export function acknowledge(construct: IConstruct, rule: `${PackName}-${string}`, reason: string): void {
  const pack = (['HIPAA.Security', 'AwsSolutions', 'NIST.800.53.R5', 'VoicePlatform'] as const).find((p) =>
    rule.startsWith(`${p}-`),
  );
  if (!pack) throw new Error(`acknowledge: "${rule}" does not start with a known pack name`);
  if (reason.trim().length < 40) {
    throw new Error(`acknowledge: the reason for ${rule} on ${construct.node.path} must explain the decision to an auditor`);
  }
  Validations.of(construct).acknowledge({ id: `${pack}::${rule}`, reason });
}

/**
 * Acknowledges one aws-cdk-lib warning (an annotation) on one construct, with a reason that
 * appears in the validation report.
 *
 * @param id the warning id as CDK prints it, for example `@aws-cdk/aws-s3:accessLogsPolicyNotAdded`
 */
export function acknowledgeWarning(construct: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 40) {
    throw new Error(`acknowledgeWarning: the reason for ${id} on ${construct.node.path} must explain the decision to an auditor`);
  }
  Validations.of(construct).acknowledge({ id: `Annotation::${id}`, reason });
}

/**
 * Acknowledges one warning of CDK's built-in CloudFormation template validation (cfn-lint rules
 * such as `W3010`) on one construct, with a reason that appears in the validation report.
 */
export function acknowledgeTemplateWarning(construct: IConstruct, rule: `W${number}`, reason: string): void {
  if (reason.trim().length < 40) {
    throw new Error(`acknowledgeTemplateWarning: the reason for ${rule} on ${construct.node.path} must explain the decision to an auditor`);
  }
  Validations.of(construct).acknowledge({ id: `CloudFormation-Validate::${rule}`, reason });
}

/**
 * A credential issued by a third party (telephony, model or SIEM provider) cannot be rotated by a
 * Secrets Manager rotation function: only the provider can issue a new one. Acknowledges the three
 * packs' rotation rules on that one secret, with the reason for it.
 */
export function acknowledgeProviderCredential(secret: IConstruct, reason: string): void {
  acknowledge(secret, 'AwsSolutions-SMG4', reason);
  acknowledge(secret, 'HIPAA.Security-SecretsManagerRotationEnabled', reason);
  acknowledge(secret, 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason);
}
