/**
 * Shortens a pack's Markdown without losing a fact: table rows that say the same thing are grouped.
 *
 * 1. Rows that differ only by the clinic they are about (the same key policy statement of every
 *    clinic's key, the same bucket settings of every clinic's bucket) become one row, with the
 *    clinic id written as `<clinic>` and the clinics it holds for named in its first cell.
 * 2. Rows that differ only in their first column (the same statement on several keys) become one
 *    row whose first cell lists every subject.
 *
 * Tables whose first column is the clinic itself (`Tenant`, `Clinic`, `Controller`) are per-clinic detail and stay as they are.
 */
export function compactTables(markdown: string, tenantIds: readonly string[]): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    if (!isRow(lines[i]) || !isRow(lines[i + 1] ?? '') || !/^\|( ?:?-+:? ?\|)+$/.test(lines[i + 1].trim())) {
      out.push(lines[i++]);
      continue;
    }
    const header = lines[i];
    const separator = lines[i + 1];
    let j = i + 2;
    const rows: string[][] = [];
    while (j < lines.length && isRow(lines[j])) rows.push(splitRow(lines[j++]));
    const perClinic = /^(tenant|clinic|controller)\b/i.test(splitRow(header)[0] ?? '');
    const grouped = mergeFirstColumn(perClinic ? rows : mergeClinics(rows, tenantIds));
    out.push(header, separator, ...grouped.map((r) => `| ${r.join(' | ')} |`));
    i = j;
  }
  return out.join('\n');
}

function isRow(line: string): boolean {
  return line.startsWith('| ') && line.trimEnd().endsWith('|');
}

/** The cells of a Markdown table row; `\|` inside a cell is not a separator. */
export function splitRow(line: string): string[] {
  const inner = line.trim().replace(/^\| /, '').replace(/ \|$/, '');
  return inner.split(/(?<!\\) \| /);
}

function mergeClinics(rows: string[][], tenantIds: readonly string[]): string[][] {
  if (tenantIds.length < 2) return rows;
  // Longest first, so that `clinic-1` never masks part of `clinic-10`.
  const ids = [...tenantIds].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(`(?<![a-z0-9])(${ids.map(escape).join('|')})(?![a-z0-9])`, 'g');
  const groups = new Map<string, { masked: string[]; clinics: string[]; original: string[] }>();
  for (const row of rows) {
    const found = new Set<string>();
    const masked = row.map((c) => c.replace(pattern, (m) => (found.add(m), '<clinic>')));
    // A row about several clinics at once (or none) is not one clinic's row: it stays as it is.
    const key = found.size === 1 ? masked.join('\u0000') : `\u0001${groups.size}`;
    const g = groups.get(key) ?? { masked, clinics: [], original: row };
    if (found.size === 1) g.clinics.push([...found][0]);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    if (g.clinics.length < 2) return g.original;
    const all = g.clinics.length === tenantIds.length;
    const who = all ? `each of the ${g.clinics.length} clinics of this cell` : `each of ${g.clinics.length} clinics: ${g.clinics.join(', ')}`;
    return [`${g.masked[0].replace(/<clinic>/g, '&lt;clinic&gt;')}<br>_${who}_`, ...g.masked.slice(1).map((c) => c.replace(/<clinic>/g, '&lt;clinic&gt;'))];
  });
}

function mergeFirstColumn(rows: string[][]): string[][] {
  const groups = new Map<string, string[][]>();
  for (const row of rows) {
    const key = row.slice(1).join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((g) => (g.length === 1 ? g[0] : [g.map((r) => r[0]).join('<br>'), ...g[0].slice(1)]));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
