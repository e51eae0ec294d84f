import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { RawConfig, rawFixtureConfig } from '../fixtures/config';
import { scratchDir } from '../helpers';

/** A digest that is not the placeholder. */
export const REAL_DIGEST = `sha256:${'ab'.repeat(32)}`;

/**
 * Writes the test fixture configuration (by default two cells, us-east and eu-central, two clinics each) to a
 * scratch file, with a real image digest in every cell unless `edit` says otherwise, and returns
 * its path. Built from test/fixtures/config.ts, never from the user's config/platform.yaml.
 */
export function writeConfig(edit?: (raw: RawConfig) => void, cells: 1 | 2 | 4 = 2): string {
  const raw = rawFixtureConfig({ cells, tenantsPerCell: 2 });
  for (const cell of raw.cells) cell.voice.imageDigest = REAL_DIGEST;
  edit?.(raw);
  const file = path.join(scratchDir('deploy'), 'platform.yaml');
  writeFileSync(file, stringify(raw));
  return file;
}

/** An error as the SDK throws it: only its name and message matter to the preflight. */
export function sdkError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}
