import { readCloudAssembly } from '../../lib/evidence/assembly';
import { CellEvidence } from '../../lib/evidence/cell-evidence';
import { cellDiagram, mermaidSize, toMermaid } from '../../lib/evidence/cell-diagram';
import { TemplateIndex } from '../../lib/evidence/references';
import { diagramSection } from '../../lib/evidence/sections/diagram';
import { StackTemplate, indexStack } from '../../lib/evidence/template';
import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { synthesized } from '../helpers';
import { cellEvidenceOf, resourcesIn } from './support';

/** Mermaid's defaults, as GitHub renders with them (mermaid-js/mermaid, packages/mermaid/src/schemas/config.schema.yaml). */
const MERMAID_MAX_EDGES = 500;
const MERMAID_MAX_TEXT_SIZE = 50_000;

describe('the cell-level architecture diagram', () => {
  const result = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1 }), { packs: false });
  const mermaid = (ev: CellEvidence) => toMermaid(cellDiagram(ev));
  /** Node ids whose label begins with the text (a node may be declared where an arrow first names it). */
  const ids = (source: string, text: string) => [...source.matchAll(new RegExp(`(n\\d+)[\\[({]+"${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'g'))].map((m) => m[1]);
  /** The node whose label begins with the text: its whole label. */
  const label = (source: string, text: string) => new RegExp(`n\\d+[\\[({]+"(${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^"]*)"`).exec(source)?.[1];
  /** The labels of the arrows from the node labelled `from` to the node labelled `to`; `a & b -->|x| c & d` is four arrows. */
  const edgeLabels = (source: string, from: string, to: string) =>
    source.split('\n').flatMap((l) => {
      const m = /^(.+?) (?:-->|-\.->)\|"([^"]*)"\| (.+)$/.exec(l);
      const end = (side: string) => side.split(' & ').map((x) => /^n\d+/.exec(x)?.[0]);
      return m && end(m[1]).some((id) => ids(source, from).includes(id!)) && end(m[3]).some((id) => ids(source, to).includes(id!)) ? [m[2]] : [];
    });

  test('stays within Mermaid\'s limits at 400 clinics, with the clinics as one node and as many edges as at one clinic', () => {
    const one = mermaid(cellEvidenceOf(result, 'us-east'));
    const many = mermaid(scaledTo(400));
    const size = mermaidSize(many);
    expect(size.edges).toBeLessThanOrEqual(MERMAID_MAX_EDGES);
    expect(size.textSize).toBeLessThanOrEqual(MERMAID_MAX_TEXT_SIZE);
    expect(size.edges).toBe(mermaidSize(one).edges);
    expect(many).toContain('[["400 clinics, each: own key, recordings bucket, transcripts bucket, access role"]]');
    expect(many).not.toContain(fixtureTenantId('us-east', 400));
    // Arrows sharing a line count one by one, as Mermaid counts them against maxEdges.
    expect(mermaidSize('flowchart LR\nn0 & n1 -->|"x"| n2 & n3 & n4\nn5 -.->|"y"| n6').edges).toBe(7);
  });

  test('labels the hops of a call from the templates: listener to callers\' provider, target group to the service', () => {
    const source = mermaid(cellEvidenceOf(result, 'us-east'));
    const voice = result.templateJson('us-east/Voice');
    const [[, listener]] = resourcesIn(voice, 'AWS::ElasticLoadBalancingV2::Listener').filter(([, l]) => l.Properties.SslPolicy);
    expect(edgeLabels(source, 'Sub-processor: telephony', 'Load balancer')).toEqual([`${listener.Properties.Protocol} ${listener.Properties.Port} TLS (${listener.Properties.SslPolicy})`]);
    expect(edgeLabels(source, 'Load balancer', 'ECS service')).toEqual(['HTTPS 8080 TLS']);
    const plain = mermaid(
      cellEvidenceOf(result, 'us-east', (t) => {
        const [[, group]] = resourcesIn(t['us-east/Voice'], 'AWS::ElasticLoadBalancingV2::TargetGroup');
        Object.assign(group.Properties, { Protocol: 'HTTP', Port: 8081 });
        const [[, l]] = resourcesIn(t['us-east/Voice'], 'AWS::ElasticLoadBalancingV2::Listener').filter(([, x]) => x.Properties.SslPolicy);
        l.Properties.SslPolicy = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
      }),
    );
    expect(edgeLabels(plain, 'Load balancer', 'ECS service')).toEqual(['HTTP 8081, unencrypted']);
    expect(edgeLabels(plain, 'Sub-processor: telephony', 'Load balancer')).toEqual([`${listener.Properties.Protocol} ${listener.Properties.Port} TLS (ELBSecurityPolicy-TLS13-1-2-2021-06)`]);
  });

  test('shows every sub-processor of the cell with its contract, and what it receives on the arrow into it', () => {
    const source = mermaid(cellEvidenceOf(result, 'us-east'));
    for (const sp of result.config.subProcessors) expect(source).toContain(`"Sub-processor: ${sp.role}<br>${sp.name}<br>BAA signed"`);
    const [telephony, voiceAi] = ['telephony', 'voice-ai'].map((role) => result.config.subProcessors.find((sp) => sp.role === role)!);
    expect(edgeLabels(source, 'Callers', 'Sub-processor: telephony')).toEqual([`phone call: ${telephony.dataCategories.join(', ')} (config)`]);
    expect(edgeLabels(source, 'ECS service', 'Sub-processor: voice-ai')).toEqual([`sends ${voiceAi.dataCategories.join(', ')} (config)`]);
    const fewer = fixtureConfig({ cells: 1, tenantsPerCell: 1, edit: (raw) => (raw.cells[0].subProcessors = ['fixture-telephony']) });
    expect(mermaid(cellEvidenceOf(result, 'us-east', undefined, fewer))).not.toContain('Sub-processor: voice-ai');
  });

  test('draws a region\'s keys as one node with their count and aliases, read from the templates', () => {
    const source = mermaid(cellEvidenceOf(result, 'us-east'));
    expect(label(source, 'KMS keys (8)')).toBe('KMS keys (8)<br>alias/vp-us-east/{logs, audit, database,<br>backup, secrets, alerts, alerts-fallback,<br>images}');
    expect(label(source, 'KMS keys (4)')).toBe('KMS keys (4)<br>alias/vp-us-east/{audit, backup, alerts,<br>alerts-fallback}');
    // One dotted arrow from the key node to each node its keys encrypt, the database among them.
    expect(edgeLabels(source, 'KMS keys (8)', 'Database')).toEqual(['encrypts, each by one (section 2)']);
    const more = mermaid(
      cellEvidenceOf(result, 'us-east', (t) => {
        const keys = t['us-east/Keys'].Resources;
        keys.ExtraKey = structuredClone(keys.LogsKeyA6AB43B2);
        keys.ExtraKeyAlias = { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/vp-us-east/extra', TargetKeyId: { Ref: 'ExtraKey' } } };
        delete t['us-east/Registry'].Resources.ImagesKeyAlias7E2FF3C6;
      }),
    );
    // The new key counts and is named; the images key, its alias gone, is named by its construct id.
    expect(label(more, 'KMS keys (9)')).toMatch(/^KMS keys \(9\)<br>.*\bextra\b/);
    expect(label(more, 'KMS keys (9)')).not.toContain('images');
    expect(label(more, 'KMS keys (9)')).toContain('ImagesKey');
  });

  test('groups log groups and delivery streams by role: those that feed the same streams, the streams that deliver to the same bucket', () => {
    const source = mermaid(cellEvidenceOf(result, 'us-east'));
    const fed = label(source, 'Log groups (5)')!;
    for (const name of ['FlowLogs', 'TrailLogs', '/aws/rds/instance/vp-us-east-db/postgresql', '/vp-us-east/voice/audit', 'aws-waf-logs-vp-us-east-voice']) expect(fed).toContain(name);
    expect(label(source, 'Log groups (3)')).toMatch(/QueryLogs.*Migrations\/Logs.*CredentialBroker\/Logs/);
    expect(edgeLabels(source, 'Log groups (5)', 'Firehose streams (5)')).toEqual(['subscription']);
    expect(edgeLabels(source, 'Firehose streams (5)', 'S3 bucket<br>vp-us-east-siem-')).toEqual(['delivers to']);
    // An arrow that reaches one member of a group names it.
    expect(edgeLabels(source, 'Web application firewall', 'Log groups (5)')).toEqual(['logs to aws-waf-logs-vp-us-east-voice']);

    const changed = mermaid(
      cellEvidenceOf(result, 'us-east', (t) => {
        // The WAF log group no longer feeds a stream; the DNS query log group is removed; one stream delivers to the audit bucket.
        delete t['us-east/Voice'].Resources.WafLogsSiemWafArchiveD70D7AD2;
        delete t['us-east/Network'].Resources.DnsFirewallQueryLogs35299572;
        const audit = t['us-east/Audit'].Resources;
        const bucket = Object.keys(audit).find((k) => k.startsWith('AuditArchive') && audit[k].Type === 'AWS::S3::Bucket')!;
        audit.SiemVoiceAuditArchive1AB9AC84.Properties.ExtendedS3DestinationConfiguration.BucketARN = { 'Fn::GetAtt': [bucket, 'Arn'] };
      }),
    );
    // Each group now holds the log groups that feed the same streams: the voice audit log's stream stands apart, and so does it.
    expect(label(changed, 'Log groups (3)<br>FlowLogs')).toMatch(/TrailLogs.*\/aws\/rds\/instance\/vp-us-east-db\/postgresql"?$/);
    expect(label(changed, 'Log groups (3)<br>Migrations/Logs')).toMatch(/CredentialBroker\/Logs.*aws-waf-logs-vp-us-east-voice$/);
    expect(edgeLabels(changed, 'Log group<br>/vp-us-east/voice/audit', 'Firehose stream<br>VoiceAuditArchive')).toEqual(['subscription']);
    expect(changed).not.toContain('QueryLogs');
    expect(label(changed, 'Firehose streams (4)')).not.toContain('VoiceAuditArchive');
    expect(edgeLabels(changed, 'Firehose stream<br>VoiceAuditArchive', 'S3 bucket<br>vp-us-east-audit-111111111111-us-east-1')).toEqual(['delivers to']);
  });

  test('names each clinic\'s key, buckets and role in a table under the diagram, a name every clinic follows written once', () => {
    const id = fixtureTenantId('us-east', 1);
    const text = diagramSection(cellEvidenceOf(result, 'us-east'));
    expect(text).toContain('| Clinic | Key alias/vp-us-east/tenant-&lt;clinic&gt; | Recordings bucket vp-us-east-phi-&lt;clinic&gt;-rec-111111111111 | Transcripts bucket vp-us-east-phi-&lt;clinic&gt;-txt-111111111111 | Access role vp-us-east-tenant-&lt;clinic&gt; | Regions |');
    expect(text).toContain(`| \`${id}\` | yes | yes | yes | yes | us-east-1, us-west-2 |`);
    const tenant = `us-east/Tenant-${id}`;
    const without = diagramSection(
      cellEvidenceOf(result, 'us-east', (t) => {
        const [[bucket]] = resourcesIn(t[tenant], 'AWS::S3::Bucket').filter(([, b]) => String(b.Properties.BucketName).includes('-rec-'));
        delete t[tenant].Resources[bucket];
      }),
    );
    expect(without).toContain(`| \`${id}\` | yes | — | yes | yes | us-east-1, us-west-2 |`);
    expect(without).toContain('[["1 clinic, each: own key, recordings bucket (0 of 1), transcripts bucket, access role"]]');
  });

  /** The one-clinic assembly with its clinic's two stacks copied for 400 clinics: what a synthesis of 400 clinics would hold for the diagram. */
  function scaledTo(count: number): CellEvidence {
    const config = fixtureConfig({ cells: 1, tenantsPerCell: count, edit: (raw) => raw.tenants.forEach((t: any) => (t.recordings = { enabled: true, retentionDays: 365 })) });
    const assembly = readCloudAssembly(result.outdir, { report: 'optional' });
    const first = fixtureTenantId('us-east', 1);
    const stacks: StackTemplate[] = assembly.stacks.filter((s) => !s.path.includes(first));
    for (const template of assembly.stacks.filter((s) => s.path.includes(first))) {
      for (let i = 1; i <= count; i++) {
        const id = fixtureTenantId('us-east', i);
        const { resources: _r, byLogicalId: _b, byType: _t, template: t, ...meta } = template;
        const copy = (text: string) => text.split(first).join(id);
        stacks.push(indexStack({ ...meta, path: copy(meta.path), stackName: copy(meta.stackName), templateFile: copy(meta.templateFile) }, JSON.parse(copy(JSON.stringify(t)))));
      }
    }
    return new CellEvidence(config.cells[0], config, { ...assembly, stacks }, new TemplateIndex(stacks), []);
  }
});
