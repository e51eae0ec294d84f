import { App } from 'aws-cdk-lib';
import { statSync } from 'node:fs';
import { MAX_TENANTS_PER_CELL, MAX_TENANTS_WITH_PIPELINE, validateConfig } from '../lib/config';
import { buildPlatform } from '../lib/platform';
import { fixtureConfig, rawFixtureConfig } from './fixtures/config';
import { cdkJsonContext, scratchDir } from './helpers';

/** CloudFormation's per-stack limits, and the share of each a template may use here. */
const LIMITS = { resources: 500, templateBytes: 1_000_000, outputs: 200, parameters: 200, mappings: 200 };
const HEADROOM = 0.6;

/** An App that writes templates as the CLI does: path metadata and version reporting on. */
function limitsApp(): App {
  const outdir = scratchDir('limits');
  return new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:enable-path-metadata': true, 'aws:cdk:version-reporting': true },
    builtinCloudFormationValidation: false,
  });
}

/** The largest configuration this app supports: every cell at its maximum number of tenants. */
function largestConfig() {
  const base = rawFixtureConfig();
  const tenants = base.cells.flatMap((cell: any) =>
    Array.from({ length: MAX_TENANTS_PER_CELL }, (_, i) => ({
      id: `${cell.id.slice(0, 2)}-clinic-${String(i + 1).padStart(4, '0')}`,
      cell: cell.id,
      jurisdiction: cell.jurisdiction,
      recordings: { enabled: true, retentionDays: 3650 },
      transcripts: { retentionDays: 3650 },
      offboarding: { terminationDate: '2030-12-31' },
    })),
  );
  return validateConfig({ ...base, tenants });
}

describe('CloudFormation limits at the largest supported configuration', () => {
  // Template size and counts do not depend on the packs, so this test synthesizes without them.
  const app = limitsApp();
  const cells = buildPlatform(app, largestConfig());
  app.synth();
  const stacks = cells.flatMap((cell) => cell.synth().stacks);

  test(`synthesizes ${MAX_TENANTS_PER_CELL} tenants in every cell`, () => {
    expect(stacks.filter((s) => /\/Tenant-/.test(s.hierarchicalId))).toHaveLength(MAX_TENANTS_PER_CELL * cells.length);
  });

  test('every template stays under 60 percent of each per-stack limit', () => {
    const over: string[] = [];
    for (const stack of stacks) {
      const t = stack.template as Record<string, object | undefined>;
      const figures = {
        resources: Object.keys(t.Resources ?? {}).length,
        // The file CloudFormation receives, as `cdk synth` writes it (indented, with path metadata).
        templateBytes: statSync(stack.templateFullPath).size,
        outputs: Object.keys(t.Outputs ?? {}).length,
        parameters: Object.keys(t.Parameters ?? {}).length,
        mappings: Object.keys(t.Mappings ?? {}).length,
      };
      for (const [limit, value] of Object.entries(figures)) {
        if (value > LIMITS[limit as keyof typeof LIMITS] * HEADROOM) over.push(`${stack.hierarchicalId} ${limit}=${value}`);
      }
    }
    expect(over).toEqual([]);
  });

  test('the shared stacks of a cell do not grow with its tenants', () => {
    const small = limitsApp();
    const smallCells = buildPlatform(small, fixtureConfig());
    small.synth();
    for (const name of ['Keys', 'Network', 'Audit', 'Detection', 'Data', 'Voice', 'Access', 'Registry', 'DisasterRecovery']) {
      const count = (cs: typeof cells) =>
        Object.keys((cs[0].synth().stacks.find((s) => s.hierarchicalId === `us-east/${name}`)!.template as any).Resources).length;
      expect([name, count(cells)]).toEqual([name, count(smallCells)]);
    }
  });

  test(`with the pipeline on, its template stays under 60 percent of 1 MB at ${MAX_TENANTS_WITH_PIPELINE} tenants`, () => {
    const base = rawFixtureConfig();
    const withPipeline = validateConfig({
      ...base,
      pipeline: { ...base.pipeline, enabled: true },
      cells: base.cells.map((c: any, i: number) => ({ ...c, voice: { ...c.voice, imageDigest: `sha256:${String(i + 1).repeat(64)}` } })),
      tenants: Array.from({ length: MAX_TENANTS_WITH_PIPELINE }, (_, i) => {
        const cell = base.cells[i % base.cells.length];
        return { id: `clinic-${String(i + 1).padStart(4, '0')}`, cell: cell.id, jurisdiction: cell.jurisdiction };
      }),
    });
    const pipelineApp = limitsApp();
    buildPlatform(pipelineApp, withPipeline);
    const assembly = pipelineApp.synth();
    const pipeline = assembly.getStackArtifact((pipelineApp.node.findChild('Pipeline') as import('aws-cdk-lib').Stack).artifactId);
    expect(statSync(pipeline.templateFullPath).size).toBeLessThan(LIMITS.templateBytes * HEADROOM);
    expect(Object.keys((pipeline.template as any).Resources).length).toBeLessThan(LIMITS.resources * HEADROOM);
    expect(() => validateConfig({ ...withPipeline, tenants: [...withPipeline.tenants, { id: 'one-more', cell: 'us-east', jurisdiction: 'US' }] })).toThrow(
      /the pipeline supports at most 100 tenants in all/,
    );
  });

  test('config refuses one tenant more than a cell supports, and says why', () => {
    const config = largestConfig();
    const raw = { ...config, tenants: [...config.tenants, { id: 'one-too-many', cell: 'us-east', jurisdiction: 'US' }] };
    expect(() => validateConfig(raw)).toThrow(/cell "us-east" would hold more than 400 tenants, the most one account's default IAM quotas support/);
  });
});
