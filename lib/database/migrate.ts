import { Client, ClientConfig } from 'pg';
import { migrate } from 'postgres-migrations';
import { DatabasePlan, VOICE_DATABASE } from './plan';

export interface MigrateOptions {
  /** Connection to the server as the master user; `database` is ignored (the runner chooses). */
  readonly connection: Omit<ClientConfig, 'database'>;
  /** The folder of versioned SQL files (`0001_name.sql`, ...). */
  readonly migrationsDirectory: string;
  /** Who the offboarding audit entries name as actor. */
  readonly actor: string;
  /** The database the master user connects to first, to create the voice database. @default 'postgres' */
  readonly maintenanceDatabase?: string;
  /** @default 'voice' */
  readonly database?: string;
  readonly log?: (message: string) => void;
}

export interface OffboardingResult {
  readonly clinicId: string;
  readonly appointmentsDeleted: number;
  readonly callsDeleted: number;
  readonly userDropped: string | null;
}

export interface AuditChainResult {
  readonly entries: number;
  readonly intact: boolean;
  readonly firstBrokenSeq: number | null;
  readonly headHash: string;
}

export interface MigrateResult {
  /** The migration files applied by this run, in order (none when the database was up to date). */
  readonly applied: string[];
  /** Clinic users created by this run. */
  readonly usersCreated: string[];
  readonly offboarded: OffboardingResult[];
  readonly auditChain: AuditChainResult;
}

/**
 * Brings a cell database to the repository's schema and to the clinic plan, as the master user:
 * creates the voice database if missing, applies the migration files not yet applied (each in its
 * own transaction, under an advisory lock, recorded in the `migrations` table; a file changed after
 * it was applied is refused), then in one transaction provisions every active clinic's user and
 * offboards every ended clinic (refusing a clinic that the database holds but the plan no longer
 * names), and finally verifies the audit chain. Running it again changes nothing.
 */
export async function migrateDatabase(options: MigrateOptions, plan: DatabasePlan): Promise<MigrateResult> {
  const log = options.log ?? (() => undefined);
  const database = options.database ?? VOICE_DATABASE;
  await ensureDatabase(options, database);

  const client = new Client({ ...options.connection, database });
  await client.connect();
  try {
    const applied = await migrate({ client }, options.migrationsDirectory, { logger: log });
    const usersCreated: string[] = [];
    const offboarded: OffboardingResult[] = [];
    await client.query('BEGIN');
    try {
      for (const clinic of plan.active) {
        const { rows } = await client.query('SELECT voice.provision_clinic($1, $2) AS created', [clinic.clinicId, clinic.databaseUser]);
        if (rows[0].created) usersCreated.push(clinic.databaseUser);
      }
      // A clinic removed from config before it was offboarded would keep its rows and its user unseen.
      const planned = [...plan.active, ...plan.offboarded].map((c) => c.clinicId);
      const { rows: unplanned } = await client.query('SELECT clinic_id FROM voice.clinics WHERE NOT (clinic_id = ANY($1)) ORDER BY 1', [planned]);
      if (unplanned.length > 0) {
        const ids = unplanned.map((r) => r.clinic_id).join(', ');
        throw new Error(
          `the database holds clinic(s) ${ids} that config no longer lists; offboard a clinic (tenants[].offboarding.terminationDate) and deploy before removing it from config`,
        );
      }
      for (const clinic of plan.offboarded) {
        const { rows } = await client.query('SELECT * FROM voice.offboard_clinic($1, $2)', [clinic.clinicId, options.actor]);
        const row = rows[0];
        if (row.user_dropped !== null) {
          offboarded.push({
            clinicId: clinic.clinicId,
            appointmentsDeleted: Number(row.appointments_deleted),
            callsDeleted: Number(row.calls_deleted),
            userDropped: row.user_dropped,
          });
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    const auditChain = await verifyAuditChain(client);
    return { applied: applied.map((m) => m.fileName), usersCreated, offboarded, auditChain };
  } finally {
    await client.end();
  }
}

/** Runs the database's own chain verification (`voice.verify_audit_chain()`). */
export async function verifyAuditChain(client: Client): Promise<AuditChainResult> {
  const { rows } = await client.query('SELECT * FROM voice.verify_audit_chain()');
  const row = rows[0];
  return {
    entries: Number(row.entries),
    intact: row.intact,
    firstBrokenSeq: row.first_broken_seq === null ? null : Number(row.first_broken_seq),
    headHash: row.head_hash,
  };
}

async function ensureDatabase(options: MigrateOptions, database: string): Promise<void> {
  const client = new Client({ ...options.connection, database: options.maintenanceDatabase ?? 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      // CREATE DATABASE takes no parameters; the name is a fixed identifier, quoted.
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    }
  } finally {
    await client.end();
  }
}
