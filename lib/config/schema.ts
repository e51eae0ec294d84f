import { z } from 'zod';
import { JURISDICTION_IDS, JurisdictionId } from './jurisdictions';
import { EndpointsSchema, PhoneNumbersSchema, TelephonySchema } from './voice-path-schema';
import { cellPlacement, crossReferences } from './cross-field-checks';
import { DeployIdentitySchema } from './deploy-identity';
import { BreachNotificationSchema, breachNotificationDeadline } from './breach-notification';

/**
 * The one source of truth for the shape of `config/*.yaml`. The TypeScript types below are
 * inferred from it; every object is strict, so a typo in a key is an error, not a silent default.
 */

/** HIPAA (45 CFR 164.316(b)(2)) keeps documentation for six years; 2192 days covers leap years. */
export const HIPAA_MIN_RETENTION_DAYS = 2192;

export { MAX_TENANTS_PER_CELL, MAX_TENANTS_WITH_PIPELINE } from './cross-field-checks';

/** The only retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const AUDIT_RETENTION_DAYS = LOG_RETENTION_DAYS.filter((d) => d >= HIPAA_MIN_RETENTION_DAYS);

const DNS_ID = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function dnsId(what: string, maxLength: number) {
  return z
    .string({ error: `must be the ${what}: a string of lower-case letters, digits and hyphens` })
    .max(maxLength, `must be at most ${maxLength} characters long (it becomes part of AWS resource names)`)
    .regex(
      DNS_ID,
      'must be DNS-safe: lower-case letters, digits and hyphens, starting and ending with a letter or digit (for example "clinic-001")',
    )
    .refine((id) => !id.includes('--'), { message: 'must not contain two hyphens in a row (ECR and other AWS names refuse them)' });
}

/** An IPv4 CIDR block whose address is the network address of its prefix, as EC2 requires. */
function isCanonicalCidr(cidr: string): boolean {
  const [address, bits] = cidr.split('/');
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return false;
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  return value % 2 ** (32 - Number(bits)) === 0;
}

/** Fargate's allowed task memory (MiB) for each CPU size. */
const FARGATE_MEMORY: Record<number, { min: number; max: number; step: number; list?: number[] }> = {
  256: { min: 512, max: 2048, step: 512, list: [512, 1024, 2048] },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
};

function fargateMemoryAllowed(cpu: number, memory: number): boolean {
  const m = FARGATE_MEMORY[cpu];
  if (!m) return false;
  if (m.list) return m.list.includes(memory);
  return memory >= m.min && memory <= m.max && (memory - m.min) % m.step === 0;
}

function logRetention(what: string, allowed: readonly number[]) {
  return z
    .number({ error: `must be the ${what} in days, one of ${allowed.join(', ')}` })
    .refine((d) => allowed.includes(d), {
      message: `must be a retention period CloudWatch Logs supports: one of ${allowed.join(', ')} days`,
    });
}

function positiveDays(what: string) {
  return z
    .number({ error: `must be the ${what} as a whole number of days greater than 0` })
    .int(`must be a whole number of days (the ${what})`)
    .positive(`must be a positive number of days (the ${what})`);
}

const regionName = z.string({ error: 'must be an AWS region name such as "us-east-1"' });

/** A built-in jurisdiction; a wrong value is told the allowed ones, and a lower-case one its spelling. */
function jurisdictionId() {
  return z.enum(JURISDICTION_IDS as [JurisdictionId, ...JurisdictionId[]], {
    error: (issue) => {
      const given = issue.input;
      const upper = typeof given === 'string' ? given.toUpperCase() : undefined;
      const spelling = upper && (JURISDICTION_IDS as string[]).includes(upper) ? ` (write "${upper}" in capitals)` : '';
      return `${typeof given === 'string' ? `"${given}" is not a jurisdiction; ` : ''}must be one of the built-in jurisdictions: ${JURISDICTION_IDS.join(', ')}${spelling}`;
    },
  });
}

