import { fixtureConfig } from './fixtures/config';
import { accessLogBucketName, auditArchiveBucketName, backupVaultName, phiBucketName } from '../lib/naming';

describe('deterministic names', () => {
  test('the longest ids config accepts still give valid S3 bucket names (at most 63 characters) in every region', () => {
    const base = fixtureConfig({ cells: 1, tenantsPerCell: 0 });
    const naming = {
      platform: { id: 'p'.repeat(6) },
      cell: { ...base.cells[0], id: 'c'.repeat(12), account: '123456789012' },
    };
    const tenant = 't'.repeat(18);
    const names = [
      phiBucketName(naming, tenant, 'rec'),
      phiBucketName(naming, tenant, 'txt', true),
      auditArchiveBucketName(naming, 'eu-central-1'),
      accessLogBucketName(naming, 'eu-central-1'),
      backupVaultName(naming, 'eu-central-1'),
    ];
    for (const name of names) {
      expect([name, name.length <= 63]).toEqual([name, true]);
      expect(name).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
    }
  });
});
