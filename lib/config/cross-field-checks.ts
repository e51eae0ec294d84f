import { z } from 'zod';
import { JURISDICTION_IDS, JurisdictionId, isRegionIn, regionsOf } from './jurisdictions';
import { RDS_POSTGRES_CLASSES_AS_OF, rdsPostgresClassesIn } from './rds-instance-classes';
import { checkEndpoints, checkPhoneNumbers } from './voice-path-checks';

/**
 * The checks a field schema cannot make alone: fields that depend on one another within a cell, and
 * references across cells, clinics and sub-processors. `schema.ts` holds the shape of each field.
 */

/**
 * Clinics per cell. Each clinic adds two IAM roles and two customer-managed policies to the cell's
 * account, two buckets in each region and one stack in each region. At 400 clinics a cell uses
 * about 830 of the default 1,000 IAM roles and 1,500 managed policies, 1,600 of 10,000 buckets and
 * 410 of 2,000 stacks per region: inside every default quota with room for the cell's own roles.
 */
export const MAX_TENANTS_PER_CELL = 400;

/**
 * Clinics in all, when the deployment pipeline is on: its one template grows by about 4 KB per
 * clinic (a deploy action per stack); at 100 it stays under 60 % of CloudFormation's 1 MB limit.
 */
export const MAX_TENANTS_WITH_PIPELINE = 100;

/** Checks within one cell: regions inside the jurisdiction, zones inside the primary region. */
export function cellPlacement(value: unknown, ctx: z.RefinementCtx): void {
  const cell = (value ?? {}) as Partial<Record<string, unknown>>;
  if (typeof cell.jurisdiction !== 'string' || !JURISDICTION_IDS.includes(cell.jurisdiction as JurisdictionId)) return;
  const jurisdiction = cell.jurisdiction as JurisdictionId;
  const allowed = regionsOf(jurisdiction).join(', ');
  for (const field of ['primaryRegion', 'drRegion'] as const) {
    const region = cell[field];
    if (typeof region === 'string' && !isRegionIn(jurisdiction, region)) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `"${region}" is not a ${jurisdiction} region; use one of ${allowed}`,
      });
    }
  }
  if (typeof cell.primaryRegion === 'string' && cell.drRegion === cell.primaryRegion) {
    ctx.addIssue({
      code: 'custom',
      path: ['drRegion'],
      message: `must differ from primaryRegion "${cell.primaryRegion}": disaster recovery needs a second region in ${jurisdiction}`,
    });
  }
  const zones = Array.isArray(cell.availabilityZones) ? cell.availabilityZones : [];
  const seen = new Set<unknown>();
  zones.forEach((az, i) => {
    if (typeof az === 'string' && typeof cell.primaryRegion === 'string' && !new RegExp(`^${cell.primaryRegion}[a-z]$`).test(az)) {
      ctx.addIssue({
        code: 'custom',
        path: ['availabilityZones', i],
        message: `"${az}" is not an availability zone of primaryRegion "${cell.primaryRegion}"; use names like "${cell.primaryRegion}a"`,
      });
    }
    if (seen.has(az)) {
      ctx.addIssue({ code: 'custom', path: ['availabilityZones', i], message: `"${String(az)}" is listed twice` });
    }
    seen.add(az);
  });
  const siem = cell.siem as Partial<Record<string, unknown>> | undefined;
  // GDPR covers every personal data, so an EU SIEM needs a DPA and EU processing even without PHI.
  if (siem && (cell.carriesPhi !== false || jurisdiction === 'EU')) {
    if (siem.baaSigned === false && cell.carriesPhi !== false) {
      ctx.addIssue({
        code: 'custom',
        path: ['siem', 'baaSigned'],
        message: `SIEM "${String(siem.name)}" would receive PHI without a BAA; sign a BAA with it or remove the endpoint (only a cell without clinics may set carriesPhi: false)`,
      });
    }
    if (jurisdiction === 'EU' && siem.dpaSigned === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['siem', 'dpaSigned'],
        message: `SIEM "${String(siem.name)}" would receive EU personal data without a DPA; sign a DPA with it or remove the endpoint`,
      });
    }
    if (Array.isArray(siem.processingRegions)) {
      siem.processingRegions.forEach((region, i) => {
        if (typeof region === 'string' && !isRegionIn(jurisdiction, region)) {
          ctx.addIssue({
            code: 'custom',
            path: ['siem', 'processingRegions', i],
            message: `SIEM "${String(siem.name)}" processes data in "${region}", outside ${jurisdiction}; use a SIEM region in ${allowed}`,
          });
        }
      });
    }
  }
  const retention = cell.retention as Partial<Record<string, unknown>> | undefined;
  if (typeof retention?.archiveColdAfterDays === 'number' && typeof retention?.auditDays === 'number' && retention.archiveColdAfterDays >= retention.auditDays) {
    ctx.addIssue({
      code: 'custom',
      path: ['retention', 'archiveColdAfterDays'],
      message: `must be less than auditDays (${retention.auditDays}): archive objects move to cold storage before their retention ends`,
    });
  }
  const voice = cell.voice as Partial<Record<string, unknown>> | undefined;
  if (typeof voice?.certificateArn === 'string' && typeof cell.primaryRegion === 'string') {
    const [, , , region, account] = voice.certificateArn.split(':');
    const accountKnown = typeof cell.account === 'string' && /^\d{12}$/.test(cell.account);
    if (region !== cell.primaryRegion || (accountKnown && account !== cell.account)) {
      ctx.addIssue({
        code: 'custom',
        path: ['voice', 'certificateArn'],
        message: `must be a certificate of account ${String(cell.account)} in the primary region ${cell.primaryRegion}: a load balancer can only use certificates of its own region`,
      });
    }
  }
  const access = cell.humanAccess as Partial<Record<string, unknown>> | undefined;
  if (typeof access?.samlProviderArn === 'string' && typeof cell.account === 'string' && access.samlProviderArn.split(':')[4] !== cell.account) {
    ctx.addIssue({
      code: 'custom',
      path: ['humanAccess', 'samlProviderArn'],
      message: `must be a SAML provider of the cell's own account ${cell.account}: roles can only trust an identity provider registered in their account`,
    });
  }
  const database = cell.database as Partial<Record<string, unknown>> | undefined;
  if (
    typeof database?.allocatedStorageGiB === 'number' &&
    typeof database?.maxAllocatedStorageGiB === 'number' &&
    database.maxAllocatedStorageGiB < database.allocatedStorageGiB
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['database', 'maxAllocatedStorageGiB'],
      message: `must be at least allocatedStorageGiB (${database.allocatedStorageGiB})`,
    });
  }
  checkInstanceClass(cell, ctx);
  if (typeof cell.natGateways === 'number' && zones.length > 0 && cell.natGateways > zones.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['natGateways'],
      message: `must be at most the number of availability zones (${zones.length})`,
    });
  }
}

