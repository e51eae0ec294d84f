import { z } from 'zod';

/**
 * The one automated identity that may deploy a cell from CI: a GitHub Actions job, trusted through
 * the account's OIDC identity provider and pinned to one repository and one environment or branch.
 * People never deploy a PHI account; the optional pipeline is the other deploy path.
 */
export const GithubDeploySchema = z
  .strictObject({
    /** The repository that holds this app, as owner/name. */
    repository: z
      .string({ error: 'must be the GitHub repository as "owner/name", for example "example-org/voice-platform"' })
      .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/, 'must be the GitHub repository as "owner/name", for example "example-org/voice-platform"'),
    /** The GitHub environment of the deploy job (its required reviewers approve each deploy): preferred. */
    environment: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, 'must be a GitHub environment name such as "deploy-us-east"').optional(),
    /** Or the branch the deploy job runs on, when no environment is used. */
    branch: z.string().regex(/^[A-Za-z0-9._/-]{1,255}$/, 'must be a branch name such as "main"').optional(),
  })
  .refine((g) => (g.environment === undefined) !== (g.branch === undefined), {
    message: 'must name exactly one of environment (preferred: its required reviewers approve each deploy) or branch',
  });

export const DeployIdentitySchema = z.strictObject({
  /** GitHub Actions through OIDC; omit when the cell is deployed only by the pipeline. */
  github: GithubDeploySchema.optional(),
});

export type GithubDeploy = z.infer<typeof GithubDeploySchema>;

/** The `sub` claim GitHub puts in the job's token for this repository and environment or branch. */
// https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
export function githubSubject(github: GithubDeploy): string {
  return github.environment ? `repo:${github.repository}:environment:${github.environment}` : `repo:${github.repository}:ref:refs/heads/${github.branch}`;
}
