import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EvidenceError } from './assembly';

/** The file `cdk synth` writes beside the templates: what they were synthesized from, and with what. */
export const SYNTH_RECORD_FILE = 'voice-platform-synthesis.json';

/** What a synthesis was made from: an evidence pack states it, and refuses a config that changed since. */
export interface SynthRecord {
  /** The configuration file, as given to the synth. */
  readonly configFile: string;
  /** SHA-256 of the configuration file's bytes at synth time. */
  readonly configSha256: string;
  /** ISO time of the synthesis. */
  readonly synthesizedAt: string;
  /** The git commit of the app's source at synth time, or why there is none. */
  readonly gitCommit: string;
  /** Whether the working tree had uncommitted changes at synth time (undefined outside git). */
  readonly gitDirty?: boolean;
  /** Versions of the libraries that wrote the templates and checked them. */
  readonly awsCdkLib: string;
  readonly cdkNag: string;
}

export function sha256OfFile(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The installed version of a package, read from its own package.json. */
export function installedVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The commit checked out in `dir`, and whether tracked files differ from it. */
export function gitState(dir: string): { commit: string; dirty?: boolean } {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf8', timeout: 10_000 });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return { commit: 'not a git working tree' };
  const status = git('status', '--porcelain', '--untracked-files=no');
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim().length > 0 : undefined };
}

/** Writes the synthesis record into the cloud assembly directory (called after every successful synth). */
export function recordSynthesis(assemblyDir: string, configFile: string, now = new Date()): SynthRecord {
  // The commit of the app's code that wrote the templates (the config may live anywhere).
  const git = gitState(__dirname);
  const record: SynthRecord = {
    configFile: path.relative(process.cwd(), path.resolve(configFile)) || configFile,
    configSha256: sha256OfFile(configFile),
    synthesizedAt: now.toISOString(),
    gitCommit: git.commit,
    gitDirty: git.dirty,
    awsCdkLib: installedVersion('aws-cdk-lib'),
    cdkNag: installedVersion('cdk-nag'),
  };
  writeFileSync(path.join(assemblyDir, SYNTH_RECORD_FILE), JSON.stringify(record, null, 2) + '\n');
  return record;
}

/** Reads the synthesis record of a cloud assembly; refuses an assembly without one. */
export function readSynthRecord(assemblyDir: string): SynthRecord {
  const file = path.join(assemblyDir, SYNTH_RECORD_FILE);
  if (!existsSync(file)) {
    throw new EvidenceError(
      `${assemblyDir} has no ${SYNTH_RECORD_FILE}: it was not written by this app's \`cdk synth\` (or by an older version), so the configuration it was made from cannot be proven. Run \`npx cdk synth\` and try again.`,
    );
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SynthRecord;
  } catch (e) {
    throw new EvidenceError(`Cannot read ${file} (${(e as Error).message}). Run \`npx cdk synth\` and try again.`);
  }
}

/** Refuses to describe templates that were synthesized from another version of the configuration. */
export function assertConfigUnchanged(record: SynthRecord, configFile: string, cdkOut: string): string {
  const now = sha256OfFile(configFile);
  if (now !== record.configSha256) {
    throw new EvidenceError(
      `${configFile} changed after ${cdkOut} was synthesized (SHA-256 at synth ${record.configSha256.slice(0, 12)}…, now ${now.slice(0, 12)}…, synthesized ${record.synthesizedAt} from ${record.configFile}).\n` +
        `The templates do not show this configuration, so no evidence was written. Run \`npx cdk synth\` again, then \`npm run evidence\`.`,
    );
  }
  return now;
}

/** `abc123… (uncommitted changes)`: how a pack names the source it was built from. */
export function describeCommit(record: SynthRecord): string {
  return record.gitDirty ? `${record.gitCommit} (with uncommitted changes to tracked files)` : record.gitCommit;
}
