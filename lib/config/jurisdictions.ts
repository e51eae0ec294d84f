/**
 * Jurisdictions are built in, not configured: which regions may hold a clinic's data is a legal
 * decision recorded here in code review, never something a config file can widen.
 */
export const JURISDICTIONS = {
  /**
   * US commercial regions. GovCloud is left out: it needs a separate partition and account
   * structure, and none of our customers require it.
   */
  US: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
  /**
   * Regions inside the European Union only. London (eu-west-2) and Zurich (eu-central-2) are
   * not in the EU; their GDPR adequacy decisions can be revoked, so EU clinic data never goes there.
   */
  EU: ['eu-central-1', 'eu-west-1', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'eu-south-2'],
} as const satisfies Record<string, readonly string[]>;

export type JurisdictionId = keyof typeof JURISDICTIONS;

export const JURISDICTION_IDS = Object.keys(JURISDICTIONS) as JurisdictionId[];

/** Matches any AWS region name, so that rules can find regions named anywhere in a template. */
export const REGION_PATTERN = /\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d\b/g;

export function regionsOf(jurisdiction: JurisdictionId): readonly string[] {
  return JURISDICTIONS[jurisdiction];
}

export function isRegionIn(jurisdiction: JurisdictionId, region: string): boolean {
  return (JURISDICTIONS[jurisdiction] as readonly string[]).includes(region);
}
