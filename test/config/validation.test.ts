import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, JURISDICTIONS, loadConfig, parseConfig, validateConfig } from '../../lib/config';
import { RDS_POSTGRES_CLASS_REGIONS, rdsPostgresClassesIn } from '../../lib/config/rds-instance-classes';

const ASSUMERS = {
  operator: ['arn:aws:iam::999999999999:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Operator_*'],
  auditor: ['arn:aws:iam::999999999999:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Auditor_*'],
  breakGlass: ['arn:aws:iam::999999999999:role/incident/break-glass'],
};

/** A valid raw configuration, as a person would write it, to break one field at a time. */
function validRaw(): any {
  return {
    platform: { id: 'vp' },
    cells: [
      {
        id: 'us-east',
        jurisdiction: 'US',
        account: '111111111111',
        primaryRegion: 'us-east-1',
        drRegion: 'us-west-2',
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        vpcCidr: '10.10.0.0/16',
        natGateways: 1,
        retention: { auditDays: 2192, operationalLogDays: 90 },
        alerts: { emails: ['security-alerts@example.com'] },
        humanAccess: { trustedAccounts: ['999999999999'], assumableBy: structuredClone(ASSUMERS) },
        voice: { imageDigest: `sha256:${'a'.repeat(64)}`, certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012' },
      },
      {
        id: 'eu-central',
        jurisdiction: 'EU',
        account: '222222222222',
        primaryRegion: 'eu-central-1',
        drRegion: 'eu-west-1',
        availabilityZones: ['eu-central-1a', 'eu-central-1b'],
        vpcCidr: '10.20.0.0/16',
        natGateways: 1,
        retention: { auditDays: 2192 },
        alerts: { emails: ['security-alerts@example.com'] },
        humanAccess: { trustedAccounts: ['999999999999'], assumableBy: structuredClone(ASSUMERS) },
        voice: { imageDigest: `sha256:${'b'.repeat(64)}`, domainName: 'voice-eu.example.com', hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'example.com' },
      },
    ],
    tenants: [
      { id: 'clinic-001', cell: 'us-east', jurisdiction: 'US' },
      { id: 'clinic-101', cell: 'eu-central', jurisdiction: 'EU' },
    ],
    breachNotification: { notifyClinicsWithinHours: 24, contacts: [{ role: 'Privacy officer', email: 'privacy@example.com' }] },
  };
}

/** The problems reported for a raw config, or [] when it is valid. */
function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw, 'test.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...e.problems];
  }
}

function broken(edit: (raw: any) => void): string[] {
  const raw = validRaw();
  edit(raw);
  return problemsOf(raw);
}

