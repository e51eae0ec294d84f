import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

/** The repository root: where cdk.json is and where cdk runs. */
export const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** The code being deployed, for the change record. */
export interface GitState {
  readonly commit: string;
  /** Tracked or untracked files differ from the commit: what is deployed is not exactly the commit. */
  readonly dirty: boolean;
}

/** The checked-out commit of the repository, or undefined when git or the repository is absent. */
export function gitState(cwd: string = PROJECT_ROOT): GitState | undefined {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  let commit: string;
  try {
    commit = git('rev-parse', 'HEAD');
  } catch {
    return undefined;
  }
  let dirty = false;
  try {
    dirty = git('status', '--porcelain').length > 0;
  } catch {
    // The commit alone is still worth recording.
  }
  return { commit, dirty };
}

export interface AccountProfile {
  readonly name: string;
  /** How the profile reaches the account: an SSO account or an assumed role. */
  readonly via?: string;
}

/**
 * Profiles of the AWS config file (`AWS_CONFIG_FILE`, else `~/.aws/config`) that lead to an account,
 * through `sso_account_id` or a `role_arn` in that account. Only the config file is read, never the
 * credentials file: it holds secrets, and it names no account anyway.
 */
export function profilesForAccount(account: string, env: NodeJS.ProcessEnv = process.env): AccountProfile[] {
  const file = env.AWS_CONFIG_FILE || path.join(homedir(), '.aws', 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const found: AccountProfile[] = [];
  let profile: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const section = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (section) {
      const name = section[1];
      profile = name === 'default' ? 'default' : /^profile\s+(.+)$/.exec(name)?.[1];
      continue;
    }
    if (!profile) continue;
    const setting = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
    if (!setting) continue;
    const [, key, value] = setting;
    if (key === 'sso_account_id' && value === account) {
      found.push({ name: profile, via: 'SSO' });
    } else if (key === 'role_arn' && value.split(':')[4] === account) {
      found.push({ name: profile, via: `role ${value.split(':').slice(5).join(':').replace(/^role\//, '')}` });
    }
  }
  return found;
}
