import { compactTables, maskClinics } from '../../lib/evidence/compact';

describe('grouping identical rows keeps every fact', () => {
  const table = (rows: string[]) => ['| Key | Statement | Principal |', '| --- | --- | --- |', ...rows.map((r) => `| ${r} |`)].join('\n');

  test('rows that differ only by their clinic become one row naming every clinic', () => {
    const out = compactTables(
      table(['alias/p/tenant-c-001 | OnlyThisTenant | role/p-tenant-c-001', 'alias/p/tenant-c-002 | OnlyThisTenant | role/p-tenant-c-002', 'alias/p/logs | Admin | root']),
      ['c-001', 'c-002'],
    );
    expect(out.split('\n')).toEqual([
      '| Key | Statement | Principal |',
      '| --- | --- | --- |',
      '| alias/p/tenant-&lt;clinic&gt;<br>_both clinics_ | OnlyThisTenant | role/p-tenant-&lt;clinic&gt; |',
      '| alias/p/logs | Admin | root |',
    ]);
  });

  test('a clinic whose row differs keeps its own row, and a subset is named', () => {
    const out = compactTables(
      table(['b-c-001 | 365 days | x', 'b-c-002 | 730 days | x', 'b-c-003 | 365 days | x']),
      ['c-001', 'c-002', 'c-003'],
    );
    // Named by the shorter list: the clinics it holds for, or the ones it does not.
    expect(out).toContain('| b-&lt;clinic&gt;<br>_c-001, c-003_ | 365 days | x |');
    const most = compactTables(table(['b-c-001 | 365 days | x', 'b-c-002 | 365 days | x', 'b-c-003 | 730 days | x', 'b-c-004 | 365 days | x']), ['c-001', 'c-002', 'c-003', 'c-004']);
    expect(most).toContain('| b-&lt;clinic&gt;<br>_all but c-003_ | 365 days | x |');
    expect(out).toContain('| b-c-002 | 730 days | x |');
    const few = compactTables(table(['b-c-001 | 365 days | x', 'b-c-002 | 730 days | x', 'b-c-003 | 365 days | x', 'b-c-004 | 730 days | y']), ['c-001', 'c-002', 'c-003', 'c-004', 'c-005']);
    expect(few).toContain('| b-&lt;clinic&gt;<br>_c-001, c-003_ | 365 days | x |');
  });

  test('a column that reads the same in every row of three or more is written once below the table', () => {
    const out = compactTables(table(['k-1 | Admin | root', 'k-2 | Use | root', 'k-3 | Deny | root']), []);
    expect(out.split('\n')).toEqual(['| Key | Statement |', '| --- | --- |', '| k-1 | Admin |', '| k-2 | Use |', '| k-3 | Deny |', '', '_In every row:_ **Principal**: root.']);
    // One row that differs keeps the column in the table.
    expect(compactTables(table(['k-1 | Admin | root', 'k-2 | Use | root', 'k-3 | Deny | role']), [])).toContain('| k-3 | Deny | role |');
    // Two rows stay as they are.
    expect(compactTables(table(['k-1 | Admin | root', 'k-2 | Use | root']), [])).toContain('| k-2 | Use | root |');
  });

  test('rows that differ only in their first column list every subject in one row', () => {
    const out = compactTables(table(['alias/a | Admin | root', 'alias/b | Admin | root', 'alias/c | Use | role']), []);
    expect(out).toContain('| alias/a<br>alias/b | Admin | root |');
    expect(out).toContain('| alias/c | Use | role |');
  });

  test('per-clinic tables stay one row per clinic; escaped pipes are not separators', () => {
    const perClinic = ['| Tenant | Regions |', '| --- | --- |', '| `c-001` | a \\| b |', '| `c-002` | a \\| b |'].join('\n');
    expect(compactTables(perClinic, ['c-001', 'c-002'])).toContain('| `c-001`<br>`c-002` | a \\| b |');
    expect(compactTables(perClinic, ['c-001', 'c-002'])).not.toContain('&lt;clinic&gt;');
    const controllers = ['| Controller (clinic id) | Name |', '| --- | --- |', '| `c-001` | from the contract |', '| `c-002` | from the contract |'].join('\n');
    expect(compactTables(controllers, ['c-001', 'c-002'])).toContain('| `c-001`<br>`c-002` | from the contract |');
  });

  test('a long subject list that several rows share is written once and each row links to it, also from a later table', () => {
    const keys = Array.from({ length: 12 }, (_, i) => `alias/p/key-${i}`).join('<br>');
    const sets = new Map<string, string>();
    const first = compactTables(table([`${keys} | Admin | root`, `${keys} | Deny | *`, 'alias/p/x | Use | role']), [], sets);
    expect(first.split(keys)).toHaveLength(2);
    expect(first).toContain('| _the [subjects 1](#subjects-1)_ | Admin | root |');
    expect(first).toContain('| _the [subjects 1](#subjects-1)_ | Deny | * |');
    expect(first).toContain(`<a id="subjects-1"></a>**Subjects 1** (named by several table rows, which link here): ${keys}`);
    expect(first).toContain('| alias/p/x | Use | role |');
    const later = compactTables(table([`${keys} | Use | a`, `${keys} | Use2 | b`]), [], sets);
    expect(later).not.toContain(keys);
    expect(later).toContain('| _the [subjects 1](#subjects-1)_ | Use | a |');
  });

  test('names that differ only by their clinic are one name with the number of clinics; a name of one clinic stays as it is', () => {
    const ev = { tenants: [{ id: 'c-1' }, { id: 'c-10' }, { id: 'c-2' }] };
    expect(maskClinics(ev, ['p-c-1-rec', 'p-c-10-rec', 'p-c-2-txt', 'p-logs'])).toEqual(['p-<clinic>-rec (c-1, c-10)', 'p-c-2-txt', 'p-logs']);
    expect(maskClinics({ tenants: [{ id: 'c-1' }, { id: 'c-2' }] }, ['p-c-1', 'p-c-2'])).toEqual(['p-<clinic> (both clinics)']);
    expect(maskClinics({ tenants: [{ id: 'c-1' }, { id: 'c-2' }, { id: 'c-3' }] }, ['p-c-1', 'p-c-2', 'p-c-3'])).toEqual(['p-<clinic> (all 3 clinics)']);
  });
});
