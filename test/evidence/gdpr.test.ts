import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { evidenceCli } from '../../lib/evidence/cli';
import { gdprSection } from '../../lib/evidence/sections/gdpr';
import { previousSubProcessors } from '../../lib/evidence/since';
import { fixtureConfig, fixtureTenantId, rawFixtureConfig } from '../fixtures/config';
import { runCli, scratchDir, synthesized } from '../helpers';
import { cellEvidenceOf, linesWith, resourcesIn } from './support';

describe('GDPR records of an EU cell', () => {
  const result = synthesized(fixtureConfig({ cells: 2, tenantsPerCell: 1 }), { packs: false });
  const eu = () => gdprSection(cellEvidenceOf(result, 'eu-central'))!;

  test('keep the Art. 30(2) record: processor contacts, each clinic as controller, categories, transfers, measures with links', () => {
    const text = eu();
    expect(text).toContain('### Record of processing activities — GDPR Art. 30(2)');
    expect(text).toContain('Privacy officer `privacy@example.com`');
    expect(linesWith(text, `| \`${fixtureTenantId('eu-central', 1)}\` |`)).toHaveLength(1);
    expect(text).toContain('**(b) Categories of processing carried out for each controller:**');
    expect(text).toContain('**(c) Transfers to a third country or an international organisation:** **None outside the EU.**');
    expect(text).toContain('every stack is in eu-central-1, eu-west-1');
    for (const anchor of ['encryption', 'access-control', 'audit-controls', 'recovery', 'retention']) expect(text).toContain(`(#${anchor})`);
  });

  test('find a transfer when a template sends data outside the EU', () => {
    const text = gdprSection(
      cellEvidenceOf(result, 'eu-central', (t) => {
        const stack = t[`eu-central/Tenant-${fixtureTenantId('eu-central', 1)}`];
        const [[, bucket]] = resourcesIn(stack, 'AWS::S3::Bucket').filter(([, b]) => b.Properties.ReplicationConfiguration);
        bucket.Properties.ReplicationConfiguration.Rules[0].Destination.EncryptionConfiguration.ReplicaKmsKeyID = 'arn:aws:kms:us-east-1:222222222222:alias/elsewhere';
      }),
    )!;
    expect(text).toContain('**Transfers outside the EU found:**');
    expect(text).not.toContain('**None outside the EU.**');
  });

  test('list the sub-processors as a DPA annex: AWS from the templates, the others from config with their DPA', () => {
    const text = eu();
    expect(linesWith(text, '| Amazon Web Services (infrastructure) |')[0]).toContain('| eu-central-1, eu-west-1 (from the templates) |');
    const [speech] = linesWith(text, '| Fixture Speech AI Ltd. |');
    expect(speech).toContain('| call-audio, transcript | eu-central-1 | DPA signed 2026-02-01 | none: processing in the EU |');
  });

  test('are not written for a US cell', () => {
    expect(gdprSection(cellEvidenceOf(result, 'us-east'))).toBeUndefined();
  });
});

describe('npm run evidence -- --since', () => {
  const result = synthesized(fixtureConfig());
  const scratch = scratchDir('evidence-since');

  test('against a previous pack: lists the sub-processor added since, in the output and in the pack', () => {
    const before = path.join(scratch, 'before');
    expect(runCli(() => evidenceCli(['--cdk-out', result.outdir, '--config', result.configFile, '--out', before])).status).toBe(0);
    // The previous pack as it would have been before the speech provider was added to eu-central.
    const file = path.join(before, 'evidence-eu-central.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/,\{"id":"fixture-voice-ai","name":"Fixture Speech AI Ltd\."\}/, ''));
    const out = path.join(scratch, 'after');
    const run = runCli(() => evidenceCli(['--cdk-out', result.outdir, '--config', result.configFile, '--out', out, '--since', before]));
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Sub-processor changes since ${before}:`);
    expect(run.stdout).toContain('  eu-central: \n    added: Fixture Speech AI Ltd. (fixture-voice-ai)');
    expect(run.stdout).toContain('  us-east: none');
    const pack = readFileSync(path.join(out, 'evidence-eu-central.md'), 'utf8');
    expect(pack).toContain(`#### Sub-processor changes since ${before}`);
    expect(pack).toContain('- added: Fixture Speech AI Ltd. (`fixture-voice-ai`)');
    expect(readFileSync(path.join(out, 'evidence-us-east.md'), 'utf8')).toContain('No sub-processor was added or removed.');
  });

  test('against a git ref: reads the configuration at that commit, unvalidated', () => {
    const repo = path.join(scratch, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    const file = path.join(repo, 'platform.yaml');
    const raw = rawFixtureConfig({ cells: 1, tenantsPerCell: 0 });
    raw.cells[0].subProcessors = ['fixture-telephony'];
    delete raw.breachNotification; // an older configuration, from before a field was added
    writeFileSync(file, stringify(raw));
    git('add', '-A');
    expect(git('commit', '-qm', 'before').status).toBe(0);
    writeFileSync(file, stringify(rawFixtureConfig({ cells: 1, tenantsPerCell: 0 })));
    const previous = previousSubProcessors('HEAD', file);
    expect(previous.label).toBe('git ref HEAD (platform.yaml)');
    expect(previous.cells.get('us-east')).toEqual([{ id: 'fixture-telephony', name: 'Fixture Telephony Co.' }]);
  });

  test('refuses what is neither a pack nor a git ref, naming both', () => {
    const run = runCli(() => evidenceCli(['--cdk-out', result.outdir, '--config', result.configFile, '--out', path.join(scratch, 'x'), '--since', 'no-such-ref-or-file']));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/--since no-such-ref-or-file: (neither a file nor a git ref|no such file)/);
  });
});
