import { CellEvidence } from '../cell-evidence';
import { Statement } from '../policies';
import { ResourceRef, asList, props, statementsOf } from '../template';

/** A resource policy (bucket, topic, queue) with the resource it protects. */
export interface ResourcePolicy {
  readonly policy: ResourceRef;
  /** The protected resource, when it is in the templates. */
  readonly target?: ResourceRef;
  /** How the report names the protected resource. */
  readonly targetName: string;
  readonly statements: readonly Statement[];
}

/** Every S3 bucket policy, SNS topic policy and SQS queue policy of the cell, with its protected resource. */
export function resourcePolicies(ev: CellEvidence): ResourcePolicy[] {
  const out: ResourcePolicy[] = [];
  for (const policy of ev.resources('AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy')) {
    const p = props(policy);
    const targets = policy.resource.Type === 'AWS::S3::BucketPolicy' ? [p.Bucket] : asList(p.Topics ?? p.Queues);
    for (const value of targets) {
      const target = ev.index.target(value, policy.stack);
      out.push({
        policy,
        target,
        targetName: target ? ev.name(target) : ev.show(value, policy.stack),
        statements: statementsOf(p.PolicyDocument),
      });
    }
  }
  return out;
}

/** The trust statements of every IAM role of the cell. */
export function roleTrusts(ev: CellEvidence): Array<{ role: ResourceRef; statements: Statement[] }> {
  return ev.resources('AWS::IAM::Role').map((role) => ({ role, statements: statementsOf(props(role).AssumeRolePolicyDocument) }));
}
