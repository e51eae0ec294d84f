import { App } from 'aws-cdk-lib';
import { CellStage } from './cell-stage';
import { PlatformConfig } from './config';
import { PipelineStack } from './stacks/pipeline-stack';

/**
 * Builds one CellStage per configured cell, each with the tenants placed in it, and, when config
 * enables it, the deployment pipeline that deploys those same stages.
 */
export function buildPlatform(app: App, config: PlatformConfig): CellStage[] {
  // Every cell is built exactly once, at the top of the app, with or without the pipeline. With the
  // pipeline, these same stages are added to its waves; the CLI stages are not built a second time:
  // two copies would double synthesis and give every production stack two definitions (the same
  // stack names) and two deploy paths in one assembly. The stages stay top-level rather than inside
  // the pipeline stack (CDK Pipelines accepts either): nested, they would become
  // `Pipeline/<cell>` in `cdk.out/assembly-Pipeline-<cell>`, which the evidence pack refuses as an
  // unknown cell, so `npm run evidence` in the pipeline's own synth step and in CI would fail.
  const cells = config.cells.map(
    (cell) =>
      new CellStage(app, {
        platform: config.platform,
        cell,
        tenants: config.tenants.filter((t) => t.cell === cell.id),
        subProcessors: config.subProcessors.filter((sp) => cell.subProcessors.includes(sp.id)),
      }),
  );
  if (config.pipeline?.enabled) {
    // CDK Pipelines synthesizes each stage as it is added, so the cells must be complete here:
    // resources added to a cell afterwards (the `extend` hook of main()) would miss its templates.
    new PipelineStack(app, 'Pipeline', { platform: config.platform, pipeline: config.pipeline, cells });
  }
  return cells;
}