/**
 * The longest a clinic's recordings or transcripts may be kept: ten years (3653 days). S3 would accept
 * any number, so the bound is ours: our copy of a call serves the receptionist and the audit of its
 * work, GDPR (Art. 5(1)(e), storage limitation) forbids keeping personal data longer than that purpose
 * needs, and ten years covers the longest audit-documentation period we serve (HIPAA six, Texas ten).
 * A clinic's medical record lives in its own record system, under its own retention law.
 */
export const MAX_PHI_RETENTION_DAYS = 3653;

function phiRetentionDays(what: string) {
  return positiveDays(`${what} retention`).max(
    MAX_PHI_RETENTION_DAYS,
    `must be at most ${MAX_PHI_RETENTION_DAYS} days (ten years): a clinic's call data is kept only as long as its purpose needs (GDPR storage limitation); the medical record belongs in the clinic's own record system`,
  );
}

export const RetentionSchema = z.strictObject({
  /** Audit and security logs (CloudTrail, flow logs, database audit, WAF) and the audit archive. */
  auditDays: z
    .number({ error: `must be the audit retention in days, at least ${HIPAA_MIN_RETENTION_DAYS} (six years)` })
    .superRefine((days, ctx) => {
      if (days < HIPAA_MIN_RETENTION_DAYS) {
        ctx.addIssue({
          code: 'custom',
          message: `must be at least ${HIPAA_MIN_RETENTION_DAYS} days (HIPAA requires six years of audit records; Texas requires ten): use one of ${AUDIT_RETENTION_DAYS.join(', ')}`,
        });
      } else if (!(AUDIT_RETENTION_DAYS as readonly number[]).includes(days)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a retention period CloudWatch Logs supports: one of ${AUDIT_RETENTION_DAYS.join(', ')} days`,
        });
      }
    }),
  /** Operational application logs that carry no audit meaning. */
  operationalLogDays: logRetention('operational log retention', LOG_RETENTION_DAYS).default(90),
  /** S3 server access logs and load balancer logs: evidence of who reached PHI storage. */
  accessLogDays: z
    .number({ error: `must be the access log retention in days, at least ${HIPAA_MIN_RETENTION_DAYS}` })
    .int('must be a whole number of days')
    .min(HIPAA_MIN_RETENTION_DAYS, `must be at least ${HIPAA_MIN_RETENTION_DAYS} days: access logs of PHI storage are audit records`)
    .default(HIPAA_MIN_RETENTION_DAYS),
  /** Days after which audit archive objects move to a colder storage class. */
  archiveColdAfterDays: positiveDays('number of days before audit archive objects move to cold storage').default(90),
});

/** Who hears of a security event in this cell: the breach-notification contacts. */
export const AlertsSchema = z.strictObject({
  emails: z
    .array(z.email({ error: 'must be an e-mail address of a role mailbox, such as "security-alerts@example.com"' }), {
      error: 'must list the breach-notification e-mail addresses',
    })
    .min(1, 'must list at least one breach-notification contact: HIPAA requires that someone is told of a breach'),
  httpsEndpoints: z
    .array(z.url({ protocol: /^https$/, error: 'must be an https:// URL (for example a paging service webhook)' }))
    .default([]),
});

/**
 * An external SIEM that receives a copy of the audit logs. It sees PHI (CloudTrail data events
 * name objects; database audit logs carry statements), so the contracts are checked before use.
 */
export const SiemEndpointSchema = z.strictObject({
  /** The SIEM vendor, as listed among the sub-processors. */
  name: z.string({ error: 'must be the name of the SIEM provider' }).min(1),
  url: z.url({ protocol: /^https$/, error: 'must be the https:// ingestion URL of the SIEM' }),
  /** A Business Associate Agreement with the SIEM provider is signed. */
  baaSigned: z.boolean({ error: 'must be true or false: is a BAA with the SIEM provider signed?' }),
  /** A GDPR Data Processing Agreement with the SIEM provider is signed. */
  dpaSigned: z.boolean({ error: 'must be true or false: is a DPA with the SIEM provider signed?' }),
  /** The AWS regions (or region-equivalent locations) where the SIEM processes the data. */
  processingRegions: z.array(regionName).min(1, 'must list where the SIEM processes the data'),
});

/** The cell's PostgreSQL database: appointments and call metadata of every clinic of the cell. */
export const DatabaseSchema = z.strictObject({
  /** An RDS instance class without the `db.` prefix, for example `r7g.large`. */
  instanceType: z
    .string({ error: 'must be an RDS instance class without "db.", for example "r7g.large"' })
    .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an RDS instance class without "db.", for example "r7g.large"')
    .default('r7g.large'),
  allocatedStorageGiB: z.number({ error: 'must be a number of GiB' }).int().min(20, 'must be at least 20 GiB').default(100),
  maxAllocatedStorageGiB: z.number({ error: 'must be a number of GiB' }).int().max(65536).default(1000),
});

/** The placeholder digest the example config ships with; the deploy refuses it. */
export const PLACEHOLDER_IMAGE_DIGEST = `sha256:${'0'.repeat(64)}`;

/**
 * AWS WAF's per-address rate limit on the voice load balancer. A telephony provider sends every
 * clinic's webhooks and media streams from a handful of addresses, so its published ranges are
 * exempt from the limit (they still pass the managed rule groups).
 */
export const WafSchema = z.strictObject({
  /** Requests one source address may send in five minutes before WAF blocks it; WAF accepts 10 and more. */
  rateLimitPerFiveMinutes: z
    .number({ error: 'must be the number of requests per five minutes one address may send' })
    .int()
    .min(10, 'must be at least 10, the lowest rate limit AWS WAF accepts')
    .max(2_000_000_000)
    .default(2000),
  /** The telephony provider's published source ranges: never rate limited. */
  rateLimitExemptCidrs: z.array(z.cidrv4({ error: 'must be an IPv4 CIDR block such as "203.0.113.0/24"' })).default([]),
});

/** The voice service: the container that answers calls, behind a TLS-only load balancer. */
export const VoiceSchema = z
  .strictObject({
    /** The image to run, by digest, from the cell's ECR repository. */
    imageDigest: z
      .string({ error: 'must be the image digest to run, "sha256:" and 64 hex digits' })
      .regex(/^sha256:[0-9a-f]{64}$/, 'must be an image digest: "sha256:" followed by 64 lower-case hex digits (tags are mutable; digests are not)'),
    containerPort: z.number({ error: 'must be the port the container listens on' }).int().min(1024, 'must be 1024 or higher: the container runs as a non-root user').max(65535).default(8080),
    healthCheckPath: z.string({ error: 'must be an HTTP path such as "/healthz"' }).regex(/^\/[A-Za-z0-9/_-]*$/, 'must be an HTTP path such as "/healthz"').default('/healthz'),
    cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)], {
      error: 'must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096',
    }).default(1024),
    memoryMiB: z.number({ error: 'must be the task memory in MiB' }).int().min(512).max(30720).default(2048),
    minTasks: z.number({ error: 'must be the minimum number of tasks' }).int().min(2, 'must be at least 2: a call must survive the loss of one task or zone').default(2),
    maxTasks: z.number({ error: 'must be the maximum number of tasks' }).int().max(100).default(10),
    cpuTargetPercent: z.number({ error: 'must be a CPU utilization target in percent' }).int().min(10).max(90).default(60),
    requestsPerTarget: z.number({ error: 'must be the number of requests per task to scale at' }).int().positive().default(500),
    /** Who may reach the load balancer; empty means the whole internet (the telephony provider's webhooks). */
    allowedIngressCidrs: z.array(z.cidrv4({ error: 'must be an IPv4 CIDR block such as "203.0.113.0/24"' })).default([]),
    /** The per-address rate limit and the provider ranges exempt from it. */
    waf: WafSchema.default({ rateLimitPerFiveMinutes: 2000, rateLimitExemptCidrs: [] }),
    /** How the credential broker verifies the telephony provider's signed requests. */
    telephony: TelephonySchema.prefault({}),
    /** An existing ACM certificate in the primary region ... */
    certificateArn: z.string().regex(/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, 'must be an ACM certificate ARN').optional(),
    /** ... or a certificate issued by ACM and DNS-validated in this hosted zone. */
    domainName: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'must be a DNS name such as "voice-us.example.com"').optional(),
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'must be a Route 53 hosted zone id such as "Z0123456789EXAMPLE"').optional(),
    hostedZoneName: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'must be the hosted zone\'s DNS name such as "example.com"').optional(),
  })
  .superRefine((voice, ctx) => {
    const dns = [voice.domainName, voice.hostedZoneId, voice.hostedZoneName];
    const dnsComplete = dns.every((v) => v !== undefined);
    const dnsPartial = dns.some((v) => v !== undefined) && !dnsComplete;
    if (voice.certificateArn && dns.some((v) => v !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['certificateArn'], message: 'give either certificateArn or domainName with hostedZoneId and hostedZoneName, not both' });
    } else if (dnsPartial) {
      ctx.addIssue({ code: 'custom', path: ['hostedZoneId'], message: 'a DNS-validated certificate needs all of domainName, hostedZoneId and hostedZoneName' });
    } else if (!voice.certificateArn && !dnsComplete) {
      ctx.addIssue({ code: 'custom', path: ['certificateArn'], message: 'is missing: give an ACM certificateArn, or domainName with hostedZoneId and hostedZoneName for a DNS-validated certificate' });
    }
    if (voice.domainName && voice.hostedZoneName && !`.${voice.domainName}`.endsWith(`.${voice.hostedZoneName}`)) {
      ctx.addIssue({ code: 'custom', path: ['domainName'], message: `"${voice.domainName}" is not inside hosted zone "${voice.hostedZoneName}"` });
    }
    if (!fargateMemoryAllowed(voice.cpu, voice.memoryMiB)) {
      const m = FARGATE_MEMORY[voice.cpu];
      ctx.addIssue({
        code: 'custom',
        path: ['memoryMiB'],
        message: `is not a Fargate memory size for cpu ${voice.cpu}: use ${m.list ? m.list.join(', ') : `${m.min} to ${m.max} in steps of ${m.step}`}`,
      });
    }
    if (voice.maxTasks < voice.minTasks) {
      ctx.addIssue({ code: 'custom', path: ['maxTasks'], message: `must be at least minTasks (${voice.minTasks})` });
    }
  });

/**
 * An identity role of a trusted account, or an IAM Identity Center permission set's role there
 * (`role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<set>_*`: `*` matches the generated suffix).
 */
const IdentityRoleArnSchema = z
  .string()
  .regex(
    /^arn:aws:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\/*-]+$/,
    'must be an IAM role ARN of a trusted account, such as arn:aws:iam::999999999999:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Operator_*',
  )
  .refine((arn) => arn.split(':')[5] !== 'role/*', { message: 'must name a role or permission set, not every role of the account (role/*)' });

const assumersOf = (role: string) =>
  z.array(IdentityRoleArnSchema).min(1, `must name at least one identity role or permission set allowed to assume the ${role} role`);

/** Who may assume the human roles of a cell (operator, auditor, break-glass), always with MFA. */
export const HumanAccessSchema = z
  .strictObject({
    /** Accounts whose principals may assume the roles (for example the organization's identity account). */
    trustedAccounts: z.array(z.string().regex(/^\d{12}$/, 'must be a 12-digit account id')).default([]),
    /**
     * For each human role, the roles or permission sets of the trusted accounts that may assume it
     * (matched by aws:PrincipalArn); required with trustedAccounts.
     */
    assumableBy: z
      .strictObject({ operator: assumersOf('operator'), auditor: assumersOf('auditor'), breakGlass: assumersOf('break-glass') })
      .optional(),
    /** An IAM SAML identity provider of this account, for federated sign-in. */
    samlProviderArn: z.string().regex(/^arn:aws:iam::\d{12}:saml-provider\/[A-Za-z0-9._-]+$/, 'must be an IAM SAML provider ARN').optional(),
    /** Longest session of any human role, in minutes. */
    maxSessionMinutes: z.number({ error: 'must be a number of minutes' }).int().min(60, 'must be at least 60 minutes, the shortest maximum session IAM allows').max(240, 'must be at most 240 minutes: human sessions stay short').default(60),
  })
  .refine((a) => a.trustedAccounts.length > 0 || a.samlProviderArn !== undefined, {
    message: 'must name who may assume the human roles: trustedAccounts, or a samlProviderArn',
  })
  .superRefine((a, ctx) => {
    if (a.trustedAccounts.length > 0 && !a.assumableBy) {
      ctx.addIssue({
        code: 'custom',
        path: ['assumableBy'],
        message:
          'must name, for operator, auditor and breakGlass, the identity roles or permission sets of the trusted accounts allowed to assume each: trusting a whole account lets any of its principals in',
      });
    }
    for (const [role, arns] of Object.entries(a.assumableBy ?? {})) {
      arns.forEach((arn, i) => {
        const account = arn.split(':')[4];
        if (!a.trustedAccounts.includes(account)) {
          ctx.addIssue({ code: 'custom', path: ['assumableBy', role, i], message: `must be a role of a trusted account (${a.trustedAccounts.join(', ') || 'none'}): add ${account} to trustedAccounts or fix the ARN` });
        }
      });
    }
  });

/** Who runs the account-wide detection services of the cell's account. */
export const DetectionSchema = z.strictObject({
  /**
   * `cell`: the Detection stack creates the GuardDuty detector, Security Hub with its standards and
   * the AWS Config recorder. `organization`: the organization already runs them for this account
   * (delegated administrator, Control Tower); the stack keeps its Config rules and every alert.
   */
  accountServices: z.enum(['cell', 'organization'], { error: 'must be "cell" or "organization"' }).default('cell'),
});

export const CellSchema = z
  .strictObject({
    id: dnsId('cell id', 12),
    jurisdiction: jurisdictionId(),
    account: z
      .string({ error: 'must be the 12-digit AWS account id as a quoted string, for example "111111111111"' })
      .regex(/^\d{12}$/, 'must be exactly 12 digits (quote it in YAML so leading zeros survive)'),
    primaryRegion: regionName,
    drRegion: regionName,
    availabilityZones: z
      .array(z.string({ error: 'must be an availability zone name such as "us-east-1a"' }), {
        error: 'must list the availability zones of the primary region, for example [us-east-1a, us-east-1b]',
      })
      .min(2, 'must list at least 2 availability zones: the database is Multi-AZ and the load balancer needs two')
      .max(6, 'must list at most 6 availability zones'),
    vpcCidr: z
      .string({ error: 'must be an IPv4 CIDR block such as "10.10.0.0/16"' })
      .regex(
        /^(\d{1,3}\.){3}\d{1,3}\/(1[6-8])$/,
        'must be an IPv4 CIDR block between /16 and /18 (room for three subnet tiers in up to six zones), such as "10.10.0.0/16"',
      )
      .refine(isCanonicalCidr, {
        message: 'must be a valid network address for its prefix (each number 0-255, host bits zero), such as "10.10.0.0/16"',
      }),
    natGateways: z
      .number({ error: 'must be the number of NAT gateways, from 1 up to the number of availability zones' })
      .int('must be a whole number')
      .min(1, 'must be at least 1: the voice service reaches its telephony and model providers through NAT'),
    /**
     * Whether the cell may hold PHI (default true). A clinic's calls, transcripts, recordings and
     * appointments are PHI by definition, so a cell with `carriesPhi: false` may hold no clinics at all
     * (a test or staging cell); only then are the BAA checks on its sub-processors and SIEM relaxed, and
     * its resources tagged `data-classification: internal`.
     */
    carriesPhi: z.boolean({ error: 'must be true or false' }).default(true),
    retention: RetentionSchema,
    alerts: AlertsSchema,
    /** Ids of the sub-processors this cell's voice service uses. */
    subProcessors: z.array(z.string({ error: 'must be a sub-processor id' })).default([]),
    siem: SiemEndpointSchema.optional(),
    database: DatabaseSchema.prefault({}),
    voice: VoiceSchema,
    humanAccess: HumanAccessSchema,
    /** The automated identity that deploys the cell from CI (README, "Deploys"); people hold no deploy rights. */
    deployFrom: DeployIdentitySchema.prefault({}),
    detection: DetectionSchema.prefault({}),
  })
  .superRefine(cellPlacement, {
    // Region and zone checks run even when another field of the cell is wrong.
    when: () => true,
  });

const DEFAULT_PHI_RETENTION_DAYS = 365;

const StoredDataSchema = (what: string) =>
  z.strictObject({
    retentionDays: phiRetentionDays(what).default(DEFAULT_PHI_RETENTION_DAYS),
  });

export const TenantSchema = z.strictObject({
  id: dnsId('tenant id', 18).refine((id) => !id.endsWith('-replication'), {
    message: 'must not end with "-replication": that suffix names a tenant\'s replication role',
  }),
  cell: z.string({ error: 'must be the id of the cell this tenant belongs to' }),
  jurisdiction: jurisdictionId(),
  recordings: z
    .strictObject({
      /** A clinic may opt out of call recordings; then no recording can be written for it. */
      enabled: z.boolean({ error: 'must be true or false' }).default(true),
      /** Required to be absent when recordings are off: a retention for recordings that never exist contradicts itself. */
      retentionDays: phiRetentionDays('recording').optional(),
    })
    .superRefine((recordings, ctx) => {
      if (recordings.enabled === false && recordings.retentionDays !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['retentionDays'],
          message: 'contradicts enabled: false (no recording is ever written, so none is kept): remove retentionDays, or set enabled: true if the clinic records calls',
        });
      }
    })
    // Off means no retention at all, so that the validated config validates again as it is.
    .transform((recordings): { enabled: true; retentionDays: number } | { enabled: false } =>
      recordings.enabled ? { enabled: true, retentionDays: recordings.retentionDays ?? DEFAULT_PHI_RETENTION_DAYS } : { enabled: false },
    )
    .prefault({}),
  transcripts: StoredDataSchema('transcript').prefault({}),
  /** The numbers the clinic answers (E.164); the credential broker maps a call to the clinic by its called number. */
  phoneNumbers: PhoneNumbersSchema,
  /**
   * Set when the clinic's contract ends: every recording and transcript expires within 30 days of
   * the termination date; the audit trail is kept for its own retention.
   */
  offboarding: z
    .strictObject({
      terminationDate: z.iso.date({ error: 'must be the contract termination date as YYYY-MM-DD, for example "2027-01-31"' }),
    })
    .optional(),
});

/** A signed contract: a Business Associate Agreement (HIPAA) or a Data Processing Agreement (GDPR). */
const AgreementSchema = z.strictObject({
  signed: z.boolean({ error: 'must be true or false' }),
  /** When it was signed (YYYY-MM-DD); required when signed. */
  date: z.iso.date({ error: 'must be the signing date as YYYY-MM-DD' }).optional(),
});

/** Data categories that are PHI whenever they come from a call to a clinic. */
const PHI_DATA_CATEGORIES = ['call-audio', 'recording', 'transcript', 'caller-phone-number', 'appointment', 'appointment-details'];
/** Roles that process the call itself, and so see PHI whatever their categories say. */
const PHI_ROLES: string[] = ['telephony', 'voice-ai', 'language-model'];

/** A third party that processes data for the voice service (telephony, voice AI, LLM, SIEM). */
export const SubProcessorSchema = z
  .strictObject({
    id: dnsId('sub-processor id', 32),
    /** The company, as named in its contract. */
    name: z.string({ error: 'must be the company name as in its contract' }).min(1),
    role: z.enum(['telephony', 'voice-ai', 'language-model', 'siem', 'other'], {
      error: 'must be one of telephony, voice-ai, language-model, siem, other',
    }),
    purpose: z.string({ error: 'must say what the sub-processor does for the service' }).min(1),
    /** Categories of data it sees, for example call-audio, transcript, phone-number, appointment. */
    dataCategories: z.array(z.string().min(1)).min(1, 'must list at least one category of data'),
    /** Whether any of those categories is PHI (or special-category health data under GDPR). */
    seesPhi: z.boolean({ error: 'must be true or false: does it see PHI?' }),
    baa: AgreementSchema,
    dpa: AgreementSchema,
    /** Where it processes our data, per jurisdiction it serves: `{ US: [us-east-1], EU: [eu-central-1] }`. */
    processingRegions: z.partialRecord(
      z.enum(JURISDICTION_IDS as [JurisdictionId, ...JurisdictionId[]]),
      z.array(regionName).min(1),
    ),
    /** The host names the voice service may reach at this vendor: the cell's DNS firewall allows exactly these. */
    endpoints: EndpointsSchema,
  })
  .superRefine((sp, ctx) => {
    // seesPhi is what the BAA check reads, so it may not be false for data that is PHI on every call.
    if (sp.seesPhi === false) {
      const phi = sp.dataCategories.filter((c) => PHI_DATA_CATEGORIES.includes(c));
      if (PHI_ROLES.includes(sp.role) || phi.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['seesPhi'],
          message: `is false, but a ${sp.role} sub-processor${phi.length > 0 ? ` that receives ${phi.join(', ')}` : ''} sees a clinic's calls, which are PHI: set seesPhi: true and sign its BAA (US) or DPA (EU)`,
        });
      }
    }
    for (const kind of ['baa', 'dpa'] as const) {
      if (sp[kind].signed && !sp[kind].date) {
        ctx.addIssue({ code: 'custom', path: [kind, 'date'], message: `is missing: give the date the ${kind.toUpperCase()} was signed (YYYY-MM-DD)` });
      }
    }
  });