/** Checks that need more than one object: unique ids, tenants placed in existing, matching cells. */
/**
 * A database class the primary region does not offer would pass synthesis and fail the deploy
 * (CloudFormation: "DB instance class not available"), so it is refused here, with what the region offers.
 */
function checkInstanceClass(cell: Partial<Record<string, unknown>>, ctx: z.RefinementCtx): void {
  const database = cell.database as Partial<Record<string, unknown>> | undefined;
  const region = cell.primaryRegion;
  const instanceType = database?.instanceType;
  if (typeof region !== 'string' || typeof instanceType !== 'string') return;
  const offered = rdsPostgresClassesIn(region);
  if (!offered || offered.includes(instanceType)) return;
  const size = instanceType.split('.')[1];
  const sameSize = offered.filter((c) => c.split('.')[1] === size);
  const family = instanceType.split('.')[0];
  const sameFamily = offered.filter((c) => c.startsWith(`${family}.`));
  const choices = sameFamily.length > 0 ? sameFamily : sameSize.length > 0 ? sameSize : offered;
  ctx.addIssue({
    code: 'custom',
    path: ['database', 'instanceType'],
    message:
      `"${instanceType}" is not an RDS for PostgreSQL class that ${region} (the primary region) offers, so the deploy would fail; ` +
      `use one it offers, such as ${choices.join(', ')} (AWS price list of ${RDS_POSTGRES_CLASSES_AS_OF}, lib/config/rds-instance-classes.ts)`,
  });
}

