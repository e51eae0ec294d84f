import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  Inventory,
  STATEFUL_TYPES,
  StatefulInventoryError,
  checkInventory,
  inventoryOf,
  inventoryPathFor,
  writeInventory,
} from '../../lib/deploy/stateful-inventory';
import { RawConfig, fixtureConfig, fixtureTenantId, rawFixtureConfig } from '../fixtures/config';
import { inventoryCli } from '../../lib/inventory-cli';
import { Synthesized, runApp, runCli, scratchDir, synthesized } from '../helpers';

const STACK_TRACE = /^\s+at .*:\d+/m;

const inventoryOfSynthesis = (result: Synthesized): Inventory =>
  inventoryOf(result.stacks().map((s) => ({ path: s.hierarchicalId, environment: s.environment.name, template: s.template })));

/** An inventory file recorded from one synthesis, in a scratch folder. */
function recorded(result: Synthesized): string {
  const file = path.join(scratchDir('inventory'), 'platform.stateful-inventory.json');
  writeInventory(file, inventoryOfSynthesis(result));
  return file;
}

function refusal(file: string, current: Inventory): string {
  try {
    checkInventory(file, current);
  } catch (e) {
    expect(e).toBeInstanceOf(StatefulInventoryError);
    return (e as Error).message;
  }
  throw new Error('expected the inventory check to refuse');
}

/** One cell with two clinics: the deployment whose inventory the tests record. */
const deployed = () => fixtureConfig({ cells: 1, tenantsPerCell: 2 });

describe('every stateful resource of the templates', () => {
  const result = synthesized(fixtureConfig());

  // RetainExceptOnCreate: deleted only when its own first create rolls back, before it can hold data (README, "When a deploy fails").
  test('keeps its data when its stack is deleted or it is replaced', () => {
    const policies = result.stacks().flatMap((stack) =>
      Object.entries((stack.template as any).Resources as Record<string, any>)
        .filter(([, r]) => r.Type in STATEFUL_TYPES)
        .map(([id, r]) => [`${stack.hierarchicalId}/${id}`, r.DeletionPolicy, r.UpdateReplacePolicy]),
    );
    expect(policies.length).toBeGreaterThan(0);
    for (const [where, deletion, replace] of policies) {
      expect([where, deletion]).toEqual([where, expect.stringMatching(/^(Retain|Snapshot|RetainExceptOnCreate)$/)]);
      expect([where, replace]).toEqual([where, expect.stringMatching(/^(Retain|Snapshot)$/)]);
    }
  });
});

