import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** One cache folder per test run, shared by every worker: each configuration is synthesized once (test/helpers.ts). */
export default async function globalSetup(): Promise<void> {
  process.env.VP_TEST_SYNTH_CACHE = mkdtempSync(path.join(tmpdir(), 'vp-jest-synth-'));
}
