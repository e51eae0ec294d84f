import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG_PATH } from '../../lib/config';

/** A digest that is not the placeholder. */
export const REAL_DIGEST = `sha256:${'ab'.repeat(32)}`;

/**
 * Writes a copy of the shipped configuration to a temporary file, with a real image digest in every
 * cell unless `edit` says otherwise, and returns its path. Derived from config/platform.yaml so that
 * it stays valid as the schema grows.
 */
export function writeConfig(edit?: (raw: any) => void): string {
  const raw = parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8'));
  for (const cell of raw.cells) cell.voice.imageDigest = REAL_DIGEST;
  edit?.(raw);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'vp-deploy-')), 'platform.yaml');
  writeFileSync(file, stringify(raw));
  return file;
}

/** An error as the SDK throws it: only its name and message matter to the preflight. */
export function sdkError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}
