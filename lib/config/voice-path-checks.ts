import { z } from 'zod';
import { JURISDICTION_IDS, JurisdictionId, PHONE_COUNTRY_CODES, isPhoneNumberIn } from './jurisdictions';
import { E164 } from './voice-path-schema';

type Raw = Record<string, any>;
type Endpoints = { global?: string[]; US?: string[]; EU?: string[] } | undefined;

/**
 * The host names a cell of a jurisdiction may reach at a sub-processor: its regional endpoints for
 * that jurisdiction when the vendor declares any regional endpoint, otherwise its global ones.
 */
export function endpointsFor(sp: { endpoints?: Endpoints }, jurisdiction: JurisdictionId): string[] {
  const endpoints = sp.endpoints ?? {};
  const regional = JURISDICTION_IDS.some((j) => endpoints[j] !== undefined);
  return regional ? [...(endpoints[jurisdiction] ?? [])] : [...(endpoints.global ?? [])];
}

/**
 * The endpoints a cell's voice service would reach at one sub-processor it uses: refused when there
 * are none, when an EU cell would fall back to a vendor's non-EU endpoints, or when an EU endpoint is
 * also one of the vendor's endpoints for another jurisdiction (so not an EU endpoint at all).
 */
export function checkEndpoints(cell: Raw, sp: Raw, path: (string | number)[], ctx: z.RefinementCtx): void {
  const jurisdiction = cell.jurisdiction as JurisdictionId;
  const endpoints = (sp.endpoints ?? {}) as Record<string, unknown>;
  const regional = JURISDICTION_IDS.filter((j) => Array.isArray(endpoints[j]));
  const where = `sub-processor "${String(sp.name)}" (${String(sp.id)}) used by ${jurisdiction} cell "${String(cell.id)}"`;
  if (regional.length > 0 && !regional.includes(jurisdiction)) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `${where} declares regional endpoints (${regional.join(', ')}) but none for ${jurisdiction}: the voice service would have nowhere in its jurisdiction to send the call; add subProcessors[].endpoints.${jurisdiction} or stop using the vendor in this cell`,
    });
    return;
  }
  if (regional.length === 0 && !Array.isArray(endpoints.global)) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `${where} declares no endpoints, so the cell's DNS firewall would let the voice service reach nothing there; list its host names under subProcessors[].endpoints (${jurisdiction} for a regional host, or global)`,
    });
    return;
  }
  if (jurisdiction !== 'EU' || regional.length === 0) return;
  const elsewhere = new Set(regional.filter((j) => j !== 'EU').flatMap((j) => endpoints[j] as string[]));
  const shared = (endpoints.EU as unknown[]).filter((h) => typeof h === 'string' && elsewhere.has(h));
  if (shared.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `${where} lists ${shared.join(', ')} as an EU endpoint and as an endpoint of another jurisdiction: a host that serves both is not inside the EU; list only the vendor's EU hosts under endpoints.EU`,
    });
  }
}

/**
 * A called number identifies one clinic: a number claimed by two clinics would give the credential
 * broker two answers, and a number of another country's plan would route a clinic's calls, and its
 * data, across its jurisdiction's border.
 */
export function checkPhoneNumbers(tenants: Raw[], cellJurisdiction: ReadonlyMap<string, unknown>, ctx: z.RefinementCtx): void {
  const owner = new Map<string, unknown>();
  tenants.forEach((tenant, i) => {
    const numbers = Array.isArray(tenant?.phoneNumbers) ? (tenant.phoneNumbers as unknown[]) : [];
    const jurisdiction = (JURISDICTION_IDS as unknown[]).includes(tenant?.jurisdiction)
      ? (tenant.jurisdiction as JurisdictionId)
      : (cellJurisdiction.get(tenant?.cell) as JurisdictionId | undefined);
    numbers.forEach((n, j) => {
      if (typeof n !== 'string') return;
      const path = ['tenants', i, 'phoneNumbers', j];
      const other = owner.get(n);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${n} is already answered by clinic "${String(other)}": a called number must map to exactly one clinic; remove it from one of them`,
        });
      } else owner.set(n, tenant.id);
      if (jurisdiction && (JURISDICTION_IDS as string[]).includes(jurisdiction) && E164.test(n) && !isPhoneNumberIn(jurisdiction, n)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${n} is not a number of a ${jurisdiction} country (calling codes ${PHONE_COUNTRY_CODES[jurisdiction].map((c) => `+${c}`).join(', ')}): a clinic answers only numbers of its own jurisdiction`,
        });
      }
    });
  });
}
