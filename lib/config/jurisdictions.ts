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

/**
 * Country calling codes (E.164) of the numbers a clinic of a jurisdiction may answer: a clinic's
 * number must be a number of its own jurisdiction's countries. +1 is the North American Numbering
 * Plan, which also serves Canada and the Caribbean; the US jurisdiction accepts it as a whole.
 * EU: the 27 member states only (no UK +44, no Switzerland +41, no EEA-only Norway +47).
 */
export const PHONE_COUNTRY_CODES = {
  US: ['1'],
  EU: [
    '30', '31', '32', '33', '34', '36', '39', '40', '43', '45', '46', '48', '49',
    '351', '352', '353', '356', '357', '358', '359', '370', '371', '372', '385', '386', '420', '421',
  ],
} as const satisfies Record<JurisdictionId, readonly string[]>;

/** Whether an E.164 number (`+` and digits) belongs to a country of the jurisdiction. */
export function isPhoneNumberIn(jurisdiction: JurisdictionId, e164: string): boolean {
  return (PHONE_COUNTRY_CODES[jurisdiction] as readonly string[]).some((code) => e164.startsWith(`+${code}`));
}
