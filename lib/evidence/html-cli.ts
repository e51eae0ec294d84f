import * as path from 'node:path';
import { EvidenceError } from './assembly';
import { evidenceCli, parseArgs } from './cli';
import { writeHtmlPacks } from './html';
import { displayPath } from './paths';

/**
 * `npm run evidence` (scripts/evidence.ts): the Markdown packs (evidenceCli), then the same packs as
 * self-contained HTML. Kept apart from evidenceCli because Graphviz (WebAssembly) loads asynchronously
 * and as an ES module, which the in-process tests of evidenceCli do not need.
 */
export async function evidenceCliWithHtml(argv: string[]): Promise<number> {
  const status = evidenceCli(argv);
  const args = status === 0 ? parseArgs(argv) : 'help';
  if (args === 'help') return status;
  try {
    const outDir = args.out ?? path.join(args.cdkOut, 'evidence');
    const files = await writeHtmlPacks({ cdkOut: args.cdkOut, configFile: args.config, outDir, verificationDir: args.verification, since: args.since });
    console.log('HTML evidence pack written (self-contained, diagrams as inline SVG):');
    for (const file of files) console.log(`  ${displayPath(file)}`);
    return 0;
  } catch (e) {
    console.error(e instanceof EvidenceError ? e.message : `HTML evidence pack failed: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}
