import { TenantConfig } from '../config';
import { NumberMap } from './broker';

/** The called numbers of a cell's clinics, each to its clinic id and, once offboarded, its termination date. */
export function numberMapOf(tenants: readonly TenantConfig[]): NumberMap {
  const map: Record<string, NumberMap[string]> = {};
  for (const tenant of tenants) {
    for (const n of tenant.phoneNumbers) {
      map[n] = tenant.offboarding ? { tenant: tenant.id, terminationDate: tenant.offboarding.terminationDate } : { tenant: tenant.id };
    }
  }
  return map;
}
