import { CellNaming, breakGlassRoleName, tenantAccessRoleName, tenantReplicationRoleName } from '../../naming';

/** The tag that marks a role as a designed path to PHI; its value names the kind (see DESIGNED_BY_TAG). */
export const PHI_ACCESS_TAG = 'voice-platform:role';

/**
 * Who may enter a designed principal and still be a designed path:
 * - `anyone`: every assumption alerts the breach contacts (break-glass), so whoever may assume it is reported, not refused;
 * - `services`: only AWS service principals (S3 replication, AWS Backup, Lambda running a broker);
 * - `designed`: only another designed principal of the same clinic.
 */
export type Admits = 'anyone' | 'services' | 'designed';

/** A principal that reaches clinics' PHI by design, and who may enter it. */
export interface DesignedPrincipal {
  /** Shown in the evidence pack. */
  readonly kind: string;
  readonly admits: Admits;
  /** Why it may reach the clinic, in words an auditor reads. */
  readonly reason: string;
  /** Whether the role (by ARN and tags) is this designed principal for the clinic. */
  readonly matches: (role: { arn: string; tags: Record<string, string> }, clinic: string) => boolean;
}

/**
 * The designed principals of a cell, by name (from lib/naming.ts) or by the `phi-access` tag. To
 * add a kind (issue 13's credential broker), add one line to DESIGNED_BY_TAG and tag the role.
 */
export function designedPrincipals(naming: CellNaming): DesignedPrincipal[] {
  const role = (name: string) => `:role/${name}`;
  return [
    {
      kind: 'break-glass',
      admits: 'anyone',
      reason: 'incident access to every clinic of the cell; every assumption alerts the breach-notification contacts',
      matches: (r) => r.arn.endsWith(role(breakGlassRoleName(naming))),
    },
    {
      kind: 'clinic role',
      admits: 'designed',
      reason: 'the clinic\'s own access role, which reads and writes only this clinic\'s PHI',
      matches: (r, clinic) => r.arn.endsWith(role(tenantAccessRoleName(naming, clinic))),
    },
    {
      kind: 'replication role',
      admits: 'services',
      reason: 'S3 replicates this clinic\'s objects to its DR buckets in the same jurisdiction with this role only',
      matches: (r, clinic) => r.arn.endsWith(role(tenantReplicationRoleName(naming, clinic))),
    },
    ...Object.entries(DESIGNED_BY_TAG).map(([value, d]) => ({
      ...d,
      kind: value,
      // A tagged role is designed for every clinic of its cell, or for one when it also carries that clinic's tenant tag.
      matches: (r: { tags: Record<string, string> }, clinic: string) => r.tags[PHI_ACCESS_TAG] === value && (r.tags.tenant === undefined || r.tags.tenant === clinic),
    })),
  ];
}

/** Designed principals marked by the `phi-access` tag on their role: one line per kind. */
export const DESIGNED_BY_TAG: Record<string, Pick<DesignedPrincipal, 'admits' | 'reason'>> = {
  'backup-service': { admits: 'services', reason: 'AWS Backup copies this clinic\'s data into the cell\'s locked vaults with this role only' },
  'credential-broker': { admits: 'services', reason: 'vends one clinic\'s short-lived credentials for one verified call (issue 13)' },
};
