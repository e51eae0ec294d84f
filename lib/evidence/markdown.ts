/** Markdown building blocks for the evidence pack: every value is escaped, so a name can never break a table. */

/** A table cell: pipes, newlines and HTML brackets from template values are escaped. */
export function cell(value: unknown): string {
  const text = value === undefined || value === null || value === '' ? '—' : String(value);
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, '<br>');
}

/** Inline code, safe inside a table: pipes are escaped and backticks fenced. */
export function code(value: unknown): string {
  const text = String(value ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  if (text === '') return '—';
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** A Markdown table; cells are already formatted (use `cell()` or `code()` for raw values). */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, empty = '_None in the templates._'): string {
  if (rows.length === 0) return empty;
  const line = (cols: readonly string[]) => `| ${cols.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A bullet list; empty lists render as the `empty` sentence. */
export function bullets(items: readonly string[], empty = '_None in the templates._'): string {
  return items.length === 0 ? empty : items.map((i) => `- ${i}`).join('\n');
}

/** Joins the non-empty blocks of a section with blank lines. */
export function blocks(...parts: Array<string | undefined | false>): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('\n\n');
}

/** `1 bucket`, `3 buckets`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `yes` / `no` for a template boolean (CloudFormation accepts `"true"` too); `not set` when absent. */
export function yesNo(value: unknown): string {
  return value === true || value === 'true' ? 'yes' : value === false || value === 'false' ? 'no' : 'not set';
}
