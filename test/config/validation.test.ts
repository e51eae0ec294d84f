import { ConfigError, loadConfig, parseConfig, validateConfig } from '../../lib/config';

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
        humanAccess: { trustedAccounts: ['999999999999'] },
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
        humanAccess: { trustedAccounts: ['999999999999'] },
        voice: { imageDigest: `sha256:${'b'.repeat(64)}`, domainName: 'voice-eu.example.com', hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'example.com' },
      },
    ],
    tenants: [
      { id: 'clinic-001', cell: 'us-east', jurisdiction: 'US' },
      { id: 'clinic-101', cell: 'eu-central', jurisdiction: 'EU' },
    ],
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
      'cells[0].retention.auditDayz: unknown key "auditDayz"; remove it or correct its spelling (allowed here: auditDays, operationalLogDays, accessLogDays, archiveColdAfterDays)',
    ]);
  });

  test('rejects a missing field and says what belongs there', () => {
    expect(broken((r) => delete r.cells[0].drRegion)).toEqual([
      'cells[0].drRegion: is missing; it must be an AWS region name such as "us-east-1"',
    ]);
  });

  test('rejects a primary region outside the jurisdiction and lists the allowed regions', () => {
    expect(broken((r) => (r.cells[0].primaryRegion = 'eu-west-1'))).toContain(
      'cells[0].primaryRegion: "eu-west-1" is not a US region; use one of us-east-1, us-east-2, us-west-1, us-west-2',
    );
  });

  test('rejects a DR region outside the jurisdiction', () => {
    expect(broken((r) => (r.cells[1].drRegion = 'eu-west-2'))).toEqual([
      'cells[1].drRegion: "eu-west-2" is not a EU region; use one of eu-central-1, eu-west-1, eu-west-3, eu-north-1, eu-south-1, eu-south-2',
    ]);
  });

  test('rejects a DR region equal to the primary region', () => {
    expect(broken((r) => (r.cells[0].drRegion = 'us-east-1'))).toEqual([
      'cells[0].drRegion: must differ from primaryRegion "us-east-1": disaster recovery needs a second region in US',
    ]);
  });

  test('rejects an EU tenant placed in a US cell', () => {
    expect(broken((r) => (r.tenants[1].cell = 'us-east'))).toEqual([
      'tenants[1].jurisdiction: is EU but cell "us-east" is US; a clinic\'s data must stay in its jurisdiction, so place it in a EU cell',
    ]);
  });

  test('rejects a tenant in an unknown cell and lists the declared cells', () => {
    expect(broken((r) => (r.tenants[0].cell = 'us-west'))).toEqual([
      'tenants[0].cell: unknown cell "us-west"; use one of the declared cells: us-east, eu-central',
    ]);
  });

  test('rejects duplicate tenant ids', () => {
    expect(broken((r) => (r.tenants[1] = { ...r.tenants[0] }))).toEqual([
      'tenants[1].id: duplicate tenant id "clinic-001"; tenant ids must be unique across all cells',
    ]);
  });

  test('rejects duplicate cell ids', () => {
    expect(broken((r) => (r.cells[1].id = 'us-east'))).toContain(
      'cells[1].id: duplicate cell id "us-east"; cell ids must be unique',
    );
  });

  test.each(['Clinic-1', 'clinic_1', '-clinic', 'clinic-', 'klinik ü'])('rejects the non DNS-safe tenant id %p', (id) => {
    expect(broken((r) => (r.tenants[0].id = id))).toEqual([
      'tenants[0].id: must be DNS-safe: lower-case letters, digits and hyphens, starting and ending with a letter or digit (for example "clinic-001")',
    ]);
  });

  test('rejects a non DNS-safe cell id', () => {
    expect(broken((r) => (r.cells[0].id = 'US_EAST'))).toContain(
      'cells[0].id: must be DNS-safe: lower-case letters, digits and hyphens, starting and ending with a letter or digit (for example "clinic-001")',
    );
  });

  test.each([['12345678901'], ['1234567890123'], ['12345678901a']])('rejects the account id %p', (account) => {
    expect(broken((r) => (r.cells[0].account = account))).toEqual([
      'cells[0].account: must be exactly 12 digits (quote it in YAML so leading zeros survive)',
    ]);
  });

  test('rejects an account id written as a number, which would lose leading zeros', () => {
    expect(broken((r) => (r.cells[0].account = 111111111111))).toEqual([
      'cells[0].account: must be the 12-digit AWS account id as a quoted string, for example "111111111111"',
    ]);
  });

  test('rejects an availability zone outside the primary region', () => {
    expect(broken((r) => (r.cells[0].availabilityZones = ['us-east-1a', 'us-west-2b']))).toEqual([
      'cells[0].availabilityZones[1]: "us-west-2b" is not an availability zone of primaryRegion "us-east-1"; use names like "us-east-1a"',
    ]);
  });

  test('rejects an audit retention under six years', () => {
    expect(broken((r) => (r.cells[0].retention.auditDays = 2191))).toEqual([
      'cells[0].retention.auditDays: must be at least 2192 days (HIPAA requires six years of audit records; Texas requires ten): use one of 2192, 2557, 2922, 3288, 3653',
    ]);
  });

  test.each([0, -30, 1.5])('rejects the recording retention %p', (days) => {
    expect(broken((r) => (r.tenants[0].recordings = { retentionDays: days }))).toHaveLength(1);
    expect(broken((r) => (r.tenants[0].recordings = { retentionDays: days }))[0]).toMatch(
      /^tenants\[0\]\.recordings\.retentionDays: must be a (positive|whole) number of days \(the recording retention\)$/,
    );
  });

  test('rejects a transcript retention that is not a number of days', () => {
    expect(broken((r) => (r.tenants[0].transcripts = { retentionDays: 'a year' }))).toEqual([
      'tenants[0].transcripts.retentionDays: must be the transcript retention as a whole number of days greater than 0',
    ]);
  });

  test('rejects more NAT gateways than availability zones', () => {
    expect(broken((r) => (r.cells[0].natGateways = 3))).toEqual([
      'cells[0].natGateways: must be at most the number of availability zones (2)',
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
      'cells[0].siem.baaSigned: SIEM "example-siem" would receive PHI without a BAA; sign a BAA with it, remove the endpoint, or set carriesPhi: false',
    ]);
  });

  test('accepts a SIEM without a BAA when the cell carries no PHI', () => {
    expect(
      broken((r) => {
        r.cells[0].carriesPhi = false;
        r.cells[0].siem = siem({ baaSigned: false });
      }),
    ).toEqual([]);
  });

  test('refuses an EU SIEM without a DPA or processing outside the EU', () => {
    expect(broken((r) => (r.cells[1].siem = siem({ dpaSigned: false, processingRegions: ['eu-west-1', 'us-east-1'] })))).toEqual([
      'cells[1].siem.dpaSigned: SIEM "example-siem" would receive EU personal data without a DPA; sign a DPA with it or remove the endpoint',
      'cells[1].siem.processingRegions[1]: SIEM "example-siem" processes data in "us-east-1", outside EU; use a SIEM region in eu-central-1, eu-west-1, eu-west-3, eu-north-1, eu-south-1, eu-south-2',
    ]);
  });

  test('refuses a SIEM endpoint that is not https', () => {
    expect(broken((r) => (r.cells[0].siem = siem({ url: 'http://siem.example.com' })))).toEqual([
      'cells[0].siem.url: must be the https:// ingestion URL of the SIEM',
    ]);
  });

  test('refuses a cell without a breach-notification contact', () => {
    expect(broken((r) => (r.cells[0].alerts.emails = []))).toEqual([
      'cells[0].alerts.emails: must list at least one breach-notification contact: HIPAA requires that someone is told of a breach',
    ]);
  });

  test('refuses an archive that moves to cold storage after its retention has ended', () => {
    expect(broken((r) => (r.cells[0].retention.archiveColdAfterDays = 2192))).toEqual([
      'cells[0].retention.archiveColdAfterDays: must be less than auditDays (2192): archive objects move to cold storage before their retention ends',
    ]);
  });

  test('refuses an offboarding date that is not a date', () => {
    expect(broken((r) => (r.tenants[0].offboarding = { terminationDate: '31/01/2027' }))).toEqual([
      'tenants[0].offboarding.terminationDate: must be the contract termination date as YYYY-MM-DD, for example "2027-01-31"',
    ]);
    expect(broken((r) => (r.tenants[0].offboarding = { terminationDate: '2027-01-31' }))).toEqual([]);
  });

  test('refuses a database that may not grow to its allocated size', () => {
    expect(broken((r) => (r.cells[0].database = { allocatedStorageGiB: 500, maxAllocatedStorageGiB: 100 }))).toEqual([
      'cells[0].database.maxAllocatedStorageGiB: must be at least allocatedStorageGiB (500)',
    ]);
  });

  test('refuses ids that would make bucket names longer than S3 allows', () => {
    expect(broken((r) => (r.tenants[0].id = 'a-very-long-clinic-name'))).toEqual([
      'tenants[0].id: must be at most 18 characters long (it becomes part of AWS resource names)',
    ]);
  });

  test('refuses an image given by tag instead of digest', () => {
    expect(broken((r) => (r.cells[0].voice.imageDigest = 'latest'))).toEqual([
      'cells[0].voice.imageDigest: must be an image digest: "sha256:" followed by 64 lower-case hex digits (tags are mutable; digests are not)',
    ]);
  });

  test('refuses a certificate of another region, and a voice service without any certificate', () => {
    expect(broken((r) => (r.cells[0].voice.certificateArn = 'arn:aws:acm:eu-west-1:111111111111:certificate/12345678-1234-1234-1234-123456789012'))).toEqual([
      'cells[0].voice.certificateArn: must be a certificate of account 111111111111 in the primary region us-east-1: a load balancer can only use certificates of its own region',
    ]);
    expect(broken((r) => delete r.cells[0].voice.certificateArn)).toEqual([
      'cells[0].voice.certificateArn: is missing: give an ACM certificateArn, or domainName with hostedZoneId and hostedZoneName for a DNS-validated certificate',
    ]);
  });

  test('refuses fewer than two tasks', () => {
    expect(broken((r) => (r.cells[1].voice.minTasks = 1))).toEqual([
      'cells[1].voice.minTasks: Too small: expected number to be >=2'.replace('Too small: expected number to be >=2', 'must be at least 2: a call must survive the loss of one task or zone'),
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
      'cells[0].subProcessors[0]: sub-processor "Example Language Models Inc." sees PHI in US cell "us-east" but has no signed BAA; sign one or stop using it in this cell',
    ]);
  });

  test('refuses an EU PHI cell using a sub-processor without a DPA or that processes outside the EU', () => {
    expect(
      broken((r) => {
        r.subProcessors = [subProcessor({ dpa: { signed: false }, processingRegions: { US: ['us-east-1'], EU: ['eu-west-1', 'us-east-1'] } })];
        r.cells[1].subProcessors = ['example-llm'];
      }),
    ).toEqual([
      'cells[1].subProcessors[0]: sub-processor "Example Language Models Inc." sees PHI in EU cell "eu-central" but has no signed DPA; sign one or stop using it in this cell',
      'cells[1].subProcessors[0]: sub-processor "Example Language Models Inc." sees PHI in EU cell "eu-central" but lists EU processing in us-east-1, outside the EU',
    ]);
    expect(
      broken((r) => {
        r.subProcessors = [subProcessor({ processingRegions: { US: ['us-east-1'] } })];
        r.cells[1].subProcessors = ['example-llm'];
      }),
    ).toEqual([
      'cells[1].subProcessors[0]: sub-processor "Example Language Models Inc." sees PHI in EU cell "eu-central" but processes no data inside the EU; it must list EU processing regions',
    ]);
  });

  test('accepts a sub-processor without a BAA when it sees no PHI', () => {
    expect(
      broken((r) => {
        r.subProcessors = [subProcessor({ seesPhi: false, baa: { signed: false } })];
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
      'subProcessors[0].baa.date: is missing: give the date the BAA was signed (YYYY-MM-DD)',
      'cells[0].subProcessors[0]: unknown sub-processor "example-tts"; use one of: example-llm',
    ]);
  });

  test('refuses two cells in one account: account-wide detection services exist once per account', () => {
    expect(broken((r) => (r.cells[1].account = '111111111111'))).toEqual([
      'cells[1].account: account 111111111111 is already used by cell "us-east"; each cell needs its own account (GuardDuty, Security Hub, AWS Config and the Config service-linked role exist once per account)',
    ]);
  });

  test.each([
    ['10.10.5.0/16', 'host bits set'],
    ['300.10.0.0/16', 'octet over 255'],
  ])('refuses the VPC CIDR %p (%s) before CDK sees it', (cidr) => {
    expect(broken((r) => (r.cells[0].vpcCidr = cidr))).toEqual([
      'cells[0].vpcCidr: must be a valid network address for its prefix (each number 0-255, host bits zero), such as "10.10.0.0/16"',
    ]);
  });

  test('refuses ids with two hyphens in a row, and a platform id starting with a digit', () => {
    expect(broken((r) => (r.cells[0].id = 'us--east'))).toContain('cells[0].id: must not contain two hyphens in a row (ECR and other AWS names refuse them)');
    expect(broken((r) => (r.platform.id = '1vp'))).toEqual(['platform.id: must start with a letter (database and repository names derived from it must)']);
  });

  test('refuses a Fargate CPU and memory pair that Fargate does not offer', () => {
    expect(broken((r) => Object.assign(r.cells[0].voice, { cpu: 256, memoryMiB: 8192 }))).toEqual([
      'cells[0].voice.memoryMiB: is not a Fargate memory size for cpu 256: use 512, 1024, 2048',
    ]);
    expect(broken((r) => Object.assign(r.cells[0].voice, { cpu: 2048, memoryMiB: 8192 }))).toEqual([]);
  });

  test('refuses a tenant id that would name another tenant\'s replication role', () => {
    expect(broken((r) => (r.tenants[0].id = 'x-replication'))).toEqual([
      'tenants[0].id: must not end with "-replication": that suffix names a tenant\'s replication role',
    ]);
  });

  test('refuses an EU SIEM without a DPA even in a cell that carries no PHI (GDPR covers all personal data)', () => {
    expect(
      broken((r) => {
        r.cells[1].carriesPhi = false;
        r.cells[1].siem = siem({ baaSigned: false, dpaSigned: false, processingRegions: ['us-east-1'] });
      }),
    ).toEqual([
      'cells[1].siem.dpaSigned: SIEM "example-siem" would receive EU personal data without a DPA; sign a DPA with it or remove the endpoint',
      'cells[1].siem.processingRegions[0]: SIEM "example-siem" processes data in "us-east-1", outside EU; use a SIEM region in eu-central-1, eu-west-1, eu-west-3, eu-north-1, eu-south-1, eu-south-2',
    ]);
  });

  test('refuses a SAML provider of another account', () => {
    expect(broken((r) => (r.cells[0].humanAccess = { samlProviderArn: 'arn:aws:iam::999999999999:saml-provider/ExampleIdP' }))).toEqual([
      "cells[0].humanAccess.samlProviderArn: must be a SAML provider of the cell's own account 111111111111: roles can only trust an identity provider registered in their account",
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
        'cells[0].account',
        'cells[0].primaryRegion',
        'cells[0].availabilityZones[0]',
        'cells[0].availabilityZones[1]',
        'cells[0].voice.certificateArn',
        'cells[1].retention.auditDays',
        'tenants[0].cell',
        'platform.name',
      ].sort(),
    );
  });

  test('the error message lists every problem with its path and says nothing was synthesized', () => {
    const raw = validRaw();
    raw.cells[0].account = '1';
    raw.tenants[0].cell = 'nowhere';
    expect(() => validateConfig(raw, 'config/bad.yaml')).toThrow(
      /^config\/bad\.yaml is not a valid platform configuration \(2 problems\):\n  - cells\[0\]\.account: .*\n  - tenants\[0\]\.cell: .*\nNothing was synthesized/,
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
