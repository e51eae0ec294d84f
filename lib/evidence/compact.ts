/**
 * Shortens a pack's Markdown without losing a fact: table rows that say the same thing are grouped.
 *
 * 1. Rows that differ only by the clinic they are about (the same key policy statement of every
 *    clinic's key, the same bucket settings of every clinic's bucket) become one row, with the
 *    clinic id written as `<clinic>` and the clinics it holds for named in its first cell.
 * 2. Rows that differ only in their first column (the same statement on several keys) become one
 *    row whose first cell lists every subject.
 *
 * 3. A long list of subjects that several rows of a table share is written once below the table, and the rows link to it
 *    (`sets` carries the lists already written, so that a later table links to the same place).
 *
 * 4. A column that reads the same in every row of a table of three rows or more is written once, below the table.
 *
 * Tables whose first column is the clinic itself (`Tenant`, `Clinic`, `Controller`) are per-clinic detail and stay as they are.
 */
export function compactTables(markdown: string, tenantIds: readonly string[], sets: Map<string, string> = new Map()): string {
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
    const { rows: linked, written } = sharedSubjects(grouped, sets);
    const { headers, rows: varying, shared } = sharedColumns(splitRow(header), linked);
    const narrowed = shared.length > 0;
    out.push(narrowed ? `| ${headers.join(' | ')} |` : header, narrowed ? `| ${headers.map(() => '---').join(' | ')} |` : separator, ...varying.map((r) => `| ${r.join(' | ')} |`), ...shared, ...written);
    i = j;
  }
  return out.join('\n');
}

/** Columns (after the first) whose value is the same in every row, taken out of the table and written once below it. */
function sharedColumns(headers: string[], rows: string[][]): { headers: string[]; rows: string[][]; shared: string[] } {
  const same = headers.map((_, j) => j > 0 && rows.length >= 3 && rows.every((r) => r.length === headers.length && r[j] === rows[0][j]));
  if (!same.some(Boolean) || same.filter((x) => !x).length < 2) return { headers, rows, shared: [] };
  const keep = (r: string[]) => r.filter((_, j) => !same[j]);
  const facts = headers.flatMap((h, j) => (same[j] ? [`**${h}**: ${rows[0][j]}`] : []));
  return { headers: keep(headers), rows: rows.map(keep), shared: ['', `_In every row:_ ${facts.join('; ')}.`] };
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
  const pattern = clinicPattern(tenantIds);
  const idOf = spellings(tenantIds);
  const groups = new Map<string, { masked: string[]; clinics: string[]; original: string[] }>();
  for (const row of rows) {
    const found = new Set<string>();
    const masked = row.map((c) => c.replace(pattern, (m) => (found.add(idOf.get(m) ?? m), idOf.get(m) !== m ? '<clinic_>' : '<clinic>')));
    // A row about several clinics at once (or none) is not one clinic's row: it stays as it is.
    const key = found.size === 1 ? masked.join('\u0000') : `\u0001${groups.size}`;
    const g = groups.get(key) ?? { masked, clinics: [], original: row };
    // Two rows of the same clinic that read the same (two statements of one role) are one fact, named once.
    if (found.size === 1 && !g.clinics.includes([...found][0])) g.clinics.push([...found][0]);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    if (g.clinics.length < 2) return g.original;
    const who = whichClinics(g.clinics, tenantIds);
    const shown = (c: string) => c.replace(/<clinic(_?)>/g, '&lt;clinic$1&gt;');
    return [`${shown(g.masked[0])}<br>_${who}_`, ...g.masked.slice(1).map(shown)];
  });
}

/**
 * The clinics a grouped row holds for: `both clinics`, `all 3 clinics`, or by the shorter list, the clinics themselves or
 * the ones it does not hold for (`all but clinic-002`: a cell of 400 clinics, one without recordings).
 */
export function whichClinics(clinics: readonly string[], tenantIds: readonly string[]): string {
  if (clinics.length === tenantIds.length) return clinics.length === 2 ? 'both clinics' : `all ${clinics.length} clinics`;
  const listed = clinics.join(', ');
  const others = `all but ${tenantIds.filter((t) => !clinics.includes(t)).join(', ')}`;
  return others.length < listed.length ? others : listed;
}

