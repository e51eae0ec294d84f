import { z } from 'zod';

/**
 * Field schemas of the voice data path (issue 13): the numbers a clinic answers, how the credential
 * broker verifies the telephony provider, and the host names each sub-processor may be reached at.
 * Cross-field checks (a number claimed twice, a number outside the clinic's jurisdiction, endpoints a
 * cell needs) are in `voice-path-checks.ts`.
 */

/** E.164: a plus sign, a country code not starting with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A clinic's public business numbers. Not PHI (they are published by the clinic); they never
 * appear in a resource name or tag, only in the credential broker's bundled number map.
 */
export const PhoneNumbersSchema = z
  .array(
    z
      .string({ error: 'must be a phone number in E.164 form, such as "+12025550101"' })
      .regex(E164, 'must be a phone number in E.164 form: "+", the country code and the number, digits only (for example "+12025550101")'),
    { error: 'must be the list of numbers the clinic answers, in E.164 form' },
  )
  .default([]);

/** Signature schemes the credential broker implements (`lib/broker/signature.ts`); a new provider adds one. */
export const SIGNATURE_SCHEMES = ['twilio-hmac-sha1'] as const;

export const TelephonySchema = z.strictObject({
  /**
   * How the provider signs its webhooks and media-stream connections. `twilio-hmac-sha1`: Twilio's
   * X-Twilio-Signature, HMAC-SHA1 with the account's auth token over the URL and the sorted parameters.
   */
  signatureScheme: z
    .enum(SIGNATURE_SCHEMES, { error: `must be one of the signature schemes the credential broker implements: ${SIGNATURE_SCHEMES.join(', ')}` })
    .default('twilio-hmac-sha1'),
  /** A signed request whose signed timestamp is older (or newer) than this is refused as a replay. */
  replayWindowSeconds: z
    .number({ error: 'must be a number of seconds' })
    .int()
    .min(5, 'must be at least 5 seconds (clock skew between the provider and AWS)')
    .max(300, 'must be at most 300 seconds: a longer window leaves a captured request usable for longer')
    .default(60),
});

/** A DNS name the DNS firewall can allow: labels of letters, digits and hyphens, optionally `*.` first. */
const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const hosts = (where: string) =>
  z
    .array(
      z.string({ error: 'must be a host name such as "api.example.com"' }).regex(HOST, 'must be a lower-case host name such as "api.example.com" (a leading "*." allows its subdomains)'),
      { error: `must be the list of host names ${where}` },
    )
    .min(1, `must list at least one host name ${where}, or be left out`);

/**
 * The host names the voice service may reach at a sub-processor. A vendor with regional endpoints
 * lists them per jurisdiction (an EU cell then uses only `EU`); `global` serves every jurisdiction
 * the vendor declares no regional endpoint for.
 */
export const EndpointsSchema = z
  .strictObject({
    global: hosts('the vendor serves every jurisdiction from').optional(),
    US: hosts('of the vendor\'s US endpoints').optional(),
    EU: hosts('of the vendor\'s EU endpoints').optional(),
  })
  .optional();
