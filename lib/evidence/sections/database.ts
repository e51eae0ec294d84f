import { DATABASE_MIGRATIONS_RESOURCE_TYPE, MIGRATIONS_DIRECTORY, migrationsHash } from '../../constructs/database-migrations';
import { DatabasePlan } from '../../database/plan';
import { CellEvidence } from '../cell-evidence';
import { blocks, bullets, cell, code, table } from '../markdown';
import { asList, props, ResourceRef, statementsOf } from '../template';

/** The migration custom resources of the cell, with their plan as the template carries it. */
function migrationResources(ev: CellEvidence): Array<{ ref: ResourceRef; plan: DatabasePlan; hash: string; fn?: ResourceRef }> {
  return ev.resources(DATABASE_MIGRATIONS_RESOURCE_TYPE).map((ref) => {
    const p = props(ref);
    return { ref, plan: JSON.parse(String(p.Plan)) as DatabasePlan, hash: String(p.MigrationsHash), fn: ev.index.target(p.ServiceToken, ref.stack) };
  });
}

/** A function by its name (its stack and logical id are in the annex's index). */
function functionLabel(ev: CellEvidence, fn: ResourceRef): string {
  const name = props(fn).FunctionName;
  if (typeof name !== 'string') return ev.label(fn);
  ev.labelled.add(fn);
  return code(name);
}

interface Grant {
  readonly holders: string;
  readonly statement: Record<string, any>;
  readonly from: ResourceRef;
}

/** Every Allow statement of every IAM policy of the cell, with the roles that hold it. */
function grants(ev: CellEvidence): Grant[] {
  const found: Grant[] = [];
  for (const policy of ev.resources('AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy')) {
    const holders = asList(props(policy).Roles).map((r) => {
      const role = ev.index.target(r, policy.stack);
      return role ? ev.label(role) : cell(ev.show(r, policy.stack));
    });
    for (const statement of statementsOf(props(policy).PolicyDocument)) {
      if (statement.Effect === 'Allow') found.push({ holders: holders.join('<br>'), statement, from: policy });
    }
  }
  for (const role of ev.resources('AWS::IAM::Role')) {
    for (const inline of asList<Record<string, any>>(props(role).Policies)) {
      for (const statement of statementsOf(inline.PolicyDocument)) {
        if (statement.Effect === 'Allow') found.push({ holders: ev.label(role), statement, from: role });
      }
    }
  }
  return found;
}

const actions = (statement: Record<string, any>): string[] => asList<string>(statement.Action);
const connects = (g: Grant): boolean => actions(g.statement).some((a) => a === '*' || /^rds-db:/i.test(a));
const readsMasterSecret = (g: Grant): boolean =>
  actions(g.statement).some((a) => a === '*' || /^secretsmanager:(GetSecretValue|\*)$/i.test(a)) && JSON.stringify(g.statement.Resource).includes('MasterUserSecret');

