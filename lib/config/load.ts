import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(source, [
      `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass an existing file with -c config=path/to/file.yaml`,
    ]);
  }
  return parseConfig(text, source);
}

/** Parses YAML (JSON is valid YAML) and validates it. Throws ConfigError on any mistake. */
export function parseConfig(text: string, source = 'config'): PlatformConfig {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `YAML syntax, ${e.message.split('\n')[0]}`),
    );
  }
  return validateConfig(doc.toJS(), source);
}

/** Validates an already parsed object against the schema and the semantic rules. */
export function validateConfig(raw: unknown, source = 'config'): PlatformConfig {
  const result = PlatformConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(source, result.error.issues.map((issue) => describeIssue(issue, raw)));
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(issue.path);
    return issue.keys
      .map(
        (key) =>
          `${formatPath([...issue.path, key])}: unknown key "${key}"; remove it or correct its spelling` +
          (allowed.length ? ` (allowed here: ${allowed.join(', ')})` : ''),
      )
      .join('\n  - ');
  }
  if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) {
    return `${where}: is missing; it ${issue.message}`;
  }
  return `${where}: ${issue.message}`;
}

function formatPath(p: readonly PropertyKey[]): string {
  if (p.length === 0) return '(top level)';
  return p.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
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
    if (!def.innerType || !['default', 'prefault', 'optional', 'nullable'].includes(def.type)) return current;
    current = def.innerType;
  }
  return current;
}
