import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The stateful inventory: every resource of a deployment that holds data, by stack and logical id,
 * with the properties whose change makes CloudFormation replace it. It belongs to the user's
 * configuration (written beside it, committed with it), so that a synthesis that would delete,
 * rename or replace a resource of an existing deployment is refused before anyone deploys it.
 *
 * A renamed logical id is a delete and a create: CloudFormation makes a new, empty resource and the
 * old one is either deleted or, with DeletionPolicy Retain, orphaned outside the stack.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
 */

/**
 * Stateful resource types and, for each, the properties whose update requires replacement (the
 * "Update requires: Replacement" entries of each type's page in the CloudFormation template reference,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html).
 */
export const STATEFUL_TYPES: Readonly<Record<string, readonly string[]>> = {
  'AWS::RDS::DBInstance': ['DBInstanceIdentifier', 'Engine', 'StorageEncrypted', 'KmsKeyId', 'DBName', 'MasterUsername', 'CharacterSetName', 'DBClusterIdentifier'],
  'AWS::RDS::DBCluster': ['DBClusterIdentifier', 'Engine', 'StorageEncrypted', 'KmsKeyId', 'DatabaseName', 'MasterUsername'],
  'AWS::S3::Bucket': ['BucketName', 'ObjectLockEnabled'],
  'AWS::KMS::Key': ['KeySpec', 'KeyUsage', 'MultiRegion'],
  'AWS::Logs::LogGroup': ['LogGroupName', 'LogGroupClass'],
  'AWS::Backup::BackupVault': ['BackupVaultName', 'EncryptionKeyArn'],
  'AWS::ECR::Repository': ['RepositoryName', 'EncryptionConfiguration'],
  // Values entered by hand (the telephony provider's token, a model API key) are lost with the secret.
  'AWS::SecretsManager::Secret': ['Name'],
};

/** One stateful resource: its type, where its stack is deployed, and the values of its replacement properties. */
export interface InventoryEntry {
  readonly type: string;
  /** `aws://<account>/<region>` of its stack: a stack that moves leaves its resources behind. */
  readonly environment?: string;
  readonly replacedIfChanged: Record<string, unknown>;
}

/** Stack path (`us-east/Tenant-clinic-001`) → logical id → entry. */
export type Inventory = Record<string, Record<string, InventoryEntry>>;

export interface InventoryFile {
  readonly description: string;
  readonly stacks: Inventory;
}

