import { clinicDatabaseUser } from '../../lib/database/plan';
import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { synthesized } from '../helpers';
import { clinicRow, evidenceOf, linesWith, section } from './support';

// The same fixture as test/constructs/database-migrations.test.ts: three clinics, the third offboarded.
const [FIRST, SECOND, ENDED] = [1, 2, 3].map((n) => fixtureTenantId('us-east', n));
const config = fixtureConfig({
  cells: 1,
  tenantsPerCell: 3,
  edit: (raw) => {
    raw.tenants[2].offboarding = { terminationDate: '2020-01-31' };
  },
});
const result = synthesized(config, { packs: true });
const report = evidenceOf(result, result.configFile)['us-east'];
const safeguards = section(report, '1.');
const accessControl = safeguards.slice(safeguards.indexOf('### (a)'), safeguards.indexOf('### (b)'));
const integrity = safeguards.slice(safeguards.indexOf('### (c)'), safeguards.indexOf('### (d)'));

describe('evidence: database isolation (access control)', () => {
  test('lists each clinic with its database user and whether it is active or offboarded', () => {
    for (const id of [FIRST, SECOND]) {
      expect(clinicRow(accessControl, id, `| ${clinicDatabaseUser(id)}`, '| active: user exists, rows kept |')).toBeDefined();
      expect(clinicRow(accessControl, id, 'offboarded')).toBeUndefined();
    }
    expect(clinicRow(accessControl, ENDED, `| ${clinicDatabaseUser(ENDED)} |`, 'offboarded', 'rows deleted (audit entries kept), user dropped')).toBeDefined();
    expect(clinicRow(accessControl, ENDED, 'active')).toBeUndefined();
  });

  test('names every role that may connect with IAM, each only as its own clinic\'s database user', () => {
    // Each clinic's role, as its own database user only: one row for the clinics, `<clinic>` the same clinic in both.
    const rows = linesWith(accessControl, ':dbuser:').filter((line) => line.startsWith('| '));
    expect(rows).toHaveLength(1);
    for (const id of [FIRST, SECOND, ENDED]) {
      const row = clinicRow(accessControl, id, `| vp-us-east-tenant-${id}`, `:dbuser:(vp-us-east-db)/${clinicDatabaseUser(id)} |`);
      expect(row).toContain('| rds-db:connect |');
    }
  });

  test('names the migration function\'s role as the only reader of the master secret', () => {
    const rows = linesWith(accessControl, 'secretsmanager:GetSecretValue');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Role (`Data/Migrations`)');
  });

  test('describes forced row-level security and states that the deployed migrations are the repository\'s', () => {
    expect(accessControl).toContain('row-level security is enabled and FORCED on every table');
    expect(accessControl).toContain('The template carries the hash of exactly the migration files');
    expect(accessControl).toContain('vp-us-east-db-migrations');
  });
});

describe('evidence: the audit table (integrity)', () => {
  test('describes the append-only hash chain and how to verify it without a database login, naming the log group', () => {
    expect(integrity).toContain('#### Database audit log: append-only and hash-chained');
    expect(integrity).toContain('voice.verify_audit_chain()');
    expect(integrity).toContain('UPDATE, DELETE or TRUNCATE');
    const verification = linesWith(integrity, 'without anyone logging in');
    expect(verification).toHaveLength(1);
    expect(verification[0]).toContain('Logs (`Data/Migrations`)');
  });
});
