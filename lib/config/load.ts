import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { PlatformConfig, PlatformConfigSchema } from './schema';

/** The example configuration that ships with the repository. */
export const DEFAULT_CONFIG_PATH = path.join(__dirname, '..', '..', 'config', 'platform.yaml');

/**
 * A configuration mistake. Its message lists every problem, each with the path of the field and
 * what is allowed there; the entry point prints it and exits before any construct exists.
 */
export class ConfigError extends Error {
  constructor(
    public readonly source: string,
    public readonly problems: readonly string[],
  ) {
    super(
      `${source} is not a valid platform configuration (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nNothing was synthesized. Fix the fields above and run again.',
    );
    this.name = 'ConfigError';
  }
}

/** Reads, parses and validates a configuration file. Throws ConfigError on any mistake. */
export function loadConfig(file: string = DEFAULT_CONFIG_PATH): PlatformConfig {
  const source = path.relative(process.cwd(), file) || file;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ConfigError(source, [
      `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass an existing file with -c config=path/to/file.yaml`,
    ]);
  }
  return parseConfig(decodeUtf8(bytes, source), source);
}

const SAVE_AS_UTF8 = 'save it as UTF-8 (in most editors: "Save with Encoding", UTF-8; or `iconv -t UTF-8`) and run again';

/** The file's text, or a ConfigError when it is not UTF-8 (YAML 1.2 files are UTF-8 here). */
function decodeUtf8(bytes: Buffer, source: string): string {
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    // Without a byte order mark, UTF-16 text of ASCII characters has a zero byte in every pair.
    (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0));
  if (utf16) throw new ConfigError(source, [`the file is UTF-16 text (as some editors save it), not UTF-8; ${SAVE_AS_UTF8}`]);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const lenient = new TextDecoder('utf-8').decode(bytes);
    const at = lenient.indexOf('\uFFFD');
    const line = lenient.slice(0, at).split('\n').length;
    throw new ConfigError(source, [
      `the file is not UTF-8: line ${line} holds a byte that is not valid UTF-8 (as Latin-1 or Windows-1252 editors write accented letters); ${SAVE_AS_UTF8}`,
    ]);
  }
}

/**
 * How far YAML aliases (`*name`) may expand: enough for any hand-written config, and a bound on a
 * file whose aliases nest into an exponential expansion (a "billion laughs" file).
 */
const MAX_ALIAS_COUNT = 100;

/** Parses YAML (JSON is valid YAML) and validates it. Throws ConfigError on any mistake. */
export function parseConfig(text: string, source = 'config'): PlatformConfig {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(docs) || docs.length === 0 || docs[0].contents === null) {
    throw new ConfigError(source, [
      'the file is empty or holds only comments; start from a copy of config/platform.yaml, which shows every section, and edit it',
    ]);
  }
  if (docs.length > 1) {
    const line = text.slice(0, docs[1].range[0]).split('\n').length;
    throw new ConfigError(source, [
      `the file holds ${docs.length} YAML documents (a "---" line starts another one near line ${line}), but a configuration is one document; merge them into one (remove the "---" line), or keep each in its own file`,
    ]);
  }
  const doc = docs[0];
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `YAML syntax, ${e.message.split('\n')[0]}`),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // The yaml library refuses an expansion past maxAliasCount with a ReferenceError.
    if (!(e instanceof ReferenceError)) throw e;
    throw new ConfigError(source, [
      `the file's YAML aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies, as a file built to exhaust memory does; write the values out, or use fewer aliases`,
    ]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const what = Array.isArray(raw) ? 'a list (lines starting with "- ")' : `a single value (${JSON.stringify(raw)})`;
    throw new ConfigError(source, [
      `the top level of the file is ${what}, but a configuration is a mapping of the sections platform, cells, tenants, subProcessors and pipeline; write it as config/platform.yaml does, each section name at the start of a line followed by ":"`,
    ]);
  }
  return validateConfig(raw, source);
}

/** Validates an already parsed object against the schema and the semantic rules. */
export function validateConfig(raw: unknown, source = 'config'): PlatformConfig {
  const result = PlatformConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(source, result.error.issues.map((issue) => describeIssue(issue, raw)));
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const where = formatPath(issue.path, raw);
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(issue.path);
    return issue.keys
      .map(
        (key) =>
          `${formatPath([...issue.path, key], raw)}: unknown key "${key}"; remove it or correct its spelling` +
          (allowed.length ? ` (allowed here: ${allowed.join(', ')})` : ''),
      )
      .join('\n  - ');
  }
  if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) {
    return `${where}: is missing; it ${issue.message}`;
  }
  return `${where}: ${issue.message}`;
}

/** Lists whose entries are named by their id in messages: `tenants[5] (clinic-104).jurisdiction`. */
const LISTS_WITH_IDS = new Set(['cells', 'tenants', 'subProcessors']);

function formatPath(p: readonly PropertyKey[], raw?: unknown): string {
  if (p.length === 0) return '(top level)';
  return p.reduce<string>((acc, key, i) => {
    if (typeof key !== 'number') return acc ? `${acc}.${String(key)}` : String(key);
    const id = i === 1 && LISTS_WITH_IDS.has(String(p[0])) ? (valueAt(raw, [p[0], key, 'id']) as unknown) : undefined;
    return `${acc}[${key}]${typeof id === 'string' && id !== '' ? ` (${id})` : ''}`;
  }, '');
}

function valueAt(raw: unknown, p: readonly PropertyKey[]): unknown {
  let current: unknown = raw;
  for (const key of p) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key as string];
  }
  return current;
}

/** The keys the schema accepts at a path, so that a typo's message can show the right spelling. */
function allowedKeysAt(p: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = PlatformConfigSchema;
  for (const key of p) {
    schema = unwrap(schema);
    if (!schema) return [];
    const def = schema._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
    schema = def.type === 'array' ? def.element : def.shape?.[String(key)];
  }
  const def = unwrap(schema)?._zod.def as { shape?: Record<string, unknown> } | undefined;
  return def?.shape ? Object.keys(def.shape) : [];
}

function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  while (current) {
    const def = current._zod.def as { type: string; innerType?: z.core.$ZodType };
    // A transform wraps its object in a pipe; the keys are those of its input.
    if (def.type === 'pipe') {
      current = (def as unknown as { in: z.core.$ZodType }).in;
      continue;
    }
    if (!def.innerType || !['default', 'prefault', 'optional', 'nullable'].includes(def.type)) return current;
    current = def.innerType;
  }
  return current;
}
