import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { PlatformConfig } from '../config';
import { EvidenceError } from './assembly';

/** A sub-processor as a DPA annex names it. */
export interface SubProcessorEntry {
  readonly id: string;
  readonly name: string;
}

/** The sub-processors each cell used at an earlier point: a previous pack, or the configuration at a git ref. */
export interface PreviousSubProcessors {
  /** What `--since` named, as the pack repeats it. */
  readonly label: string;
  /** By cell id; a cell absent here did not exist then. */
  readonly cells: ReadonlyMap<string, readonly SubProcessorEntry[]>;
}

/** The machine-readable line each cell's pack carries, so that a later `--since <pack>` can compare. */
export function subProcessorMarker(cellId: string, entries: readonly SubProcessorEntry[]): string {
  return `<!-- sub-processors of cell ${cellId}: ${JSON.stringify(entries)} -->`;
}

const MARKER = /<!-- sub-processors of cell (\S+): (\[.*?\]) -->/g;

/**
 * Reads the sub-processors of an earlier point: a previous pack file (`evidence-<cell>.md` or `.html`),
 * a folder of previous packs, or a git ref whose version of the configuration file is read (unvalidated:
 * an older configuration may lack fields added since).
 */
export function previousSubProcessors(since: string, configFile: string): PreviousSubProcessors {
  if (existsSync(since)) {
    const files = statSync(since).isDirectory()
      ? readdirSync(since).filter((f) => /^evidence-.+\.(md|html)$/.test(f)).map((f) => path.join(since, f))
      : [since];
    const cells = new Map<string, SubProcessorEntry[]>();
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(MARKER)) cells.set(m[1], JSON.parse(m[2].replace(/&quot;/g, '"')) as SubProcessorEntry[]);
    }
    if (cells.size === 0) {
      throw new EvidenceError(`--since ${since}: no sub-processor list found in it. Give an evidence pack written by \`npm run evidence\` (evidence-<cell>.md or .html, or their folder), or a git ref.`);
    }
    return { label: since, cells };
  }
  const absolute = path.resolve(configFile);
  const top = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: path.dirname(absolute), encoding: 'utf8' });
  if (top.status !== 0) throw new EvidenceError(`--since ${since}: no such file, and ${configFile} is not in a git working tree, so it cannot be read as a git ref.`);
  const relative = path.relative(top.stdout.trim(), absolute).split(path.sep).join('/');
  const show = spawnSync('git', ['show', `${since}:${relative}`], { cwd: top.stdout.trim(), encoding: 'utf8' });
  if (show.status !== 0) {
    throw new EvidenceError(`--since ${since}: neither a file nor a git ref that holds ${relative} (${show.stderr.trim().split('\n')[0]}). Give a previous evidence pack or a commit, tag or branch.`);
  }
  let raw: any;
  try {
    raw = parse(show.stdout);
  } catch (e) {
    throw new EvidenceError(`--since ${since}: ${relative} at that ref is not valid YAML (${(e as Error).message}).`);
  }
  const names = new Map<string, string>((Array.isArray(raw?.subProcessors) ? raw.subProcessors : []).map((sp: any) => [String(sp?.id), String(sp?.name ?? sp?.id)]));
  const cells = new Map<string, SubProcessorEntry[]>();
  for (const c of Array.isArray(raw?.cells) ? raw.cells : []) {
    const ids: string[] = Array.isArray(c?.subProcessors) ? c.subProcessors.map(String) : [];
    const entries: SubProcessorEntry[] = ids.map((id) => ({ id, name: names.get(id) ?? id }));
    if (c?.siem?.name) entries.push({ id: 'siem', name: String(c.siem.name) });
    cells.set(String(c?.id), entries);
  }
  return { label: `git ref ${since} (${relative})`, cells };
}

/** Added and removed sub-processors of one cell between then and now (compared by id and name). */
export function subProcessorChanges(previous: readonly SubProcessorEntry[] | undefined, current: readonly SubProcessorEntry[]): { added: SubProcessorEntry[]; removed: SubProcessorEntry[] } {
  const key = (e: SubProcessorEntry) => `${e.id}\u0000${e.name}`;
  const before = new Set((previous ?? []).map(key));
  const now = new Set(current.map(key));
  return { added: current.filter((e) => !before.has(key(e))), removed: (previous ?? []).filter((e) => !now.has(key(e))) };
}

/** The sub-processors of a cell as config declares them (the SIEM included), as a DPA annex names them. */
export function configSubProcessors(config: PlatformConfig, cellId: string): SubProcessorEntry[] {
  const cell = config.cells.find((c) => c.id === cellId);
  if (!cell) return [];
  const byId = new Map(config.subProcessors.map((sp) => [sp.id, sp]));
  return [...cell.subProcessors.map((id) => ({ id, name: byId.get(id)?.name ?? id })), ...(cell.siem ? [{ id: 'siem', name: cell.siem.name }] : [])];
}