/** Part of 164.312(a)(1): how the database keeps each clinic to its own rows, and who can connect at all. */
export function databaseIsolation(ev: CellEvidence): string {
  const migrations = migrationResources(ev);
  if (migrations.length === 0) return '';
  const repositoryHash = migrationsHash(MIGRATIONS_DIRECTORY);
  const connectRows = grants(ev)
    .filter(connects)
    .map((g) => [g.holders, cell(actions(g.statement).join(', ')), cell(asList(g.statement.Resource).map((r) => ev.show(r, g.from.stack)).join('\n'))]);
  const secretRows = grants(ev)
    .filter(readsMasterSecret)
    .map((g) => [g.holders, cell(actions(g.statement).join(', '))]);
  const clinicRows = migrations.flatMap(({ plan }) => [
    // The user's name carries the clinic id: clinics in the same state are one row (compact.ts).
    ...plan.active.map((c) => [cell(c.databaseUser), cell('active: user exists, rows kept')]),
    ...plan.offboarded.map((c) => [
      cell(c.databaseUser),
      cell('offboarded: termination date passed; rows deleted (audit entries kept), user dropped'),
    ]),
  ]);
  return blocks(
    '#### Database: one user per clinic, row-level security, and who can connect',
    'Every clinic\'s appointments and call metadata share two tables (`voice.appointments`, `voice.calls`); each row carries its clinic id. ' +
      'PostgreSQL keeps the clinics apart: each clinic has its own user (`tenant_<clinic>`), reached only through IAM database authentication; ' +
      'row-level security is enabled and FORCED on every table (binding their owner too), and its one policy admits a row only when its clinic is the ' +
      'logged-in user\'s (`session_user`, which neither `SET ROLE` nor a session setting changes). A user without a clinic sees and writes nothing; ' +
      'through the group role `voice_clinic` the users hold only SELECT, INSERT, UPDATE and DELETE on those two tables and INSERT on the audit log. ' +
      'Proven on a real PostgreSQL by `test/database/tenancy-and-audit.test.ts`.',
    `The schema is applied at deploy by the migration function ${migrations.map((m) => (m.fn ? functionLabel(ev, m.fn) : '')).join(', ')}, ` +
      'from the versioned SQL files in `migrations/`, whenever they or the clinic list change. ' +
      (migrations.every((m) => m.hash === repositoryHash)
        ? `The template carries the hash of exactly the migration files this pack was generated with (${code(repositoryHash.slice(0, 16))}…).`
        : `**The template's migration hash differs from the files this pack was generated with**: regenerate the pack from the same commit as the templates.`),
    table(['Database user (`tenant_` and the clinic id, `_` for `-`)', 'State in this deploy'], clinicRows),
    'Who may connect to the database with IAM (`rds-db:connect`), and as which database user:',
    table(['Role', 'Actions', 'Database user (ARN)'], connectRows, '_No principal may connect with IAM._'),
    'Who may read the database master secret (the only password login):',
    table(['Role', 'Actions'], secretRows, '_Nobody._'),
  );
}

/** Part of 164.312(c)(1) and (b): the append-only, hash-chained audit table and how its chain is verified. */
export function databaseAuditLog(ev: CellEvidence): string {
  const migrations = migrationResources(ev);
  if (migrations.length === 0) return '';
  const logGroups = migrations.flatMap(({ fn }) => {
    const logGroup = fn ? ev.index.target(props(fn).LoggingConfig?.LogGroup, fn.stack) : undefined;
    return logGroup ? [ev.label(logGroup)] : [];
  });
  return blocks(
    '#### Database audit log: append-only and hash-chained',
    'The voice service records every read or write of PHI in `voice.audit_log`: actor, action (read, create, update, delete, export, offboard), ' +
      'resource, clinic, call id and time; the database fills in the database user. Each entry\'s `hash` is SHA-256 over the previous entry\'s hash and its ' +
      'own fields, and `previous_hash` names that hash: a chain from the first entry (previous hash: 32 zero bytes).',
    bullets([
      'A trigger fills in the entry number, time, database user and both hashes; a caller cannot choose them.',
      'No role holds UPDATE, DELETE or TRUNCATE on the table, the owner included, and a statement trigger refuses all three to every role, superusers included.',
      'A clinic\'s user may only append entries of its own clinic and cannot read the log; offboarding a clinic keeps its entries for the audit retention.',
      'Anyone able to bypass these guards (the table owner, by disabling them) still cannot alter, insert or remove an entry without breaking the chain: ' +
        '`SELECT * FROM voice.verify_audit_chain()` recomputes every hash in order and returns the entry count, whether the chain is intact, the first broken entry and the head hash.',
    ]),
    'How the chain is verified without anyone logging in to the database: at every deploy that runs it, the migration function runs `voice.verify_audit_chain()` and writes ' +
      '(a `database-migrated` line with `auditChain.entries`, `intact`, `headHash`; `AUDIT_CHAIN_BROKEN` if it fails) to its log group ' +
      `${logGroups.join(', ')}, encrypted and kept for the audit retention. The count only grows and each head hash must be reached again by the next run's chain; ` +
      'an auditor compares successive lines with CloudWatch Logs Insights.',
  );
}
