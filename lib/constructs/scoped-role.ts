import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * An IAM role whose permissions live in one customer-managed policy attached only to it.
 *
 * `grant*()` on an ordinary `iam.Role` writes an inline DefaultPolicy, which the HIPAA Security
 * and NIST 800-53 packs reject (IAMNoInlinePolicy). This role keeps the `grant*()` contract of
 * aws-cdk-lib, so least-privilege statements are still generated from the resources they cover,
 * but stores them in an AWS::IAM::ManagedPolicy that shows up in IAM's policy inventory and
 * access analysis like any other managed policy.
 */
export class ScopedRole extends iam.Role {
  private permissions?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (!this.permissions) {
      this.permissions = new iam.ManagedPolicy(this, 'Permissions', {
        description: `Least-privilege permissions of ${this.node.path}, generated from the resources it uses`,
        roles: [this],
      });
    }
    this.permissions.addStatements(statement);
    return { statementAdded: true, policyDependable: this.permissions };
  }
}