export function crossReferences(value: unknown, ctx: z.RefinementCtx): void {
  const root = value as { cells?: unknown; tenants?: unknown; subProcessors?: unknown; pipeline?: unknown };
  const cells = Array.isArray(root?.cells) ? (root.cells as Array<Record<string, unknown>>) : [];
  const tenants = Array.isArray(root?.tenants) ? (root.tenants as Array<Record<string, unknown>>) : [];

  const cellJurisdiction = new Map<string, unknown>();
  const cellCarriesPhi = new Map<string, boolean>();
  const accounts = new Map<unknown, unknown>();
  // Only one hosted zone of a name can be delegated from its parent: two ids for one name means one never validates.
  const zones = new Map<string, { id: unknown; cell: unknown }>();
  cells.forEach((cell, i) => {
    const voice = cell?.voice as { hostedZoneName?: unknown; hostedZoneId?: unknown } | undefined;
    if (typeof voice?.hostedZoneName === 'string') {
      const other = zones.get(voice.hostedZoneName);
      if (other) {
        // Same id too: each cell is its own account, and ACM validates only in a zone of the certificate's account.
        const why =
          other.id === voice.hostedZoneId
            ? 'each cell has its own account, and ACM can write validation records only into a zone of the cell\'s own account'
            : `only one zone of a name can be delegated, so certificate validation in one of them would never complete`;
        ctx.addIssue({
          code: 'custom',
          path: ['cells', i, 'voice', 'hostedZoneName'],
          message: `zone "${voice.hostedZoneName}" (${String(voice.hostedZoneId)}) is already claimed by cell "${String(other.cell)}" (${String(other.id)}); ${why}. Give each cell a zone of its own, delegated to its account, for example "voice-${String(cell.id)}.example.com"`,
        });
      }
      zones.set(voice.hostedZoneName, { id: voice.hostedZoneId, cell: cell.id });
    }
    if (typeof cell?.account === 'string' && accounts.has(cell.account)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cells', i, 'account'],
        message: `account ${cell.account} is already used by cell "${String(accounts.get(cell.account))}"; each cell needs its own account (GuardDuty, Security Hub, AWS Config and the Config service-linked role exist once per account)`,
      });
    }
    accounts.set(cell?.account, cell?.id);
    if (typeof cell?.id !== 'string') return;
    if (cellJurisdiction.has(cell.id)) {
      ctx.addIssue({ code: 'custom', path: ['cells', i, 'id'], message: `duplicate cell id "${cell.id}"; cell ids must be unique` });
    }
    cellJurisdiction.set(cell.id, cell.jurisdiction);
    cellCarriesPhi.set(cell.id, cell.carriesPhi !== false);
  });

  checkSubProcessors(root, cells, ctx);
  checkPhoneNumbers(tenants, cellJurisdiction, ctx);

  const pipeline = (root as { pipeline?: { enabled?: unknown } }).pipeline;
  if (pipeline?.enabled === true && tenants.length > MAX_TENANTS_WITH_PIPELINE) {
    ctx.addIssue({
      code: 'custom',
      path: ['pipeline', 'enabled'],
      message: `the pipeline supports at most ${MAX_TENANTS_WITH_PIPELINE} tenants in all (its template grows about 4 KB per tenant toward CloudFormation's 1 MB limit) and config has ${tenants.length}; deploy cells with npm run deploy instead`,
    });
  }
  const perCell = new Map<unknown, number>();
  tenants.forEach((tenant, i) => {
    const count = (perCell.get(tenant?.cell) ?? 0) + 1;
    perCell.set(tenant?.cell, count);
    if (count === MAX_TENANTS_PER_CELL + 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenants', i, 'cell'],
        message: `cell "${String(tenant.cell)}" would hold more than ${MAX_TENANTS_PER_CELL} tenants, the most one account's default IAM quotas support; place further tenants in another cell (its own account)`,
      });
    }
  });

  const tenantIds = new Set<string>();
  tenants.forEach((tenant, i) => {
    if (typeof tenant?.id === 'string') {
      if (tenantIds.has(tenant.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', i, 'id'],
          message: `duplicate tenant id "${tenant.id}"; tenant ids must be unique across all cells`,
        });
      }
      tenantIds.add(tenant.id);
    }
    if (typeof tenant?.cell !== 'string') return;
    if (!cellJurisdiction.has(tenant.cell)) {
      const known = [...cellJurisdiction.keys()].join(', ') || '(none declared)';
      ctx.addIssue({
        code: 'custom',
        path: ['tenants', i, 'cell'],
        message: `unknown cell "${tenant.cell}"; use one of the declared cells: ${known}`,
      });
      return;
    }
    if (cellCarriesPhi.get(tenant.cell) === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenants', i, 'cell'],
        message: `cell "${tenant.cell}" is marked carriesPhi: false, but a clinic's calls, transcripts and appointments are PHI, so a cell without PHI holds no clinics; place the clinic in a cell that carries PHI, or remove carriesPhi: false from cell "${tenant.cell}" (its sub-processors then need their BAA or DPA)`,
      });
    }
    const expected = cellJurisdiction.get(tenant.cell);
    const known = (j: unknown) => JURISDICTION_IDS.includes(j as JurisdictionId);
    // A misspelt jurisdiction is reported on its own field; comparing it would only add contradicting advice.
    if (known(tenant.jurisdiction) && known(expected) && tenant.jurisdiction !== expected) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenants', i, 'jurisdiction'],
        message: `is ${tenant.jurisdiction} but cell "${tenant.cell}" is ${expected}; a clinic's data must stay in its jurisdiction, so place it in a ${tenant.jurisdiction} cell`,
      });
    }
  });
}