/**
 * An optional deployment pipeline (CDK Pipelines) in a tooling account: it synthesizes with the same
 * commands as CI, so the compliance gate runs in the pipeline, then deploys the cells in waves,
 * one wave per jurisdiction, each cell into its own account and primary region.
 */
export const PipelineSchema = z.strictObject({
  enabled: z.boolean({ error: 'must be true or false' }).default(false),
  /** The tooling account and region that run the pipeline. */
  account: z.string({ error: 'must be the tooling account id as a quoted 12-digit string' }).regex(/^\d{12}$/, 'must be exactly 12 digits'),
  region: regionName,
  /** The source repository, `owner/name`, reached through a CodeStar connection. */
  repository: z.string({ error: 'must be the repository as "owner/name"' }).regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be the repository as "owner/name"'),
  branch: z.string({ error: 'must be the branch to deploy' }).min(1).default('main'),
  connectionArn: z
    .string({ error: 'must be the ARN of the CodeStar connection to the repository host' })
    .regex(/^arn:aws:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/, 'must be a CodeStar connection ARN'),
});

export const PlatformSchema = z.strictObject({
  /** Short prefix for resource names; an id, never a customer or clinic name. */
  id: dnsId('platform id', 6).regex(/^[a-z]/, 'must start with a letter (database and repository names derived from it must)'),
});

