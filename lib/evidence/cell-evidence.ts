import { CellConfig, PlatformConfig, TenantConfig } from '../config';
import { CellNaming } from '../naming';
import { CloudAssemblyEvidence } from './assembly';
import { cell, code } from './markdown';
import { PackRules } from './packs';
import { TemplateIndex } from './references';
import { ResourceRef, StackTemplate, cdkPath, constructId, props, resourcesOfType } from './template';

/** How the report names a key, and whether it rotates, as its template says. */
export interface KeyFacts {
  /** The key resource, when it is in the app. */
  readonly ref?: ResourceRef;
  /** Its alias (or ARN, or the AWS-managed key), as an auditor reads it. */
  readonly label: string;
  /** `rotates every 365 days`, `no rotation`, or why rotation cannot be read from the templates. */
  readonly rotation: string;
}

/** Everything one cell's report is derived from: its stacks, the whole app's index, config and the validation report. */
export class CellEvidence {
  public readonly stacks: readonly StackTemplate[];
  public readonly tenants: readonly TenantConfig[];
  public readonly naming: CellNaming;
  private readonly byPath: ReadonlyMap<string, StackTemplate>;

  constructor(
    public readonly cell: CellConfig,
    public readonly config: PlatformConfig,
    public readonly assembly: CloudAssemblyEvidence,
    public readonly index: TemplateIndex,
    public readonly packs: readonly PackRules[],
  ) {
    this.stacks = assembly.stacks.filter((s) => s.cellId === cell.id);
    this.tenants = config.tenants.filter((t) => t.cell === cell.id);
    this.naming = { platform: config.platform, cell };
    this.byPath = new Map(this.stacks.map((s) => [s.path, s]));
  }

  get id(): string {
    return this.cell.id;
  }

  /** Resources of the given types in this cell's stacks. */
  resources(...types: string[]): ResourceRef[] {
    return resourcesOfType(this.stacks, ...types);
  }

  /** The primary (`Tenant-<id>`) and DR (`TenantReplica-<id>`) stacks of a tenant, from the stack paths. */
  tenantStacks(tenantId: string): StackTemplate[] {
    return [`${this.id}/Tenant-${tenantId}`, `${this.id}/TenantReplica-${tenantId}`].flatMap((p) => this.byPath.get(p) ?? []);
  }

  /** The tenant a stack belongs to, from its path, if it is a tenant stack. */
  tenantOf(stack: StackTemplate): string | undefined {
    return /^[^/]+\/Tenant(?:Replica)?-(.+)$/.exec(stack.path)?.[1];
  }

  /** The resource's human name: bucket, alias, log group, role name..., else its construct id. */
  name(ref: ResourceRef): string {
    return this.index.nameOf(ref) ?? constructId(ref);
  }

  /**
   * A table cell that identifies a resource: its name, followed by where it is defined (`definedAt`: its stack within the
   * cell, `Keys` for `<cell>/Keys`, or the construct in it) only where another resource of the cell has the same name, and by
   * its logical id where one defined at the same place has too. Every resource labelled is listed with its type, where it
   * is defined and its logical id in the annex (`labelled`).
   */
  label(ref: ResourceRef): string {
    this.labelled.add(ref);
    const name = this.name(ref);
    const same = this.namesakes().get(name) ?? [];
    if (same.length <= 1) return cell(name);
    const where = (r: ResourceRef) => this.definedAt(r);
    const twins = same.filter((r) => where(r) === where(ref)).length;
    return `${cell(name)} (${code(where(ref))}${twins > 1 ? ` ${code(ref.logicalId)}` : ''})`;
  }

  /** The construct that holds a resource, within the cell (`Data/Migrations` for the migration function's role), else its stack. */
  definedAt(ref: ResourceRef): string {
    const path = cdkPath(ref)?.replace(/\/(Resource|Default)$/, '');
    const parent = path?.slice(0, path.lastIndexOf('/'));
    return parent && parent.startsWith(`${this.id}/`) ? parent.slice(this.id.length + 1) : this.stackName(ref.stack);
  }

  /** Every resource a table of the pack has named with `label`, in the order first named. */
  public readonly labelled = new Set<ResourceRef>();

  private namesakesByName?: Map<string, ResourceRef[]>;

  /** The cell's resources by name, for telling apart two that share one. */
  private namesakes(): Map<string, ResourceRef[]> {
    if (!this.namesakesByName) {
      this.namesakesByName = new Map();
      for (const st of this.stacks) {
        for (const ref of st.resources) {
          const name = this.name(ref);
          this.namesakesByName.set(name, [...(this.namesakesByName.get(name) ?? []), ref]);
        }
      }
    }
    return this.namesakesByName;
  }

  /** Regions, once each: the cell's primary region first, then the others by name. */
  regionOrder(regions: Iterable<string>): string[] {
    return [...new Set(regions)].sort((a, b) => Number(b === this.cell.primaryRegion) - Number(a === this.cell.primaryRegion) || a.localeCompare(b));
  }

  /** A stack of this cell named without the cell prefix (`Keys` for `us-east/Keys`), as every table of the pack names it. */
  stackName(stack: StackTemplate): string {
    return stack.path.startsWith(`${this.id}/`) ? stack.path.slice(this.id.length + 1) : stack.path;
  }

  /** A value for a reader, with references resolved where the templates allow. */
  show(value: unknown, from: StackTemplate): string {
    return this.index.display(value, from);
  }

  /** The key a KMS key property refers to, with its alias and rotation. */
  key(value: unknown, from: StackTemplate): KeyFacts {
    const target = this.index.target(value, from);
    if (target?.resource.Type === 'AWS::KMS::Key') {
      const p = props(target);
      const rotates = p.EnableKeyRotation === true || p.EnableKeyRotation === 'true';
      const aliases = this.index.aliasesOf(target);
      return {
        ref: target,
        label: aliases.length > 0 ? aliases.join(', ') : `${target.logicalId} (${target.stack.path}, no alias)`,
        rotation: rotates ? `rotates every ${p.RotationPeriodInDays ?? 365} days` : 'no rotation',
      };
    }
    const literal = this.index.literal(value, from);
    if (literal?.includes('alias/aws/')) return { label: `${literal} (AWS managed key)`, rotation: 'AWS managed key: rotated by AWS every year' };
    return { label: literal ?? this.show(value, from), rotation: 'key not in these templates: rotation not verifiable here' };
  }
}
