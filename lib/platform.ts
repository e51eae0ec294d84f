import { App } from 'aws-cdk-lib';
import { CellStage } from './cell-stage';
import { PlatformConfig } from './config';

/** Builds one CellStage per configured cell, each with the tenants placed in it. */
export function buildPlatform(app: App, config: PlatformConfig): CellStage[] {
  return config.cells.map(
    (cell) =>
      new CellStage(app, {
        platform: config.platform,
        cell,
        tenants: config.tenants.filter((t) => t.cell === cell.id),
      }),
  );
}
