import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The packs whose findings we may acknowledge, by the prefix of their rule ids. */
const PACK_NAMES = ['HIPAA.Security', 'AwsSolutions', 'NIST.800.53.R5', 'VoicePlatform', 'DeploySafety'] as const;
export type PackName = (typeof PACK_NAMES)[number];

/** Records one acknowledgement under its namespaced id, refusing a reason that explains nothing. */
function record(caller: string, construct: IConstruct, id: string, namespace: string, reason: string): void {
  if (reason.trim().length < 40) {
    throw new Error(`${caller}: the reason for ${id} on ${construct.node.path} must explain the decision to an auditor`);
  }
  Validations.of(construct).acknowledge({ id: `${namespace}::${id}`, reason });
}

/**
 * Acknowledges one rule on one construct, with a reason an auditor will read in
 * `cdk.out/validation-report.json`. The id is namespaced by its pack so that the acknowledgement
 * and its reason appear in the report's `suppressedViolations`, not silently dropped.
 *
 * @param rule the rule id as the pack reports it, for example `HIPAA.Security-S3DefaultEncryptionKMS`
 *   or `AwsSolutions-IAM5[Resource::*]`
 */
export function acknowledge(construct: IConstruct, rule: `${PackName}-${string}`, reason: string): void {
  const pack = PACK_NAMES.find((p) => rule.startsWith(`${p}-`));
  if (!pack) throw new Error(`acknowledge: "${rule}" does not start with a known pack name`);
  record('acknowledge', construct, rule, pack, reason);
}

/**
 * Acknowledges one aws-cdk-lib warning (an annotation) on one construct, with a reason that
 * appears in the validation report.
 *
 * @param id the warning id as CDK prints it, for example `@aws-cdk/aws-s3:accessLogsPolicyNotAdded`
 */
export function acknowledgeWarning(construct: IConstruct, id: string, reason: string): void {
  record('acknowledgeWarning', construct, id, 'Annotation', reason);
}

/**
 * Acknowledges one warning of CDK's built-in CloudFormation template validation (cfn-lint rules
 * such as `W3010`) on one construct, with a reason that appears in the validation report.
 */
export function acknowledgeTemplateWarning(construct: IConstruct, rule: `W${number}`, reason: string): void {
  record('acknowledgeTemplateWarning', construct, rule, 'CloudFormation-Validate', reason);
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