describe('config validation', () => {
  test('fills documented defaults: 365-day recording and transcript retention, recordings on', () => {
    const config = validateConfig(validRaw());
    expect(config.tenants[0].recordings).toEqual({ enabled: true, retentionDays: 365 });
    expect(config.tenants[0].transcripts).toEqual({ retentionDays: 365 });
    expect(config.cells[1].retention.operationalLogDays).toBe(90);
  });

  test('rejects an unknown key (a typo) and names the allowed keys', () => {
    expect(broken((r) => (r.cells[0].retention.auditDayz = 2192))).toEqual([
      'cells[0] (us-east).retention.auditDayz: unknown key "auditDayz"; remove it or correct its spelling (allowed here: auditDays, operationalLogDays, accessLogDays, archiveColdAfterDays)',
    ]);
  });

  test('rejects a missing field and says what belongs there', () => {
    expect(broken((r) => delete r.cells[0].drRegion)).toEqual([
      'cells[0] (us-east).drRegion: is missing; it must be an AWS region name such as "us-east-1"',
    ]);
  });

  test('rejects a primary region outside the jurisdiction and lists the allowed regions', () => {
    expect(broken((r) => (r.cells[0].primaryRegion = 'eu-west-1'))).toContain(
      'cells[0] (us-east).primaryRegion: "eu-west-1" is not a US region; use one of us-east-1, us-east-2, us-west-1, us-west-2',
    );
  });

  test('rejects a DR region outside the jurisdiction', () => {
    expect(broken((r) => (r.cells[1].drRegion = 'eu-west-2'))).toEqual([
      'cells[1] (eu-central).drRegion: "eu-west-2" is not a EU region; use one of eu-central-1, eu-west-1, eu-west-3, eu-north-1, eu-south-1, eu-south-2',
    ]);
  });

  test('rejects a DR region equal to the primary region', () => {
    expect(broken((r) => (r.cells[0].drRegion = 'us-east-1'))).toEqual([
      'cells[0] (us-east).drRegion: must differ from primaryRegion "us-east-1": disaster recovery needs a second region in US',
    ]);
  });

  test('rejects an EU tenant placed in a US cell', () => {
    expect(broken((r) => (r.tenants[1].cell = 'us-east'))).toEqual([
      'tenants[1] (clinic-101).jurisdiction: is EU but cell "us-east" is US; a clinic\'s data must stay in its jurisdiction, so place it in a EU cell',
    ]);
  });

  test('rejects a tenant in an unknown cell and lists the declared cells', () => {
    expect(broken((r) => (r.tenants[0].cell = 'us-west'))).toEqual([
      'tenants[0] (clinic-001).cell: unknown cell "us-west"; use one of the declared cells: us-east, eu-central',
    ]);
  });

  test('rejects duplicate tenant ids', () => {
    expect(broken((r) => (r.tenants[1] = { ...r.tenants[0] }))).toEqual([
      'tenants[1] (clinic-001).id: duplicate tenant id "clinic-001"; tenant ids must be unique across all cells',
    ]);
  });

  test('rejects duplicate cell ids', () => {
    expect(broken((r) => (r.cells[1].id = 'us-east'))).toContain(
      'cells[1] (us-east).id: duplicate cell id "us-east"; cell ids must be unique',
    );
  });

  test.each(['Clinic-1', 'clinic_1', '-clinic', 'clinic-', 'klinik ü'])('rejects the non DNS-safe tenant id %p', (id) => {
    expect(broken((r) => (r.tenants[0].id = id))).toEqual([
      `tenants[0] (${id}).id: must be DNS-safe: lower-case letters, digits and hyphens, starting and ending with a letter or digit (for example "clinic-001")`,
    ]);
  });

  test('rejects a non DNS-safe cell id', () => {
    expect(broken((r) => (r.cells[0].id = 'US_EAST'))).toContain(
      'cells[0] (US_EAST).id: must be DNS-safe: lower-case letters, digits and hyphens, starting and ending with a letter or digit (for example "clinic-001")',
    );
  });

  test.each([['12345678901'], ['1234567890123'], ['12345678901a']])('rejects the account id %p', (account) => {
    expect(broken((r) => (r.cells[0].account = account))).toEqual([
      'cells[0] (us-east).account: must be exactly 12 digits (quote it in YAML so leading zeros survive)',
    ]);
  });

  test('rejects an account id written as a number, which would lose leading zeros', () => {
    expect(broken((r) => (r.cells[0].account = 111111111111))).toEqual([
      'cells[0] (us-east).account: must be the 12-digit AWS account id as a quoted string, for example "111111111111"',
    ]);
  });

  test('rejects an availability zone outside the primary region', () => {
    expect(broken((r) => (r.cells[0].availabilityZones = ['us-east-1a', 'us-west-2b']))).toEqual([
      'cells[0] (us-east).availabilityZones[1]: "us-west-2b" is not an availability zone of primaryRegion "us-east-1"; use names like "us-east-1a"',
    ]);
  });

  test('rejects an audit retention under six years', () => {
    expect(broken((r) => (r.cells[0].retention.auditDays = 2191))).toEqual([
      'cells[0] (us-east).retention.auditDays: must be at least 2192 days (HIPAA requires six years of audit records; Texas requires ten): use one of 2192, 2557, 2922, 3288, 3653',
    ]);
  });

  test.each([0, -30, 1.5])('rejects the recording retention %p', (days) => {
    expect(broken((r) => (r.tenants[0].recordings = { retentionDays: days }))).toHaveLength(1);
    expect(broken((r) => (r.tenants[0].recordings = { retentionDays: days }))[0]).toMatch(
      /^tenants\[0\] \(clinic-001\)\.recordings\.retentionDays: must be a (positive|whole) number of days \(the recording retention\)$/,
    );
  });

  test('rejects a transcript retention that is not a number of days', () => {
    expect(broken((r) => (r.tenants[0].transcripts = { retentionDays: 'a year' }))).toEqual([
      'tenants[0] (clinic-001).transcripts.retentionDays: must be the transcript retention as a whole number of days greater than 0',
    ]);
  });

  test('rejects more NAT gateways than availability zones', () => {
    expect(broken((r) => (r.cells[0].natGateways = 3))).toEqual([
      'cells[0] (us-east).natGateways: must be at most the number of availability zones (2)',
    ]);
  });

  const siem = (over: Record<string, unknown> = {}) => ({
    name: 'example-siem',
    url: 'https://siem.example.com/ingest',
    baaSigned: true,
    dpaSigned: true,
    processingRegions: ['us-east-1'],
    ...over,
  });

  test('accepts an external SIEM with a BAA in a US PHI cell', () => {
    expect(broken((r) => (r.cells[0].siem = siem()))).toEqual([]);
  });

  test('refuses an external SIEM without a BAA in a cell that carries PHI, naming the provider', () => {
    expect(broken((r) => (r.cells[0].siem = siem({ baaSigned: false })))).toEqual([
      'cells[0] (us-east).siem.baaSigned: SIEM "example-siem" would receive PHI without a BAA; sign a BAA with it or remove the endpoint (only a cell without clinics may set carriesPhi: false)',
    ]);
  });

  test('accepts a SIEM without a BAA when the cell carries no PHI (and so holds no clinics)', () => {
    expect(
      broken((r) => {
        r.tenants = r.tenants.filter((t: any) => t.cell !== 'us-east');
        r.cells[0].carriesPhi = false;
        r.cells[0].siem = siem({ baaSigned: false });
      }),
    ).toEqual([]);
  });

  test('refuses an EU SIEM without a DPA or processing outside the EU', () => {
    expect(broken((r) => (r.cells[1].siem = siem({ dpaSigned: false, processingRegions: ['eu-west-1', 'us-east-1'] })))).toEqual([
      'cells[1] (eu-central).siem.dpaSigned: SIEM "example-siem" would receive EU personal data without a DPA; sign a DPA with it or remove the endpoint',
      'cells[1] (eu-central).siem.processingRegions[1]: SIEM "example-siem" processes data in "us-east-1", outside EU; use a SIEM region in eu-central-1, eu-west-1, eu-west-3, eu-north-1, eu-south-1, eu-south-2',
    ]);
  });

  test('refuses a SIEM endpoint that is not https', () => {
    expect(broken((r) => (r.cells[0].siem = siem({ url: 'http://siem.example.com' })))).toEqual([
      'cells[0] (us-east).siem.url: must be the https:// ingestion URL of the SIEM',
    ]);
  });

  test('refuses a cell without a breach-notification contact', () => {
    expect(broken((r) => (r.cells[0].alerts.emails = []))).toEqual([
      'cells[0] (us-east).alerts.emails: must list at least one breach-notification contact: HIPAA requires that someone is told of a breach',
    ]);
  });

  test('refuses an archive that moves to cold storage after its retention has ended', () => {
    expect(broken((r) => (r.cells[0].retention.archiveColdAfterDays = 2192))).toEqual([
      'cells[0] (us-east).retention.archiveColdAfterDays: must be less than auditDays (2192): archive objects move to cold storage before their retention ends',
    ]);
  });

  test('refuses an offboarding date that is not a date', () => {
    expect(broken((r) => (r.tenants[0].offboarding = { terminationDate: '31/01/2027' }))).toEqual([
      'tenants[0] (clinic-001).offboarding.terminationDate: must be the contract termination date as YYYY-MM-DD, for example "2027-01-31"',
    ]);
    expect(broken((r) => (r.tenants[0].offboarding = { terminationDate: '2027-01-31' }))).toEqual([]);
  });

  test('refuses a database that may not grow to its allocated size', () => {
    expect(broken((r) => (r.cells[0].database = { allocatedStorageGiB: 500, maxAllocatedStorageGiB: 100 }))).toEqual([
      'cells[0] (us-east).database.maxAllocatedStorageGiB: must be at least allocatedStorageGiB (500)',
    ]);
  });

  test('refuses ids that would make bucket names longer than S3 allows', () => {
    expect(broken((r) => (r.tenants[0].id = 'a-very-long-clinic-name'))).toEqual([
      'tenants[0] (a-very-long-clinic-name).id: must be at most 18 characters long (it becomes part of AWS resource names)',
    ]);
  });

  test('refuses an image given by tag instead of digest', () => {
    expect(broken((r) => (r.cells[0].voice.imageDigest = 'latest'))).toEqual([
      'cells[0] (us-east).voice.imageDigest: must be an image digest: "sha256:" followed by 64 lower-case hex digits (tags are mutable; digests are not)',
    ]);
  });

  test('refuses a certificate of another region, and a voice service without any certificate', () => {
    expect(broken((r) => (r.cells[0].voice.certificateArn = 'arn:aws:acm:eu-west-1:111111111111:certificate/12345678-1234-1234-1234-123456789012'))).toEqual([
      'cells[0] (us-east).voice.certificateArn: must be a certificate of account 111111111111 in the primary region us-east-1: a load balancer can only use certificates of its own region',
    ]);
    expect(broken((r) => delete r.cells[0].voice.certificateArn)).toEqual([
      'cells[0] (us-east).voice.certificateArn: is missing: give an ACM certificateArn, or domainName with hostedZoneId and hostedZoneName for a DNS-validated certificate',
    ]);
  });

  test('refuses fewer than two tasks', () => {
    expect(broken((r) => (r.cells[1].voice.minTasks = 1))).toEqual([
      'cells[1] (eu-central).voice.minTasks: Too small: expected number to be >=2'.replace('Too small: expected number to be >=2', 'must be at least 2: a call must survive the loss of one task or zone'),
    ]);
  });

  const subProcessor = (over: Record<string, unknown> = {}) => ({
    id: 'example-llm',
    name: 'Example Language Models Inc.',
    role: 'language-model',
    purpose: 'Drafts answers',
    dataCategories: ['transcript'],
    seesPhi: true,
    baa: { signed: true, date: '2026-01-01' },
    dpa: { signed: true, date: '2026-01-01' },
    processingRegions: { US: ['us-east-1'], EU: ['eu-west-1'] },
    endpoints: { US: ['api.us.llm.example.com'], EU: ['api.eu.llm.example.com'] },
    ...over,
  });

  test('accepts sub-processors with their BAA, DPA and in-jurisdiction processing', () => {
    expect(
      broken((r) => {
        r.subProcessors = [subProcessor()];
        r.cells[0].subProcessors = ['example-llm'];
        r.cells[1].subProcessors = ['example-llm'];
      }),
    ).toEqual([]);
  });

  test('refuses a US PHI cell using a sub-processor that sees PHI without a BAA, naming it and the document', () => {
    expect(
      broken((r) => {
        r.subProcessors = [subProcessor({ baa: { signed: false } })];
        r.cells[0].subProcessors = ['example-llm'];
      }),
    ).toEqual([
      'cells[0] (us-east).subProcessors[0]: sub-processor "Example Language Models Inc." sees PHI in US cell "us-east" but has no signed BAA; sign one or stop using it in this cell',
    ]);
  });

  test('refuses an EU PHI cell using a sub-processor without a DPA or that processes outside the EU', () => {
    expect(
      broken((r) => {
        r.subProcessors = [subProcessor({ dpa: { signed: false }, processingRegions: { US: ['us-east-1'], EU: ['eu-west-1', 'us-east-1'] } })];
        r.cells[1].subProcessors = ['example-llm'];
      }),
    ).toEqual([
      'cells[1] (eu-central).subProcessors[0]: sub-processor "Example Language Models Inc." sees PHI in EU cell "eu-central" but has no signed DPA; sign one or stop using it in this cell',
      'cells[1] (eu-central).subProcessors[0]: sub-processor "Example Language Models Inc." sees PHI in EU cell "eu-central" but lists EU processing in us-east-1, outside the EU',
    ]);
    expect(
      broken((r) => {
        r.subProcessors = [subProcessor({ processingRegions: { US: ['us-east-1'] } })];
        r.cells[1].subProcessors = ['example-llm'];
      }),
    ).toEqual([
      'cells[1] (eu-central).subProcessors[0]: sub-processor "Example Language Models Inc." sees PHI in EU cell "eu-central" but processes no data inside the EU; it must list EU processing regions',
    ]);
  });

  test('accepts a sub-processor without a BAA when it sees no PHI', () => {
    expect(
      broken((r) => {
        r.subProcessors = [subProcessor({ role: 'other', dataCategories: ['call-volume-statistics'], seesPhi: false, baa: { signed: false } })];
        r.cells[0].subProcessors = ['example-llm'];
      }),
    ).toEqual([]);
  });

  test('refuses an unknown sub-processor and a signed agreement without its date', () => {
    expect(
      broken((r) => {
        r.subProcessors = [subProcessor({ baa: { signed: true } })];
        r.cells[0].subProcessors = ['example-tts'];
      }),
    ).toEqual([
      'subProcessors[0] (example-llm).baa.date: is missing: give the date the BAA was signed (YYYY-MM-DD)',
      'cells[0] (us-east).subProcessors[0]: unknown sub-processor "example-tts"; use one of: example-llm',
    ]);
  });

  test('refuses two cells in one account: account-wide detection services exist once per account', () => {
    expect(broken((r) => (r.cells[1].account = '111111111111'))).toEqual([
      'cells[1] (eu-central).account: account 111111111111 is already used by cell "us-east"; each cell needs its own account (GuardDuty, Security Hub, AWS Config and the Config service-linked role exist once per account)',
    ]);
  });

  test.each([
    ['10.10.5.0/16', 'host bits set'],
    ['300.10.0.0/16', 'octet over 255'],
  ])('refuses the VPC CIDR %p (%s) before CDK sees it', (cidr) => {
    expect(broken((r) => (r.cells[0].vpcCidr = cidr))).toEqual([
      'cells[0] (us-east).vpcCidr: must be a valid network address for its prefix (each number 0-255, host bits zero), such as "10.10.0.0/16"',
    ]);
  });

  test('refuses ids with two hyphens in a row, and a platform id starting with a digit', () => {
    expect(broken((r) => (r.cells[0].id = 'us--east'))).toContain('cells[0] (us--east).id: must not contain two hyphens in a row (ECR and other AWS names refuse them)');
    expect(broken((r) => (r.platform.id = '1vp'))).toEqual(['platform.id: must start with a letter (database and repository names derived from it must)']);
  });

  test('refuses a Fargate CPU and memory pair that Fargate does not offer', () => {
    expect(broken((r) => Object.assign(r.cells[0].voice, { cpu: 256, memoryMiB: 8192 }))).toEqual([
      'cells[0] (us-east).voice.memoryMiB: is not a Fargate memory size for cpu 256: use 512, 1024, 2048',
    ]);
    expect(broken((r) => Object.assign(r.cells[0].voice, { cpu: 2048, memoryMiB: 8192 }))).toEqual([]);
  });

  test('refuses a tenant id that would name another tenant\'s replication role', () => {
    expect(broken((r) => (r.tenants[0].id = 'x-replication'))).toEqual([
      'tenants[0] (x-replication).id: must not end with "-replication": that suffix names a tenant\'s replication role',
    ]);
  });

  test('refuses an EU SIEM without a DPA even in a cell that carries no PHI (GDPR covers all personal data)', () => {
    expect(
      broken((r) => {
        r.tenants = r.tenants.filter((t: any) => t.cell !== 'eu-central');
        r.cells[1].carriesPhi = false;
        r.cells[1].siem = siem({ baaSigned: false, dpaSigned: false, processingRegions: ['us-east-1'] });
      }),
    ).toEqual([
      'cells[1] (eu-central).siem.dpaSigned: SIEM "example-siem" would receive EU personal data without a DPA; sign a DPA with it or remove the endpoint',
      'cells[1] (eu-central).siem.processingRegions[0]: SIEM "example-siem" processes data in "us-east-1", outside EU; use a SIEM region in eu-central-1, eu-west-1, eu-west-3, eu-north-1, eu-south-1, eu-south-2',
    ]);
  });

  test('names the identity roles allowed to assume each human role, and refuses a trusted account without them', () => {
    expect(broken((r) => delete r.cells[0].humanAccess.assumableBy)).toEqual([
      'cells[0] (us-east).humanAccess.assumableBy: must name, for operator, auditor and breakGlass, the identity roles or permission sets of the trusted accounts allowed to assume each: trusting a whole account lets any of its principals in',
    ]);
    expect(broken((r) => (r.cells[0].humanAccess.assumableBy.auditor = []))).toEqual([
      'cells[0] (us-east).humanAccess.assumableBy.auditor: must name at least one identity role or permission set allowed to assume the auditor role',
    ]);
    expect(broken((r) => (r.cells[0].humanAccess.assumableBy.operator = ['arn:aws:iam::888888888888:role/Operator']))).toEqual([
      'cells[0] (us-east).humanAccess.assumableBy.operator[0]: must be a role of a trusted account (999999999999): add 888888888888 to trustedAccounts or fix the ARN',
    ]);
    expect(broken((r) => (r.cells[0].humanAccess.assumableBy.breakGlass = ['arn:aws:iam::999999999999:role/*']))).toEqual([
      'cells[0] (us-east).humanAccess.assumableBy.breakGlass[0]: must name a role or permission set, not every role of the account (role/*)',
    ]);
  });

  test('refuses a SAML provider of another account', () => {
    expect(broken((r) => (r.cells[0].humanAccess = { samlProviderArn: 'arn:aws:iam::999999999999:saml-provider/ExampleIdP' }))).toEqual([
      "cells[0] (us-east).humanAccess.samlProviderArn: must be a SAML provider of the cell's own account 111111111111: roles can only trust an identity provider registered in their account",
    ]);
  });

  test('reports every problem at once, not only the first', () => {
    const problems = broken((r) => {
      r.cells[0].account = '1';
      r.cells[0].primaryRegion = 'eu-west-1';
      r.cells[1].retention.auditDays = 365;
      r.tenants[0].cell = 'nowhere';
      r.platform.name = 'typo';
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      [
        'cells[0] (us-east).account',
        'cells[0] (us-east).primaryRegion',
        'cells[0] (us-east).availabilityZones[0]',
        'cells[0] (us-east).availabilityZones[1]',
        'cells[0] (us-east).voice.certificateArn',
        'cells[1] (eu-central).retention.auditDays',
        'tenants[0] (clinic-001).cell',
        'platform.name',
      ].sort(),
    );
  });

  test('the error message lists every problem with its path and says nothing was synthesized', () => {
    const raw = validRaw();
    raw.cells[0].account = '1';
    raw.tenants[0].cell = 'nowhere';
    expect(() => validateConfig(raw, 'config/bad.yaml')).toThrow(
      /^config\/bad\.yaml is not a valid platform configuration \(2 problems\):\n  - cells\[0\] \(us-east\)\.account: .*\n  - tenants\[0\] \(clinic-001\)\.cell: .*\nNothing was synthesized/,
    );
  });

  test('reports YAML syntax errors and duplicate keys without a stack trace', () => {
    expect(() => parseConfig('platform:\n  id: vp\n  id: vp2\n', 'dup.yaml')).toThrow(ConfigError);
    expect(() => parseConfig('cells: [\n', 'broken.yaml')).toThrow(/YAML syntax/);
  });

  test('reports a config file that does not exist', () => {
    expect(() => loadConfig('/nonexistent/platform.yaml')).toThrow(/cannot read the file \(ENOENT\)/);
  });
});

describe('the breach-notification promise and contacts', () => {
  test('are required, and the message says what belongs there', () => {
    expect(broken((r) => delete r.breachNotification)).toEqual([expect.stringMatching(/^breachNotification: is missing/)]);
    expect(broken((r) => (r.breachNotification.contacts = []))).toEqual([
      'breachNotification.contacts: must list at least one contact who notifies the clinics, for example { role: "Privacy officer", email: "privacy@example.com" }',
    ]);
  });

  test('rejects a contact without a role mailbox, and a phone number that is not international', () => {
    const problems = broken((r) => (r.breachNotification.contacts = [{ role: 'Privacy officer', email: 'not-an-address', phone: '555-0100' }]));
    expect(problems).toContain('breachNotification.contacts[0].email: must be the role mailbox, such as "privacy@example.com"');
    expect(problems).toContain('breachNotification.contacts[0].phone: must be a phone number in international format, such as "+1 555 0100"');
  });

  test('refuses a promise longer than HIPAA\'s 60 days, and longer than 72 hours when a cell is in the EU', () => {
    expect(broken((r) => (r.breachNotification.notifyClinicsWithinHours = 24 * 61))[0]).toMatch(/^breachNotification.notifyClinicsWithinHours: must be at most 1440 hours \(60 days/);
    expect(broken((r) => (r.breachNotification.notifyClinicsWithinHours = 96))).toEqual([
      'breachNotification.notifyClinicsWithinHours: 96 hours is longer than the 72 hours an EU clinic has to notify its supervisory authority (GDPR Art. 33); cells eu-central are in the EU: promise at most 72 hours, for example 24',
    ]);
    // A US-only platform may promise more than 72 hours.
    expect(broken((r) => {
      r.cells.pop();
      r.tenants.pop();
      r.breachNotification.notifyClinicsWithinHours = 96;
    })).toEqual([]);
  });
});

describe('config safety: no flag switches off a check, no contradiction passes', () => {
  test('refuses a clinic in a cell marked carriesPhi: false, naming the clinic and the fix', () => {
    expect(broken((r) => (r.cells[0].carriesPhi = false))).toEqual([
      'tenants[0] (clinic-001).cell: cell "us-east" is marked carriesPhi: false, but a clinic\'s calls, transcripts and appointments are PHI, so a cell without PHI holds no clinics; place the clinic in a cell that carries PHI, or remove carriesPhi: false from cell "us-east" (its sub-processors then need their BAA or DPA)',
    ]);
  });

  test('carriesPhi: false cannot switch off the BAA check while the cell holds a clinic', () => {
    const problems = broken((r) => {
      r.subProcessors = [
        { id: 'example-llm', name: 'Example Language Models Inc.', role: 'language-model', purpose: 'Drafts answers', dataCategories: ['transcript'], seesPhi: true, baa: { signed: false }, dpa: { signed: false }, processingRegions: { US: ['us-east-1'] }, endpoints: { global: ['api.llm.example.com'] } },
      ];
      r.cells[0].subProcessors = ['example-llm'];
      r.cells[0].carriesPhi = false;
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^tenants\[0\] \(clinic-001\)\.cell: cell "us-east" is marked carriesPhi: false/);
  });

  test.each([
    ['language-model', ['transcript'], 'a language-model sub-processor that receives transcript'],
    ['other', ['call-audio', 'billing'], 'a other sub-processor that receives call-audio'],
    ['telephony', ['call-metadata'], 'a telephony sub-processor sees'],
  ])('refuses seesPhi: false for a %s sub-processor receiving %j: that flag would switch off the BAA check', (role, dataCategories, wording) => {
    const problems = broken((r) => {
      r.subProcessors = [
        { id: 'example-sp', name: 'Example Co.', role, purpose: 'Handles calls', dataCategories, seesPhi: false, baa: { signed: false }, dpa: { signed: false }, processingRegions: { US: ['us-east-1'] }, endpoints: { global: ['api.example.com'] } },
      ];
      r.cells[0].subProcessors = ['example-sp'];
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('subProcessors[0] (example-sp).seesPhi: is false, but ');
    expect(problems[0]).toContain(wording);
    expect(problems[0]).toContain('set seesPhi: true and sign its BAA (US) or DPA (EU)');
  });

  test('refuses a recording retention for a clinic that records nothing', () => {
    expect(broken((r) => (r.tenants[0].recordings = { enabled: false, retentionDays: 90 }))).toEqual([
      'tenants[0] (clinic-001).recordings.retentionDays: contradicts enabled: false (no recording is ever written, so none is kept): remove retentionDays, or set enabled: true if the clinic records calls',
    ]);
    expect(validateConfig(validRaw()).tenants[0].recordings).toEqual({ enabled: true, retentionDays: 365 });
    const off = validRaw();
    off.tenants[0].recordings = { enabled: false };
    expect(validateConfig(off).tenants[0].recordings).toEqual({ enabled: false });
  });

  test('a validated configuration validates again as it is (tools re-read the config.json written beside cdk.out)', () => {
    const raw = validRaw();
    raw.tenants[0].recordings = { enabled: false };
    const once = validateConfig(raw);
    expect(validateConfig(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  test.each([
    ['recordings', { retentionDays: 100000 }],
    ['transcripts', { retentionDays: 3654 }],
  ])('refuses a %s retention beyond ten years, with the reason', (field, value) => {
    expect(broken((r) => (r.tenants[1][field] = value))).toEqual([
      `tenants[1] (clinic-101).${field}.retentionDays: must be at most 3653 days (ten years): a clinic's call data is kept only as long as its purpose needs (GDPR storage limitation); the medical record belongs in the clinic's own record system`,
    ]);
    expect(broken((r) => (r.tenants[1][field] = { retentionDays: 3653 }))).toEqual([]);
  });
});

describe('config messages name the clinic or cell and the allowed values', () => {
  test('an error about the sixth clinic names it by id, not only by position', () => {
    const problems = broken((r) => {
      for (let n = 2; n <= 5; n++) r.tenants.push({ id: `clinic-10${n}`, cell: 'eu-central', jurisdiction: 'EU' });
      r.tenants[5].jurisdiction = 'US';
    });
    expect(problems).toEqual([
      'tenants[5] (clinic-105).jurisdiction: is US but cell "eu-central" is EU; a clinic\'s data must stay in its jurisdiction, so place it in a US cell',
    ]);
  });

  test('jurisdiction: us says the allowed values once, without contradicting advice', () => {
    expect(broken((r) => (r.tenants[0].jurisdiction = 'us'))).toEqual([
      'tenants[0] (clinic-001).jurisdiction: "us" is not a jurisdiction; must be one of the built-in jurisdictions: US, EU (write "US" in capitals)',
    ]);
    expect(broken((r) => (r.cells[1].jurisdiction = 'Europe'))).toEqual([
      'cells[1] (eu-central).jurisdiction: "Europe" is not a jurisdiction; must be one of the built-in jurisdictions: US, EU',
    ]);
  });

  test('a database class the primary region does not offer is refused on the field, with the classes it offers', () => {
    const inParis = (r: any) => {
      Object.assign(r.cells[1], { primaryRegion: 'eu-west-3', drRegion: 'eu-west-1', availabilityZones: ['eu-west-3a', 'eu-west-3b'] });
    };
    const problems = broken(inParis);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^cells\[1\] \(eu-central\)\.database\.instanceType: "r7g\.large" is not an RDS for PostgreSQL class that eu-west-3 \(the primary region\) offers, so the deploy would fail; use one it offers, such as /,
    );
    expect(problems[0]).toContain('r6g.large');
    expect(problems[0]).toContain('r8g.large');
    expect(problems[0]).not.toContain('r7g.large,');
    expect(broken((r) => (inParis(r), (r.cells[1].database = { instanceType: 'r6g.large' })))).toEqual([]);
    // A size the family lacks lists the family's sizes.
    expect(broken((r) => (r.cells[0].database = { instanceType: 'r7g.huge' }))[0]).toContain('such as r7g.large, r7g.xlarge, r7g.2xlarge');
  });

  test('the instance class table covers every region of every jurisdiction, each with the default class or an alternative', () => {
    const regions = Object.values(JURISDICTIONS).flat();
    expect([...RDS_POSTGRES_CLASS_REGIONS].sort()).toEqual([...regions].sort());
    for (const region of regions) expect(rdsPostgresClassesIn(region)).toContain('r6g.large');
  });
});

describe('a file that is not a YAML mapping gets one sentence naming the problem and the fix', () => {
  const yaml = () => stringify(validRaw());

  /** The problems for a file's bytes, read as `npx cdk synth` reads it; fails on anything but a ConfigError. */
  function fileProblems(bytes: Buffer | string): string[] {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vp-cfgfile-')), 'platform.yaml');
    writeFileSync(file, bytes);
    try {
      loadConfig(file);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return [...e.problems];
    }
    throw new Error('the file was accepted');
  }

  test.each([
    ['an empty file', ''],
    ['a comment-only file', '# platform config\n\n# to do\n'],
  ])('%s', (_what, text) => {
    expect(fileProblems(text)).toEqual([
      'the file is empty or holds only comments; start from a copy of config/platform.yaml, which shows every section, and edit it',
    ]);
  });

  test('YAML aliases that expand without bound', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    expect(fileProblems(levels.join('\n'))).toEqual([
      'the file\'s YAML aliases (*name) expand to more than 100 copies, as a file built to exhaust memory does; write the values out, or use fewer aliases',
    ]);
  });

  test('a file saved as Latin-1, naming the line', () => {
    const text = yaml().replace('security-alerts@example.com', 'sécurité@example.com');
    const line = text.split('\n').findIndex((l) => l.includes('sécurité')) + 1;
    expect(fileProblems(Buffer.from(text, 'latin1'))).toEqual([
      `the file is not UTF-8: line ${line} holds a byte that is not valid UTF-8 (as Latin-1 or Windows-1252 editors write accented letters); save it as UTF-8 (in most editors: "Save with Encoding", UTF-8; or \`iconv -t UTF-8\`) and run again`,
    ]);
  });

  test.each([
    ['UTF-16 LE with a byte order mark', (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])],
    ['UTF-16 BE with a byte order mark', (t: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()])],
    ['UTF-16 LE without a byte order mark', (t: string) => Buffer.from(t, 'utf16le')],
  ])('a file saved as %s', (_what, encode) => {
    expect(fileProblems(encode(yaml()))).toEqual([
      'the file is UTF-16 text (as some editors save it), not UTF-8; save it as UTF-8 (in most editors: "Save with Encoding", UTF-8; or `iconv -t UTF-8`) and run again',
    ]);
  });

  test('a UTF-8 file with a byte order mark is fine', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vp-cfgfile-')), 'platform.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(yaml())]));
    expect(loadConfig(file).cells).toHaveLength(2);
  });

  test('a top-level list instead of a mapping', () => {
    expect(fileProblems(stringify([validRaw()]))).toEqual([
      'the top level of the file is a list (lines starting with "- "), but a configuration is a mapping of the sections platform, cells, tenants, subProcessors and pipeline; write it as config/platform.yaml does, each section name at the start of a line followed by ":"',
    ]);
  });

  test('two YAML documents in one file', () => {
    const text = `${yaml()}---\n${yaml()}`;
    const line = text.split('\n').indexOf('---') + 1;
    expect(fileProblems(text)).toEqual([
      `the file holds 2 YAML documents (a "---" line starts another one near line ${line}), but a configuration is one document; merge them into one (remove the "---" line), or keep each in its own file`,
    ]);
    expect(parseConfig(`---\n${yaml()}`).cells).toHaveLength(2);
  });
});
