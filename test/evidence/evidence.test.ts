import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SYNTH_RECORD_FILE } from '../../lib/evidence/provenance';
import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';
import { clinicRow, linesWith, packsAndAnnexesOf, section } from './support';

const SECTIONS = [
  '1. HIPAA Security Rule technical safeguards (45 CFR 164.312)',
  '2. Encryption at rest and in transit',
  '3. Data residency',
  '4. Retention',
  '5. Policy results',
  '6. Sub-processors and the BAA chain',
  '7. Architecture diagram',
];

describe('the evidence pack of a two-cell configuration', () => {
  const config = fixtureConfig();
  const result = synthesized(config);
  const { packs: reports, annexes } = packsAndAnnexesOf(result);
  const us = reports['us-east'];
  const eu = reports['eu-central'];

  test('writes one report per cell, each with the seven sections and the five safeguards', () => {
    expect(Object.keys(reports).sort()).toEqual(config.cells.map((c) => c.id).sort());
    for (const report of Object.values(reports)) {
      for (const heading of SECTIONS) expect(report).toContain(`\n## ${heading}\n`);
      for (const safeguard of ['(a) Access control', '(b) Audit controls', '(c) Integrity', '(d) Person or entity authentication', '(e) Transmission security']) {
        expect(section(report, '1.')).toContain(`### ${safeguard}`);
      }
    }
  });

  test('opens with the five questions, and every link of the page leads to an anchor of the pack', () => {
    for (const report of Object.values(reports)) {
      const firstSection = report.indexOf('\n## ');
      expect(report.slice(firstSection)).toMatch(/^\n## The five questions — cell /);
      const page = section(report, 'The five questions');
      const links = [...page.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
      expect(links.length).toBeGreaterThanOrEqual(5);
      for (const anchor of links) expect(report).toContain(`<a id="${anchor}"></a>`);
    }
  });

  test('lists every region where a tenant\'s data may be stored, with a verdict', () => {
    const clinic001 = clinicRow(section(us, '3.'), 'us-east-c001', 'us-east/Tenant-us-east-c001 (us-east-1)', 'us-east/TenantReplica-us-east-c001 (us-west-2)');
    expect(clinic001).toContain('| us-east-1, us-west-2 | inside US |');
    const clinic101 = clinicRow(section(eu, '3.'), 'eu-central-c001', 'eu-central/Tenant-eu-central-c001 (eu-central-1)');
    expect(clinic101).toContain('| eu-central-1, eu-west-1 | inside EU |');
    // The audit archive, the SIEM staging bucket's two (primary and DR archive), and each US clinic's transcripts and (where it records calls) recordings.
    const destinations = 3 + config.tenants.filter((t) => t.cell === 'us-east').reduce((n, t) => n + (t.recordings.enabled ? 2 : 1), 0);
    expect(us).toContain(`**Verdict: every one of the ${destinations} S3 replication destinations and 1 backup copy destination of this cell is inside US.**`);
  });

  test('finds each replication destination by bucket name and its replica key region from the alias ARN', () => {
    const [row] = linesWith(section(us, '3.'), '| vp-us-east-phi-us-east-c001-rec-111111111111 |', 'rec-to-dr');
    expect(row).toContain('vp-us-east-phi-us-east-c001-rec-dr-111111111111 (us-east/TenantReplica-us-east-c001) | us-west-2 |');
    expect(row).toContain('| alias/vp-us-east/tenant-us-east-c001 (us-west-2) |');
    // Every destination is inside the jurisdiction, so the verdict is written once below the table.
    expect(section(us, '3.')).toContain('**Verdict**: inside US.');
  });

  test('reports zero open findings, and every registered pack with its rule count', () => {
    for (const report of Object.values(reports)) {
      const results = section(report, '5.');
      expect(results).toContain('**Open findings in this cell: 0.**');
      expect(results).not.toContain('OPEN FINDINGS');
      for (const pack of ['HIPAA.Security', 'AwsSolutions', 'NIST.800.53.R5', 'VoicePlatform']) {
        expect(results).toMatch(new RegExp(`\\| \`${pack.replace(/\./g, '\\.')}\` \\| \\d{2,3} \\| \\d+ \\|`));
      }
      // The same in every pack's row, so written once below the table.
      expect(results).toContain('_In every row:_ **Result**: ran, conclusion: success; **Open findings in this cell**: 0.');
    }
  });

  test('shows each acknowledgement of the cell with its rule, construct path and reason, and only that cell\'s', () => {
    const ack = result.acknowledged().find((a) => a.ruleName === 'HIPAA.Security-VPCNoUnrestrictedRouteToIGW' && a.violatingConstructs[0].constructPath.startsWith('us-east/'))!;
    const results = section(us, '5.');
    const reasons = section(annexes['us-east'], 'A4.');
    const shortPath = ack.violatingConstructs[0].constructPath.replace(/^us-east\//, '').replace(/\/Resource$/, '');
    // One row per reason, in the annex: the reason, the rule once with every pack that raised it, and the construct.
    const [row] = linesWith(reasons, ack.reason!, `\`${shortPath}\``);
    expect(row).toContain('`VPCNoUnrestrictedRouteToIGW` (HIPAA.Security, NIST.800.53.R5)');
    expect(linesWith(reasons, ack.reason!)).toHaveLength(1);
    expect(results).toContain('[Annex A4](evidence-us-east-annex.md#acknowledgements)');
    expect(section(annexes['eu-central'], 'A4.')).not.toContain('us-east/Network/');
    const usAcks = result.acknowledged().filter((a) => a.violatingConstructs[0].constructPath.startsWith('us-east/'));
    expect(results).toContain(`${usAcks.length} findings in this cell were acknowledged`);
  });

  test('resolves keys referenced across stacks (Fn::GetStackOutput) to their alias and rotation', () => {
    const [archive] = linesWith(section(us, '2.'), 'vp-us-east-audit-111111111111-us-east-1', '| S3 bucket |');
    expect(archive).toContain('| alias/vp-us-east/audit |');
    expect(linesWith(section(us, '2.'), '| alias/vp-us-east/audit | us-east-1 |')[0]).toContain('Encrypts the audit trail');
    const [database] = linesWith(section(us, '2.'), '| database storage, snapshots and automated backups |');
    expect(database).toContain('| alias/vp-us-east/database |');
    // Log groups are counted by key, and named with their key in section 1 (b), which the row links to.
    const [logs] = linesWith(section(us, '2.'), ' log groups ([Log groups](#log-groups)) | log group | KMS | alias/vp-us-east/logs |');
    const named = linesWith(section(us, '1.'), '| alias/vp-us-east/logs |').filter((l) => /\| (audit|security|operational) \|/.test(l));
    expect(Number(/^\| (\d+) log groups/.exec(logs)![1])).toBe(named.reduce((n, l) => n + l.split(' | ')[0].split('<br>').length, 0));
    expect(us).toContain('<a id="log-groups"></a>');
    const [https] = linesWith(section(us, '1.'), '| HTTPS 443 |');
    expect(https).toMatch(/TLS policy ELBSecurityPolicy-TLS13/);
  });

  test('reads retention per data class from the templates, and compares tenant retention with config', () => {
    const retention = section(us, '4.');
    expect(linesWith(retention, '| Transcripts, tenant us-east-c002 |')[0]).toContain('| 730 days (as config requires) |');
    expect(linesWith(retention, '| Recordings, tenant us-east-c002 |')[0]).toContain('no recordings bucket in the templates');
    expect(linesWith(retention, '| Audit archive |', 'vp-us-east-audit-111111111111-us-east-1')[0]).toContain('COMPLIANCE mode, default retention 2192 days');
    expect(linesWith(retention, '| DR backup copies |')[0]).toContain('vp-us-east-backup-us-west-2 (us-west-2)');
  });

  test('lists the cell\'s sub-processors with their BAA and DPA from config', () => {
    const [telephony] = linesWith(section(us, '6.'), '| Fixture Telephony Co. |');
    expect(telephony).toContain('| signed 2026-01-15 | signed 2026-01-15 | us-east-1, us-west-2 |');
    expect(linesWith(section(eu, '6.'), '| Fixture Speech AI Ltd. |')[0]).toContain('| eu-central-1 |');
  });

  test('draws the cell as one Mermaid flowchart: regions as subgraphs, clinics as one node, edges from references', () => {
    const diagram = section(us, '7.');
    expect(diagram).toContain('```mermaid\nflowchart LR');
    expect(diagram).toContain('["us-east-1 — primary region"]');
    expect(diagram).toContain('["us-west-2 — disaster-recovery region"]');
    expect(diagram).toContain('[["2 clinics, each: own key, recordings bucket (1 of 2), transcripts bucket, access role"]]');
    expect(diagram).toMatch(/-->\|"replicates to us-west-2"\|/);
    expect(diagram).toMatch(/-->\|"HTTPS 8080 TLS"\|/);
    // The service holds no clinic role; the credential broker obtains one per call.
    expect(diagram).toMatch(/-->\|"per call, through vp-us-east-credential-broker: vp-us-east-tenant-#lt;clinic#gt;"\|/);
    expect(diagram).not.toMatch(/-->\|"assumes vp-us-east-tenant-/);
  });

  test('states the git commit, the configuration\'s SHA-256, the synthesis time and the library versions', () => {
    const record = JSON.parse(readFileSync(path.join(result.outdir, SYNTH_RECORD_FILE), 'utf8'));
    // The commit the synthesis recorded (HEAD then; the shared synthesis may predate a commit made during the run).
    const head = record.gitCommit;
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(spawnSync('git', ['cat-file', '-e', `${head}^{commit}`]).status).toBe(0);
    const version = (name: string) => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
    for (const report of Object.values(reports)) {
      expect(linesWith(report, '| Source commit |')[0]).toContain(head);
      expect(linesWith(report, '| Configuration |')[0]).toContain(`SHA-256 ${createHash('sha256').update(readFileSync(result.configFile)).digest('hex')}`);
      expect(linesWith(report, '| Synthesized |')[0]).toContain(record.synthesizedAt);
      expect(linesWith(report, '| Built and checked with |')[0]).toContain(`aws-cdk-lib ${version('aws-cdk-lib')}, cdk-nag ${version('cdk-nag')}`);
    }
  });

  test('the CLI writes the reports, Markdown and self-contained HTML with the diagram as inline SVG, and prints their paths', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'vp-evidence-cli-'));
    const run = spawnSync('npx', ['tsx', 'scripts/evidence.ts', '--cdk-out', result.outdir, '--config', result.configFile, '--out', out], {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status).toBe(0);
    for (const cell of config.cells) {
      const file = path.join(out, `evidence-${cell.id}.md`);
      expect(run.stdout).toContain(file);
      expect(existsSync(file)).toBe(true);
      // The HTML pack: generated here once (Graphviz as WebAssembly, in the child process), read for every cell.
      const html = readFileSync(path.join(out, `evidence-${cell.id}.html`), 'utf8');
      expect(run.stdout).toContain(path.join(out, `evidence-${cell.id}.html`));
      const svg = /<figure aria-label="Architecture diagram of cell [^"]+"><svg[\s\S]*?<\/svg>\s*<\/figure>/.exec(html)?.[0] ?? '';
      expect(svg).toContain('2 clinics, each: own key');
      expect(svg).toContain('HTTPS 8080 TLS');
      expect(html).not.toContain('```mermaid');
      expect(html).not.toMatch(/<script|<link|\ssrc=/);
      expect(html).toContain('<a id="five-questions"></a>');
      // The annex is written beside the pack and is part of the same HTML file, its links now within the page.
      expect(run.stdout).toContain(path.join(out, `evidence-${cell.id}-annex.md`));
      expect(html).toContain('<a id="key-policies"></a>');
      expect(html).toContain('href="#key-policies"');
      expect(html).not.toMatch(/href="evidence-[^"]*\.md/);
      const ids = new Set([...html.matchAll(/id="([^"]+)"/g)].map((m) => m[1]));
      for (const [, anchor] of html.matchAll(/href="#([^"]+)"/g)) expect(ids).toContain(anchor);
    }
  });
});
