import { rmSync } from 'node:fs';

/** Removes the run's synthesis cache, so that a test run leaves nothing behind. */
export default async function globalTeardown(): Promise<void> {
  if (process.env.VP_TEST_SYNTH_CACHE) rmSync(process.env.VP_TEST_SYNTH_CACHE, { recursive: true, force: true });
}
