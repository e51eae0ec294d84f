import { gitState, PROJECT_ROOT } from '../deploy/environment';
import { stsClientFor } from '../deploy/main';
import { runVerify } from './cli';

/** The verify entry point (`npm run verify -- <cell-id>`): sets the exit code, prints no stack trace for a refusal. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await runVerify(argv, { sts: stsClientFor, git: () => gitState(PROJECT_ROOT) });
}
