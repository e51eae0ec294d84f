import { CellNaming, roleBoundaryPolicyName } from '../naming';

type Document = { Version: '2012-10-17'; Statement: Record<string, unknown>[] };

/** The ARN of the role boundary policy of a cell (created by `npm run bootstrap`). */
export function roleBoundaryArn(naming: CellNaming): string {
  return `arn:aws:iam::${naming.cell.account}:policy/${roleBoundaryPolicyName(naming)}`;
}

/**
 * The permissions boundary of every role of the cell and of the CloudFormation execution role: it
 * grants nothing by itself (each role's own policies do), and caps them so that no role, the
 * execution role included, can create a role or user without this boundary, remove or edit it,
 * create an IAM user or access key, or use a CDK bootstrap role (deploy rights stay with CI and
 * break-glass, which are bounded the same way but assume the bootstrap roles through their own policies).
 */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
// https://docs.aws.amazon.com/cdk/v2/guide/customize-permissions-boundaries.html
export function roleBoundaryDocument(naming: CellNaming): Document {
  const account = naming.cell.account;
  const boundary = roleBoundaryArn(naming);
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'CapOnlyTheRolesOwnPoliciesGrant', Effect: 'Allow', Action: '*', Resource: '*' },
      {
        Sid: 'NewRolesCarryThisBoundary',
        Effect: 'Deny',
        Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
        Resource: '*',
        Condition: { StringNotEquals: { 'iam:PermissionsBoundary': boundary } },
      },
      {
        Sid: 'NeverLiftOrEditTheBoundary',
        Effect: 'Deny',
        Action: ['iam:DeleteRolePermissionsBoundary', 'iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
        Resource: [`arn:aws:iam::${account}:role/*`, boundary],
      },
      { Sid: 'NoUsersOrAccessKeys', Effect: 'Deny', Action: ['iam:CreateUser', 'iam:CreateAccessKey', 'iam:CreateLoginProfile'], Resource: '*' },
    ],
  };
}
