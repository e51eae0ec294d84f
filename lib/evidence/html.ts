import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { marked } from 'marked';
import { annexFile, packFile } from './annex';
import { toDot } from './cell-diagram';
import { CellPack, EvidenceOptions, buildEvidencePacks } from './index';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.45;color:#111}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}
th{background:#f3f3f3}code{background:#f6f6f6;padding:0 .2em;font-size:.95em}figure{overflow-x:auto;margin:1em 0}figure svg{max-width:none}`;

/**
 * Writes each cell's pack as one self-contained HTML file: the Markdown rendered by `marked`, and the
 * architecture diagram drawn to inline SVG by Graphviz compiled to WebAssembly, offline and without a
 * browser, because an auditor often receives files rather than a repository. Returns the paths written.
 */
export async function writeHtmlPacks(options: EvidenceOptions, packs: readonly CellPack[] = buildEvidencePacks(options)): Promise<string[]> {
  const graphviz = await Graphviz.load();
  mkdirSync(options.outDir, { recursive: true });
  return packs.map((pack) => {
    const svg = graphviz.dot(toDot(pack.diagram)).replace(/^[\s\S]*?(?=<svg)/, '');
    const placeholder = `DIAGRAM-${pack.cellId}-SVG`;
    // One file: the annex follows the pack, and links between the two become links within the page.
    const links = new RegExp(`\\]\\((?:${[annexFile(pack.cellId), packFile(pack.cellId)].map((f) => f.replace(/[.]/g, '\\.')).join('|')})(#[^)]*)?\\)`, 'g');
    const markdown = `${pack.markdown}\n\n---\n\n<a id="annex"></a>\n\n${pack.annex}`
      .replace(/```mermaid\n[\s\S]*?\n```/, placeholder)
      .replace(links, (m, anchor: string | undefined) => `](${anchor ?? (m.includes('-annex.md') ? '#annex' : '#')})`);
    const body = (marked.parse(markdown, { async: false }) as string).replace(new RegExp(`(<p>)?${placeholder}(</p>)?`), `<figure aria-label="Architecture diagram of cell ${pack.cellId}">${svg}</figure>`);
    const html = `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Compliance evidence pack — cell ${pack.cellId}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
    const file = path.join(options.outDir, `evidence-${pack.cellId}.html`);
    writeFileSync(file, html);
    return file;
  });
}