function mergeFirstColumn(rows: string[][]): string[][] {
  const groups = new Map<string, string[][]>();
  for (const row of rows) {
    const key = row.slice(1).join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((g) => (g.length === 1 ? g[0] : [g.map((r) => r[0]).join('<br>'), ...g[0].slice(1)]));
}

/** Subject lists of at least this many characters, shared by two or more rows, are written once. */
const SHARED_SUBJECTS_MIN = 150;

/** Rows whose long first cell another row repeats link to one list of those subjects, written below the table (or in an earlier one). */
function sharedSubjects(rows: string[][], sets: Map<string, string>): { rows: string[][]; written: string[] } {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r[0], (counts.get(r[0]) ?? 0) + 1);
  const written: string[] = [];
  const linked = rows.map((r) => {
    if (r[0].length < SHARED_SUBJECTS_MIN || (counts.get(r[0]) ?? 0) < 2) return r;
    let id = sets.get(r[0]);
    if (!id) {
      id = `subjects-${sets.size + 1}`;
      sets.set(r[0], id);
      written.push('', `<a id="${id}"></a>**Subjects ${sets.size}** (named by several table rows, which link here): ${r[0]}`);
    }
    return [`_the [subjects ${id.replace('subjects-', '')}](#${id})_`, ...r.slice(1)];
  });
  return { rows: linked, written };
}

/**
 * Every clinic id as a whole word, also spelled with `_` for `-` (database user names): longest first, so that `clinic-1`
 * never masks part of `clinic-10`. `<clinic_>` stands for the underscored spelling.
 */
function clinicPattern(tenantIds: readonly string[]): RegExp {
  const all = [...spellings(tenantIds).keys()].sort((a, b) => b.length - a.length);
  return new RegExp(`(?<![a-z0-9])(${all.map(escape).join('|')})(?![a-z0-9])`, 'g');
}

/** Each spelling of a clinic id (as is, and with `_` for `-`) and the id it spells. */
function spellings(tenantIds: readonly string[]): Map<string, string> {
  return new Map(tenantIds.flatMap((id) => [[id, id], [id.replace(/-/g, '_'), id]] as Array<[string, string]>));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Names with each clinic id written `<clinic>`: names that differ only by their clinic are one, followed by the clinics it
 * stands for (`whichClinics`); a name of only one clinic stays as it is.
 */
export function maskClinics(ev: { readonly tenants: ReadonlyArray<{ readonly id: string }> }, names: readonly string[]): string[] {
  const ids = ev.tenants.map((t) => t.id);
  const mask = clinicMask(ids);
  const groups = new Map<string, { clinics: Set<string>; original: string }>();
  for (const name of names) {
    const { masked, clinic } = mask(name);
    const g = groups.get(masked) ?? { clinics: new Set<string>(), original: name };
    if (clinic) g.clinics.add(clinic);
    groups.set(masked, g);
  }
  return [...groups.entries()].map(([masked, g]) => (g.clinics.size > 1 ? `${masked} (${whichClinics([...g.clinics], ids)})` : g.original));
}

/**
 * A text about one clinic with that clinic's id written `<clinic>` (`<clinic_>` for its underscored spelling), and the
 * clinic; a text about no clinic, or several, as it is.
 */
export function clinicMask(tenantIds: readonly string[]): (text: string) => { masked: string; clinic?: string } {
  if (tenantIds.length === 0) return (text) => ({ masked: text });
  const pattern = clinicPattern(tenantIds);
  const idOf = spellings(tenantIds);
  return (text) => {
    const found = new Set([...text.matchAll(pattern)].map((m) => idOf.get(m[1]) ?? m[1]));
    if (found.size !== 1) return { masked: text };
    return { masked: text.replace(pattern, (m) => (idOf.get(m) !== m ? '<clinic_>' : '<clinic>')), clinic: [...found][0] };
  };
}

/** Items grouped by a key, in order of first appearance. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Array<[string, T[]]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.entries()];
}
