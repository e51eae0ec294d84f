import { CellExpectations } from './expectations';
import { AwsAccess } from './aws';

/** A check's verdict. `skip` is neither a pass nor a failure: the promise does not apply (and the detail says why). */
export type Outcome = 'pass' | 'fail' | 'skip';

/** One row of the verification table. The detail carries metadata only: names, states, counts, times. */
export interface CheckResult {
  readonly check: string;
  readonly region: string;
  readonly result: Outcome;
  readonly detail: string;
}

/** Everything a check family needs: the promises, the account (read-only), and a clock. */
export interface VerifyContext {
  readonly expected: CellExpectations;
  readonly aws: AwsAccess;
  readonly now: Date;
  /** How long drift detection may take per stack before it counts as a failure. */
  readonly driftTimeoutMs: number;
  /** Pause between two polls of a drift detection. */
  readonly pollIntervalMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The checks of one AWS service or promise, one small file each under `checks/`. */
export interface CheckFamily {
  /** Shown by the progress indicator. */
  readonly title: string;
  run(ctx: VerifyContext): Promise<CheckResult[]>;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export function pass(check: string, region: string, detail: string): CheckResult {
  return { check, region, result: 'pass', detail };
}

export function fail(check: string, region: string, detail: string): CheckResult {
  return { check, region, result: 'fail', detail };
}

export function skip(check: string, region: string, detail: string): CheckResult {
  return { check, region, result: 'skip', detail };
}

/** `ok ? pass : fail` with the same detail. */
export function verdict(ok: boolean, check: string, region: string, detail: string): CheckResult {
  return ok ? pass(check, region, detail) : fail(check, region, detail);
}

/**
 * Runs one check; an AWS error becomes a failed row naming the error (an access denial names the
 * missing permission), never a crash of the whole run. SDK error messages carry no data, only metadata.
 */
export async function attempt(check: string, region: string, body: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const result = await body();
    return Array.isArray(result) ? result : [result];
  } catch (e) {
    return [fail(check, region, `could not be read: ${describeError(e)}`)];
  }
}

/** `Name: first line of the message`, short. */
export function describeError(e: unknown): string {
  const name = e && typeof e === 'object' && typeof (e as Error).name === 'string' ? (e as Error).name : 'Error';
  const message = e instanceof Error ? e.message.split('\n')[0].trim() : String(e);
  const text = message && message !== name ? `${name}: ${message}` : name;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** A duration for people: `3 h 20 min`, `2 d 4 h`, `45 s`. */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** `3 h 20 min ago` from the run's clock. */
export function ago(ctx: VerifyContext, when: Date): string {
  return `${formatDuration(ctx.now.getTime() - when.getTime())} ago`;
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