/** A stack as the inventory sees it: its path, environment and template. */
export interface InventoryStack {
  readonly path: string;
  /** `aws://<account>/<region>`, as the cloud assembly names a stack's environment. */
  readonly environment?: string;
  readonly template: { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
}

/** What a synthesis would do to the recorded stateful resources. */
export interface InventoryDiff {
  /** In the templates, not yet recorded: new clinics, new stores. Never a problem. */
  readonly added: string[];
  /** Recorded, and missing from the templates: a delete or a rename. */
  readonly removed: string[];
  /** Recorded, and with a replacement property changed: CloudFormation would replace it. */
  readonly replaced: string[];
  /** Whole stacks that are gone, grouped by clinic where the stack is a clinic's. */
  readonly clinicsGone: string[];
}

export const INVENTORY_DESCRIPTION =
  'Every stateful resource of this configuration (databases, buckets, keys, log groups, backup vaults, image repositories, secrets), by stack and logical id, ' +
  'with the properties whose change makes CloudFormation replace it. `npx cdk synth` refuses a change that would remove, rename or replace one. ' +
  'Written by `npm run inventory`; see README, "The stateful inventory".';

/** The inventory file that belongs to a configuration file: `config/platform.yaml` → `config/platform.stateful-inventory.json`. */
export function inventoryPathFor(configFile: string): string {
  const { dir, name } = path.parse(configFile);
  return path.join(dir, `${name}.stateful-inventory.json`);
}

/** The stateful resources of a set of stacks. */
export function inventoryOf(stacks: readonly InventoryStack[]): Inventory {
  const inventory: Inventory = {};
  for (const stack of [...stacks].sort((a, b) => a.path.localeCompare(b.path))) {
    const entries: Record<string, InventoryEntry> = {};
    for (const [id, resource] of Object.entries(stack.template.Resources ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      const properties = STATEFUL_TYPES[resource.Type];
      if (!properties) continue;
      const replacedIfChanged: Record<string, unknown> = {};
      for (const p of properties) if (resource.Properties?.[p] !== undefined) replacedIfChanged[p] = resource.Properties[p];
      entries[id] = { type: resource.Type, ...(stack.environment ? { environment: stack.environment } : {}), replacedIfChanged };
    }
    if (Object.keys(entries).length > 0) inventory[stack.path] = entries;
  }
  return inventory;
}

/** Compares the recorded inventory with the one of the current templates. */
export function diffInventory(recorded: Inventory, current: Inventory): InventoryDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const replaced: string[] = [];
  const clinicsGone: string[] = [];
  for (const [stack, entries] of Object.entries(recorded)) {
    const now = current[stack];
    if (!now) {
      clinicsGone.push(describeGoneStack(stack, entries));
      continue;
    }
    for (const [id, entry] of Object.entries(entries)) {
      const found = now[id];
      if (!found) {
        removed.push(`${stack}: ${entry.type} ${id}${named(entry)} is no longer in the template: a deploy would delete it, or orphan it outside the stack, and a renamed one starts empty`);
        continue;
      }
      const changed = Object.keys({ ...entry.replacedIfChanged, ...found.replacedIfChanged }).filter(
        (p) => JSON.stringify(entry.replacedIfChanged[p]) !== JSON.stringify(found.replacedIfChanged[p]),
      );
      if (entry.environment && found.environment && entry.environment !== found.environment) {
        removed.push(
          `${stack}: ${entry.type} ${id}${named(entry)} would be left behind in ${entry.environment}: its stack now deploys to ${found.environment}, where a new, empty one would be made`,
        );
      } else if (found.type !== entry.type) {
        replaced.push(`${stack}: ${entry.type} ${id}${named(entry)} would be replaced by a new, empty resource: its type changes to ${found.type}`);
      } else if (changed.length > 0) {
        replaced.push(
          `${stack}: ${entry.type} ${id}${named(entry)} would be replaced by a new, empty resource: ${changed
            .map((p) => `${p} ${show(entry.replacedIfChanged[p])} → ${show(found.replacedIfChanged[p])}`)
            .join('; ')}`,
        );
      }
    }
  }
  for (const [stack, entries] of Object.entries(current)) {
    for (const id of Object.keys(entries)) if (!recorded[stack]?.[id]) added.push(`${stack}: ${entries[id].type} ${id}`);
  }
  return { added, removed, replaced, clinicsGone };
}

function describeGoneStack(stack: string, entries: Record<string, InventoryEntry>): string {
  const clinic = /^([^/]+)\/Tenant(Replica)?-(.+)$/.exec(stack);
  const what = Object.values(entries)
    .map((e) => e.type.replace(/^AWS::/, ''))
    .join(', ');
  if (clinic) {
    return `clinic ${clinic[3]} of cell ${clinic[1]}: its stack ${stack} (${what}) is gone from the templates, so its recordings, transcripts and key would be left behind outside any stack. A clinic leaves only through offboarding (README, "Offboard a clinic"); a move to another cell is an offboarding here and an onboarding there (README, "Move a clinic to another cell")`;
  }
  return `stack ${stack} (${what}) is gone from the templates: its data would be left behind outside any stack`;
}

function named(entry: InventoryEntry): string {
  const name = Object.entries(entry.replacedIfChanged).find(([k, v]) => /Name$|Identifier$/.test(k) && typeof v === 'string');
  return name ? ` (${name[1]})` : '';
}

function show(value: unknown): string {
  return value === undefined ? '(not set)' : JSON.stringify(value);
}

/** A refused change to the stateful inventory; printed as is, without a stack trace. */
export class StatefulInventoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatefulInventoryError';
  }
}

/** Reads an inventory file; undefined when there is none yet. */
export function readInventory(file: string): Inventory | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: InventoryFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as InventoryFile;
  } catch (e) {
    throw new StatefulInventoryError(`${file} is not valid JSON (${(e as Error).message}). Restore it from version control, or write it anew with \`npm run inventory\`.`);
  }
  if (!parsed || typeof parsed.stacks !== 'object') {
    throw new StatefulInventoryError(`${file} has no "stacks" object. Restore it from version control, or write it anew with \`npm run inventory\`.`);
  }
  return parsed.stacks;
}

export function writeInventory(file: string, inventory: Inventory): void {
  const content: InventoryFile = { description: INVENTORY_DESCRIPTION, stacks: inventory };
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
}

/**
 * The check `cdk synth` runs: refuses a removal, rename or replacement of a recorded resource, with
 * one line per resource and the command that accepts it. Returns what is new and not yet recorded.
 */
export function checkInventory(file: string, current: Inventory, configFlag = ''): InventoryDiff {
  const recorded = readInventory(file);
  if (!recorded) return { added: Object.entries(current).flatMap(([s, e]) => Object.keys(e).map((id) => `${s}: ${e[id].type} ${id}`)), removed: [], replaced: [], clinicsGone: [] };
  const diff = diffInventory(recorded, current);
  const problems = [...diff.clinicsGone, ...diff.removed, ...diff.replaced];
  if (problems.length > 0) {
    throw new StatefulInventoryError(
      `Stateful inventory: this synthesis would lose data of the existing deployment recorded in ${path.relative(process.cwd(), file) || file} ` +
        `(${problems.length} ${problems.length === 1 ? 'change' : 'changes'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nUndo the change (restore the clinic, the construct id or the property), or, if losing or replacing this data is deliberate ' +
        `and approved (an offboarding whose data has expired, a planned migration), review what would be accepted with \`npm run inventory -- --accept-removals${configFlag}\`, record it with \`npm run inventory -- --accept-removals --yes${configFlag}\`, and commit the file.`,
    );
  }
  return diff;
}