export const PlatformConfigSchema = z
  .strictObject({
    platform: PlatformSchema,
    cells: z
      .array(CellSchema, { error: 'must be a list of cells (region deployments)' })
      .min(1, 'must declare at least one cell'),
    tenants: z.array(TenantSchema, { error: 'must be a list of tenants (clinics)' }).default([]),
    subProcessors: z.array(SubProcessorSchema, { error: 'must be the list of sub-processors' }).default([]),
    pipeline: PipelineSchema.optional(),
    /** The operator's breach-notification promise to its clinics and who makes it. */
    breachNotification: BreachNotificationSchema,
  })
  .superRefine(crossReferences, {
    // Cross references are checked even when a field elsewhere is wrong, so that every problem is
    // reported in one run.
    when: () => true,
  })
  .superRefine(breachNotificationDeadline, { when: () => true });

export type PlatformConfig = z.output<typeof PlatformConfigSchema>;
export type SubProcessorConfig = z.output<typeof SubProcessorSchema>;
export type PipelineConfig = z.output<typeof PipelineSchema>;
export type { BreachNotificationConfig } from './breach-notification';
export type CellConfig = z.output<typeof CellSchema>;
export type TenantConfig = z.output<typeof TenantSchema>;
export type RetentionConfig = z.output<typeof RetentionSchema>;
export type AlertsConfig = z.output<typeof AlertsSchema>;
export type SiemEndpointConfig = z.output<typeof SiemEndpointSchema>;
export type DatabaseConfig = z.output<typeof DatabaseSchema>;
export type VoiceConfig = z.output<typeof VoiceSchema>;
export type HumanAccessConfig = z.output<typeof HumanAccessSchema>;
export type TelephonyConfig = z.output<typeof TelephonySchema>;
