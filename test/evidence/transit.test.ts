import { integrity } from '../../lib/evidence/sections/integrity';
import { auditControls } from '../../lib/evidence/sections/audit-controls';
import { transmissionSecurity } from '../../lib/evidence/sections/transmission';
import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';
import { cellEvidenceOf, linesWith, resourcesIn } from './support';

// Section 1 (e) groups what reads the same (issue 16: shorter, no fact lost); a template change splits the group again.
describe('transmission security: endpoints and TLS-only policies, grouped', () => {
  const result = synthesized(fixtureConfig());
  const NETWORK = 'us-east/Network';
  const interfaceServices = (t: Record<string, any>) =>
    resourcesIn(t, 'AWS::EC2::VPCEndpoint')
      .filter(([, e]) => e.Properties.VpcEndpointType === 'Interface')
      .map(([id, e]) => [id, JSON.stringify(e.Properties.ServiceName).match(/com\.amazonaws\.[^."]+\.([a-z0-9.]+)|\.([a-z0-9.]+)"/)] as const);

  test('the interface endpoints are one row naming each service, and a removed endpoint leaves it', () => {
    const text = transmissionSecurity(cellEvidenceOf(result, 'us-east'));
    const [row] = linesWith(text, '| VPC Interface endpoints |');
    const count = interfaceServices(result.templateJson(NETWORK)).length;
    expect(count).toBeGreaterThan(3);
    expect(row).toMatch(new RegExp(`^\\| ${count} endpoints: [^|]*\\bkms\\b[^|]*\\bsts\\b`));
    expect(row).toContain('com.amazonaws.us-east-1.&lt;service&gt;');
    expect(row).toContain('HTTPS to the AWS API inside the VPC; private DNS: yes');
    const edited = transmissionSecurity(
      cellEvidenceOf(result, 'us-east', (t) => {
        const [id] = resourcesIn(t[NETWORK], 'AWS::EC2::VPCEndpoint').find(([, e]) => JSON.stringify(e.Properties.ServiceName).includes('.kms'))!;
        delete t[NETWORK].Resources[id];
      }),
    );
    const [after] = linesWith(edited, '| VPC Interface endpoints |');
    expect(after).toMatch(new RegExp(`^\\| ${count - 1} endpoints: `));
    expect(after).not.toMatch(/\bkms\b/);
  });

  test('buckets whose policies refuse requests without TLS are one row; a bucket that stops refusing gets its own row', () => {
    const text = transmissionSecurity(cellEvidenceOf(result, 'us-east'));
    // Every bucket refuses: said so, with their number, instead of naming each.
    const buckets = linesWith(text, '| every bucket of the cell (')[0];
    expect(buckets).toMatch(/\| yes \| TLS 1.2 \|$/);
    const all = Number(/every bucket of the cell \((\d+)\)/.exec(buckets)![1]);
    const inTemplates = cellEvidenceOf(result, 'us-east').stacks.reduce((n, s) => n + resourcesIn(s.template as Record<string, any>, 'AWS::S3::Bucket').length, 0);
    expect(all).toBe(inTemplates);
    const edited = transmissionSecurity(
      cellEvidenceOf(result, 'us-east', (t) => {
        const [, policy] = resourcesIn(t['us-east/Tenant-us-east-c001'], 'AWS::S3::BucketPolicy').find(([, p]) => JSON.stringify(p.Properties.Bucket).includes('Transcripts'))!;
        policy.Properties.PolicyDocument.Statement = policy.Properties.PolicyDocument.Statement.filter((s: any) => !JSON.stringify(s.Condition ?? {}).includes('aws:SecureTransport'));
      }),
    );
    expect(linesWith(edited, '| 1 bucket: vp-us-east-phi-us-east-c001-txt-111111111111 |')[0]).toContain('| **no** |');
    const [rest] = linesWith(edited, 'buckets: ');
    expect(rest).toMatch(new RegExp(`^\\| ${all - 1} buckets: `));
    expect(rest).toContain('vp-us-east-phi-us-east-c002-txt-111111111111');
    expect(rest).not.toContain('vp-us-east-phi-us-east-c001-txt-111111111111');
  });
});

describe('S3 server access logs, grouped by where they go', () => {
  const result = synthesized(fixtureConfig());
  const records = (edit?: Parameters<typeof cellEvidenceOf>[2]) => auditControls(cellEvidenceOf(result, 'us-east', edit));

  test('buckets that log to the same bucket under their own name are one row; another prefix gets its own row', () => {
    const [row] = linesWith(records(), '| vp-us-east-access-logs-111111111111-us-east-1 | its own name, then / |');
    expect(row).toContain('vp-us-east-audit-111111111111-us-east-1');
    expect(row).toContain('vp-us-east-phi-&lt;clinic&gt;-txt-111111111111 (both clinics)');
    expect(linesWith(records(), '| not logged |')[0]).toMatch(/^\| 2 buckets: vp-us-east-access-logs-/);
    const edited = records((t) => {
      const [, bucket] = resourcesIn(t['us-east/Tenant-us-east-c001'], 'AWS::S3::Bucket').find(([id]) => id.startsWith('Transcripts'))!;
      bucket.Properties.LoggingConfiguration.LogFilePrefix = 'elsewhere/';
    });
    expect(linesWith(edited, '| 1 bucket: vp-us-east-phi-us-east-c001-txt-111111111111 |')[0]).toContain('| elsewhere/ |');
  });
});

describe('integrity: log file validation, in one line', () => {
  const result = synthesized(fixtureConfig());
  test('states each trail\'s log file validation, and follows the template', () => {
    const before = integrity(cellEvidenceOf(result, 'us-east'));
    expect(before).toMatch(/\*\*Log file validation\*\* \([^)]*\): `vp-us-east-trail`: yes\./);
    const after = integrity(
      cellEvidenceOf(result, 'us-east', (t) => {
        const [, trail] = resourcesIn(t['us-east/Audit'], 'AWS::CloudTrail::Trail')[0];
        trail.Properties.EnableLogFileValidation = false;
      }),
    );
    expect(after).toContain('`vp-us-east-trail`: no.');
  });
});
