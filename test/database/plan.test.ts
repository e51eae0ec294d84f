import { clinicDatabaseUser, databasePlan, utcToday } from '../../lib/database/plan';

describe('the clinic plan', () => {
  test('a clinic\'s database user is its id with hyphens as underscores, prefixed tenant_', () => {
    expect(clinicDatabaseUser('clinic-001')).toBe('tenant_clinic_001');
    expect(clinicDatabaseUser('us-east-c002')).toBe('tenant_us_east_c002');
  });

  test('a clinic stays active through its termination date and is offboarded from the day after', () => {
    const tenants = [{ id: 'clinic-b', offboarding: { terminationDate: '2027-03-15' } }, { id: 'clinic-a' }];
    const onTheDay = databasePlan(tenants, '2027-03-15');
    expect(onTheDay.active.map((c) => c.clinicId)).toEqual(['clinic-a', 'clinic-b']);
    expect(onTheDay.offboarded).toEqual([]);
    const dayAfter = databasePlan(tenants, '2027-03-16');
    expect(dayAfter.active.map((c) => c.clinicId)).toEqual(['clinic-a']);
    expect(dayAfter.offboarded).toEqual([{ clinicId: 'clinic-b', databaseUser: 'tenant_clinic_b' }]);
  });

  test('today is the UTC date', () => {
    expect(utcToday(new Date('2027-03-15T23:30:00-05:00'))).toBe('2027-03-16');
  });
});
