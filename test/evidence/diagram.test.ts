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
  const edgeLine = (source: string, from: string, to: string) => {
    const id = (text: string) => new RegExp(`(n\\d+)[\\[({]+"${text}`).exec(source)?.[1];
    return source.split('\n').find((l) => l.includes(`${id(from)} -->`) && l.trim().endsWith(` ${id(to)}`));
  };

  test('stays within Mermaid\'s limits at 400 clinics, with the clinics as one node and as many edges as at one clinic', () => {
    const one = mermaid(cellEvidenceOf(result, 'us-east'));
    const many = mermaid(scaledTo(400));
    const size = mermaidSize(many);
    expect(size.edges).toBeLessThanOrEqual(MERMAID_MAX_EDGES);
    expect(size.textSize).toBeLessThanOrEqual(MERMAID_MAX_TEXT_SIZE);
    expect(size.edges).toBe(mermaidSize(one).edges);
    expect(many).toContain('[["400 clinics, each: own key, recordings bucket, transcripts bucket, access role"]]');
    expect(many).not.toContain(fixtureTenantId('us-east', 400));
  });

  test('labels the hops of a call from the templates: listener to callers\' provider, target group to the service', () => {
    const source = mermaid(cellEvidenceOf(result, 'us-east'));
    const voice = result.templateJson('us-east/Voice');
    const [[, listener]] = resourcesIn(voice, 'AWS::ElasticLoadBalancingV2::Listener').filter(([, l]) => l.Properties.SslPolicy);
    expect(edgeLine(source, 'Sub-processor: telephony', 'Load balancer')).toContain(`|"${listener.Properties.Protocol} ${listener.Properties.Port} TLS (${listener.Properties.SslPolicy})"|`);
    expect(edgeLine(source, 'Load balancer', 'ECS service')).toContain('|"HTTPS 8080 TLS"|');
    const plain = mermaid(
      cellEvidenceOf(result, 'us-east', (t) => {
        const [[, group]] = resourcesIn(t['us-east/Voice'], 'AWS::ElasticLoadBalancingV2::TargetGroup');
        Object.assign(group.Properties, { Protocol: 'HTTP', Port: 8081 });
      }),
    );
    expect(edgeLine(plain, 'Load balancer', 'ECS service')).toContain('|"HTTP 8081, unencrypted"|');
  });

  test('shows every sub-processor of the cell, with its contract, and the callers', () => {
    const source = mermaid(cellEvidenceOf(result, 'us-east'));
    for (const sp of result.config.subProcessors) expect(source).toContain(`"Sub-processor: ${sp.role}<br/>${sp.name}<br/>BAA signed; sees ${sp.dataCategories.join(', ')}"`);
    expect(edgeLine(source, 'Callers', 'Sub-processor: telephony')).toContain('|"phone call"|');
    expect(edgeLine(source, 'ECS service', 'Sub-processor: voice-ai')).toContain('(config)');
    const fewer = fixtureConfig({ cells: 1, tenantsPerCell: 1, edit: (raw) => (raw.cells[0].subProcessors = ['fixture-telephony']) });
    expect(mermaid(cellEvidenceOf(result, 'us-east', undefined, fewer))).not.toContain('Sub-processor: voice-ai');
  });

  test('names each clinic\'s key, buckets and role in a table under the diagram', () => {
    const text = diagramSection(cellEvidenceOf(result, 'us-east'));
    const id = fixtureTenantId('us-east', 1);
    expect(text).toContain(`| \`${id}\` | alias/vp-us-east/tenant-${id} | vp-us-east-phi-${id}-rec-111111111111 | vp-us-east-phi-${id}-txt-111111111111 | vp-us-east-tenant-${id} | us-east-1, us-west-2 |`);
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
