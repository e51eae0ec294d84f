import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { PreflightResult } from './preflight';

/** Stacks deployed at the same time; CDK still honours dependencies between them. */
export const DEFAULT_CONCURRENCY = 4;

/**
 * Runs a command with the terminal attached and resolves with its exit code. Injected into the
 * deploy so that tests never start cdk.
 */
export type CdkRunner = (command: string, args: readonly string[]) => Promise<number>;

export interface CdkDeployCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * `npx cdk deploy '<cell>/*' --require-approval broadening --concurrency <n>` for a preflight result.
 *
 * `--require-approval broadening` stops for a person's confirmation whenever a change widens IAM
 * permissions or security group rules; without a terminal cdk refuses such a change instead of
 * deploying it. The config file is passed only when it is not the default, as an absolute path.
 * While the image is a placeholder: `'<cell>/*' '!<cell>/Voice' --exclusively`.
 */
export function cdkDeployCommand(
  result: Pick<PreflightResult, 'stackPatterns' | 'placeholderImage' | 'configIsDefault' | 'configPath'>,
  concurrency: number = DEFAULT_CONCURRENCY,
): CdkDeployCommand {
  const args = ['cdk', 'deploy', ...result.stackPatterns];
  // With a placeholder image the image stack is excluded; `--exclusively` keeps cdk from pulling it
  // back in should another stack of the cell ever come to depend on it.
  if (result.placeholderImage) args.push('--exclusively');
  args.push('--require-approval', 'broadening', '--concurrency', String(concurrency));
  if (!result.configIsDefault) args.push('-c', `config=${result.configPath}`);
  return { command: 'npx', args };
}

/** The command as a person would type it in a POSIX shell. */
export function formatCommand({ command, args }: CdkDeployCommand): string {
  return [command, ...args].map(shellQuote).join(' ');
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The real runner: spawns the command in `cwd` with stdio inherited, so that cdk's approval prompt
 * and progress reach the terminal. Ctrl-C reaches cdk through the terminal and this process waits
 * for cdk to stop; SIGTERM is passed on. Resolves with cdk's exit code (128 + signal if killed).
 */
export function spawnRunner(cwd: string): CdkRunner {
  return (command, args) =>
    new Promise<number>((resolve, reject) => {
      const child = spawn(command, [...args], { cwd, stdio: 'inherit' });
      const onInterrupt = () => {
        // The terminal sent SIGINT to cdk as well; let cdk decide how to stop.
      };
      const onTerminate = () => child.kill('SIGTERM');
      process.on('SIGINT', onInterrupt);
      process.on('SIGTERM', onTerminate);
      const cleanUp = () => {
        process.off('SIGINT', onInterrupt);
        process.off('SIGTERM', onTerminate);
      };
      child.on('error', (e) => {
        cleanUp();
        reject(e);
      });
      child.on('close', (code, signal) => {
        cleanUp();
        resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
      });
    });
}
