import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthesize } from './helpers';

/**
 * Databases, buckets, keys, log groups and backup vaults of the example config, by stack and
 * logical id. A refactor that renames one makes CloudFormation replace it (a new, empty resource)
 * and this test fail until the list is deliberately updated with:
 *   UPDATE_STATEFUL_INVENTORY=1 npx jest test/stateful-inventory.test.ts
 */
const STATEFUL_TYPES = [
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::Backup::BackupVault',
];
const INVENTORY = path.join(__dirname, 'stateful-inventory.json');

describe('stateful resources', () => {
  const result = synthesize();
  const found: Record<string, string[]> = {};
  const policies: Array<[string, string | undefined, string | undefined]> = [];
  for (const cell of result.cells) {
    for (const stack of cell.synth().stacks) {
      const resources = Object.entries((stack.template as any).Resources as Record<string, any>).filter(([, r]) => STATEFUL_TYPES.includes(r.Type));
      found[stack.hierarchicalId] = resources.map(([id, r]) => `${r.Type} ${id}`).sort();
      for (const [id, r] of resources) policies.push([`${stack.hierarchicalId}/${id}`, r.DeletionPolicy, r.UpdateReplacePolicy]);
    }
  }

  test('keep the logical ids in the committed inventory, so no deploy replaces one', () => {
    if (process.env.UPDATE_STATEFUL_INVENTORY) writeFileSync(INVENTORY, `${JSON.stringify(found, null, 2)}\n`);
    const committed = JSON.parse(readFileSync(INVENTORY, 'utf8'));
    expect(found).toEqual(committed);
  });

  test('each keeps its data when its stack is deleted or it is replaced', () => {
    expect(policies.length).toBeGreaterThan(0);
    for (const [where, deletion, replace] of policies) {
      // RetainExceptOnCreate keeps the resource on every update and delete; only a rolled-back first create removes it (issue 11).
      expect([where, deletion]).toEqual([where, expect.stringMatching(/^(Retain|RetainExceptOnCreate|Snapshot)$/)]);
      expect([where, replace]).toEqual([where, expect.stringMatching(/^(Retain|Snapshot)$/)]);
    }
  });
});
