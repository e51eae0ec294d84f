/**
 * What the deploy does inside a cell's database: which clinics have a database user, and which
 * clinics are offboarded (their rows deleted, their user dropped). Derived from config at synth and
 * carried in the migration custom resource's properties, so the template shows it to auditors and a
 * change to it runs the migration function.
 *
 * This file is shared by the CDK app and the migration function: it imports nothing from aws-cdk-lib.
 */

/** The database that holds the voice service's data in every cell. */
export const VOICE_DATABASE = 'voice';

/** The PostgreSQL user of a clinic: tenant ids are DNS-safe, so `-` becomes `_` without ambiguity. */
export function clinicDatabaseUser(tenantId: string): string {
  return `tenant_${tenantId.replace(/-/g, '_')}`;
}

export interface ClinicDatabaseEntry {
  readonly clinicId: string;
  readonly databaseUser: string;
}

export interface DatabasePlan {
  /** Clinics whose user exists and whose rows are kept. */
  readonly active: readonly ClinicDatabaseEntry[];
  /** Clinics whose termination date has passed: rows deleted (audit entries kept), user dropped. */
  readonly offboarded: readonly ClinicDatabaseEntry[];
}

export interface PlannedTenant {
  readonly id: string;
  readonly offboarding?: { readonly terminationDate: string };
}

/**
 * Sorts a cell's clinics by whether their termination date has passed on `today` (`YYYY-MM-DD`, UTC).
 * The plan changes on the first synth after a termination date, which is what makes the next deploy
 * offboard the clinic in the database.
 */
export function databasePlan(tenants: readonly PlannedTenant[], today: string): DatabasePlan {
  const entry = (t: PlannedTenant): ClinicDatabaseEntry => ({ clinicId: t.id, databaseUser: clinicDatabaseUser(t.id) });
  const ended = (t: PlannedTenant): boolean => t.offboarding !== undefined && t.offboarding.terminationDate < today;
  const byId = (a: ClinicDatabaseEntry, b: ClinicDatabaseEntry): number => a.clinicId.localeCompare(b.clinicId);
  return {
    active: tenants.filter((t) => !ended(t)).map(entry).sort(byId),
    offboarded: tenants.filter(ended).map(entry).sort(byId),
  };
}

/** Today's date in UTC as `YYYY-MM-DD`. */
export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}