describe('the stateful inventory of a deployment', () => {
  const before = synthesized(deployed(), { packs: false });

  test('records every database, bucket, key, log group, backup vault, image repository and secret, with its replacement properties', () => {
    const inventory = inventoryOfSynthesis(before);
    const types = new Set(Object.values(inventory).flatMap((e) => Object.values(e).map((r) => r.type)));
    expect([...types].sort()).toEqual(
      ['AWS::Backup::BackupVault', 'AWS::ECR::Repository', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::RDS::DBInstance', 'AWS::S3::Bucket', 'AWS::SecretsManager::Secret'].sort(),
    );
    const tenant = fixtureTenantId('us-east', 1);
    const buckets = Object.values(inventory[`us-east/Tenant-${tenant}`]).filter((r) => r.type === 'AWS::S3::Bucket');
    expect(buckets.map((b) => b.replacedIfChanged.BucketName).sort()).toEqual([
      `vp-us-east-phi-${tenant}-rec-111111111111`,
      `vp-us-east-phi-${tenant}-txt-111111111111`,
    ]);
  });

  test('accepts an added clinic, and lists its resources as new', () => {
    const file = recorded(before);
    const after = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 3 }), { packs: false });
    const { added } = checkInventory(file, inventoryOfSynthesis(after));
    const newcomer = fixtureTenantId('us-east', 3);
    expect(added.length).toBeGreaterThanOrEqual(3);
    expect(added.every((a) => a.startsWith(`us-east/Tenant-${newcomer}: `) || a.startsWith(`us-east/TenantReplica-${newcomer}: `))).toBe(true);
  });

  test('refuses a clinic removed from the configuration, by id, with the offboarding procedure and the command to accept it', () => {
    const file = recorded(before);
    const gone = fixtureTenantId('us-east', 2);
    const after = synthesized(
      fixtureConfig({ cells: 1, tenantsPerCell: 2, edit: (raw) => (raw.tenants = raw.tenants.filter((t: RawConfig) => t.id !== gone)) }),
      { packs: false },
    );
    const message = refusal(file, inventoryOfSynthesis(after));
    expect(message).toContain(`clinic ${gone} of cell us-east: its stack us-east/Tenant-${gone}`);
    expect(message).toContain(`clinic ${gone} of cell us-east: its stack us-east/TenantReplica-${gone}`);
    expect(message).toContain('README, "Offboard a clinic"');
    expect(message).toContain('npm run inventory -- --accept-removals --yes');
    expect(message).not.toContain(fixtureTenantId('us-east', 1));
  });

  test('refuses a resource whose logical id changed, naming it', () => {
    const inventory = inventoryOfSynthesis(before);
    const audit = inventory['us-east/Audit'];
    const [archiveId] = Object.keys(audit).filter((id) => id.startsWith('AuditArchive'));
    const file = path.join(scratchDir('inventory'), 'platform.stateful-inventory.json');
    // As if the archive had been recorded under another construct id before a refactor.
    writeInventory(file, { ...inventory, 'us-east/Audit': { ...audit, AuditArchiveBeforeRefactor: audit[archiveId] } });
    const message = refusal(file, inventory);
    expect(message).toContain(
      'us-east/Audit: AWS::S3::Bucket AuditArchiveBeforeRefactor (vp-us-east-audit-111111111111-us-east-1) is no longer in the template',
    );
  });

  test('refuses a change that makes CloudFormation replace a resource: a new bucket name', () => {
    const file = recorded(before);
    const renamed = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 2, edit: (raw) => (raw.platform.id = 'vq') }), { packs: false });
    const message = refusal(file, inventoryOfSynthesis(renamed));
    expect(message).toContain(
      'us-east/Audit: AWS::S3::Bucket AuditArchive60EBC247 (vp-us-east-audit-111111111111-us-east-1) would be replaced by a new, empty resource: BucketName "vp-us-east-audit-111111111111-us-east-1" → "vq-us-east-audit-111111111111-us-east-1"',
    );
  });

  test('refuses a stack that would deploy to another region, which leaves its resources behind', () => {
    const file = recorded(before);
    // The DR region of a cell changes: its replica buckets' names carry no region, only their stack's environment does.
    const moved = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 2, edit: (raw) => (raw.cells[0].drRegion = 'us-east-2') }), { packs: false });
    const message = refusal(file, inventoryOfSynthesis(moved));
    const tenant = fixtureTenantId('us-east', 1);
    expect(message).toContain(
      `us-east/TenantReplica-${tenant}: AWS::S3::Bucket RecordingsA3BDCC51 (vp-us-east-phi-${tenant}-rec-dr-111111111111) would be left behind in aws://111111111111/us-west-2: its stack now deploys to aws://111111111111/us-east-2`,
    );
  });

  test('lives beside the configuration it belongs to', () => {
    expect(inventoryPathFor('/work/config/platform.yaml')).toBe('/work/config/platform.stateful-inventory.json');
    expect(inventoryPathFor('clinics/production.yml')).toBe(path.join('clinics', 'production.stateful-inventory.json'));
  });
});