/**
 * The BAA chain: a cell that carries PHI may use a sub-processor that sees PHI only with a signed
 * BAA (US), or a signed DPA and processing inside the jurisdiction (EU).
 */
function checkSubProcessors(root: { subProcessors?: unknown }, cells: Array<Record<string, unknown>>, ctx: z.RefinementCtx): void {
  const list = Array.isArray(root.subProcessors) ? (root.subProcessors as Array<Record<string, any>>) : [];
  const byId = new Map(list.filter((sp) => typeof sp?.id === 'string').map((sp) => [sp.id as string, sp]));
  cells.forEach((cell, i) => {
    const used = Array.isArray(cell?.subProcessors) ? (cell.subProcessors as unknown[]) : [];
    const jurisdiction = cell?.jurisdiction as JurisdictionId;
    if (!JURISDICTION_IDS.includes(jurisdiction)) return;
    used.forEach((id, j) => {
      const path = ['cells', i, 'subProcessors', j];
      const sp = typeof id === 'string' ? byId.get(id) : undefined;
      if (!sp) {
        ctx.addIssue({ code: 'custom', path, message: `unknown sub-processor "${String(id)}"; use one of: ${[...byId.keys()].join(', ') || '(none declared)'}` });
        return;
      }
      let contractMissing = false;
      const missing = (what: string) => {
        contractMissing = true;
        ctx.addIssue({ code: 'custom', path, message: `sub-processor "${sp.name}" sees PHI in ${jurisdiction} cell "${String(cell.id)}" but ${what}` });
      };
      // Endpoints are checked once the contract is in place: an uncovered vendor is refused for that first.
      const endpointsAfterContract = () => {
        if (!contractMissing) checkEndpoints(cell, sp, path, ctx);
      };
      if (cell.carriesPhi === false || sp.seesPhi !== true) return endpointsAfterContract();
      if (jurisdiction === 'US' && sp.baa?.signed !== true) missing('has no signed BAA; sign one or stop using it in this cell');
      if (jurisdiction === 'EU') {
        if (sp.dpa?.signed !== true) missing('has no signed DPA; sign one or stop using it in this cell');
        const regions: unknown[] = sp.processingRegions?.EU ?? [];
        if (regions.length === 0) missing('processes no data inside the EU; it must list EU processing regions');
        const outside = regions.filter((r) => typeof r === 'string' && !isRegionIn('EU', r));
        if (outside.length > 0) missing(`lists EU processing in ${outside.join(', ')}, outside the EU`);
      }
      if (jurisdiction === 'US' && !(sp.processingRegions?.US?.length > 0)) missing('lists no US processing regions');
      endpointsAfterContract();
    });
  });
}
