/** The file name of a cell's pack. */
export function packFile(cellId: string): string {
  return `evidence-${cellId}.md`;
}

/** The file name of a cell's annex, beside its pack: the statement-level listings the pack summarises. */
export function annexFile(cellId: string): string {
  return `evidence-${cellId}-annex.md`;
}

/** A link from the pack to an anchor of the cell's annex. */
export function annexLink(cellId: string, anchor: string, text: string): string {
  return `[${text}](${annexFile(cellId)}#${anchor})`;
}