describe('cdk synth holds the deployment to its inventory', () => {
  test('exits 1 with the inventory message, no stack trace, and no complete assembly when a clinic disappears', () => {
    const dir = scratchDir('inventory-synth');
    const config = path.join(dir, 'platform.json');
    const gone = fixtureTenantId('us-east', 1);
    writeFileSync(config, JSON.stringify(rawFixtureConfig({ cells: 1, tenantsPerCell: 1, edit: (raw) => (raw.tenants = []) })));
    writeInventory(inventoryPathFor(config), inventoryOfSynthesis(synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1 }), { packs: false })));
    const { status, stderr: message, outdir } = runApp(config);
    expect(status).toBe(1);
    expect(message).toContain(`clinic ${gone} of cell us-east`);
    expect(message).toContain('The synthesis was refused and its cloud assembly discarded.');
    expect(message).not.toMatch(STACK_TRACE);
    expect(existsSync(path.join(outdir, 'manifest.json'))).toBe(false);
  });
});

describe('npm run inventory', () => {
  const dir = scratchDir('inventory-cli');
  const config = path.join(dir, 'platform.json');
  const file = inventoryPathFor(config);
  // In this process: scripts/inventory.ts only hands its arguments to inventoryCli and exits with its code.
  const run = (...args: string[]) => runCli(() => inventoryCli(['--config', config, ...args]));

  test('writes the inventory beside the configuration, refuses a removal, and records it only when accepted', () => {
    writeFileSync(config, JSON.stringify(rawFixtureConfig({ cells: 1, tenantsPerCell: 1 })));
    const first = run();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('Stateful inventory written');
    const written = readFileSync(file, 'utf8');
    expect(Object.keys(JSON.parse(written).stacks)).toContain(`us-east/Tenant-${fixtureTenantId('us-east', 1)}`);

    writeFileSync(config, JSON.stringify(rawFixtureConfig({ cells: 1, tenantsPerCell: 0 })));
    const refused = run();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`clinic ${fixtureTenantId('us-east', 1)} of cell us-east`);
    expect(refused.stderr).not.toMatch(STACK_TRACE);
    expect(readFileSync(file, 'utf8')).toBe(written);

    const failedCheck = run('--check');
    expect(failedCheck.status).toBe(1);
    expect(failedCheck.stderr).toContain(`clinic ${fixtureTenantId('us-east', 1)} of cell us-east`);

    // --accept-removals alone lists what it would drop, and writes nothing.
    const preview = run('--accept-removals');
    expect(preview.status).toBe(0);
    expect(preview.stdout).toContain('These 2 recorded entries would be dropped or changed (nothing was written)');
    expect(preview.stdout).toContain('--accept-removals --yes');
    expect(readFileSync(file, 'utf8')).toBe(written);

    const accepted = run('--accept-removals', '--yes');
    expect(accepted.status).toBe(0);
    expect(accepted.stdout).toContain('Accepted as deliberate (2)');
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).stacks)).not.toContain(`us-east/Tenant-${fixtureTenantId('us-east', 1)}`);
    expect(run('--check').status).toBe(0);
  });

  test('--check fails when the inventory is missing, and when a stateful resource is not recorded yet', () => {
    const other = path.join(scratchDir('inventory-check'), 'platform.json');
    writeFileSync(other, JSON.stringify(rawFixtureConfig({ cells: 1, tenantsPerCell: 1 })));
    const check = () => runCli(() => inventoryCli(['--config', other, '--check']));
    const missing = check();
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('does not exist, so nothing protects this deployment');
    expect(existsSync(inventoryPathFor(other))).toBe(false);

    expect(runCli(() => inventoryCli(['--config', other])).status).toBe(0);
    expect(check().status).toBe(0);
    writeFileSync(other, JSON.stringify(rawFixtureConfig({ cells: 1, tenantsPerCell: 2 })));
    const unrecorded = check();
    expect(unrecorded.status).toBe(1);
    expect(unrecorded.stderr).toContain(`+ us-east/Tenant-${fixtureTenantId('us-east', 2)}: `);
  });
});
