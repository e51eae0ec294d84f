import { PolicyDocument } from './simulate';

/** One stack of a cell, as synthesized: the input of the reachability computation. */
export interface CellStackTemplate {
  /** The CloudFormation stack name (`us-east-Keys`), as `Fn::GetStackOutput` names it. */
  readonly stackName: string;
  readonly region: string;
  readonly template: { Resources?: Record<string, { Type: string; Properties?: Record<string, any> }>; Outputs?: Record<string, { Value: unknown }> };
}

/** The synthesized templates of one cell (one account, a primary and a DR region). */
export interface CellTemplates {
  readonly cellId: string;
  readonly account: string;
  readonly stacks: readonly CellStackTemplate[];
}

/** A resource of the cell, with the stack it lives in. */
export interface CellResource {
  readonly stack: CellStackTemplate;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, any>;
}

/** Marks a value that cannot be known from the templates; policy normalisation treats it conservatively. */
export const UNKNOWN = '\u0000unknown\u0000';

/**
 * Resolves the intrinsic functions that appear in the cell's policies into plain strings, from the
 * templates alone: pseudo parameters, Ref and Fn::GetAtt (Arn) of roles, buckets, keys and policies,
 * Fn::Join, Fn::Sub and Fn::GetStackOutput across the cell's stacks. What cannot be resolved
 * becomes UNKNOWN, never a guess.
 */
export class CellResolver {
  private readonly byStackName = new Map<string, CellStackTemplate>();

  constructor(public readonly cell: CellTemplates) {
    for (const s of cell.stacks) this.byStackName.set(s.stackName, s);
  }

  /** Every resource of the cell. */
  public *resources(): Generator<CellResource> {
    for (const stack of this.cell.stacks) {
      for (const [logicalId, r] of Object.entries(stack.template.Resources ?? {})) {
        yield { stack, logicalId, type: r.Type, properties: r.Properties ?? {} };
      }
    }
  }

  public resource(stack: CellStackTemplate, logicalId: string): CellResource | undefined {
    const r = stack.template.Resources?.[logicalId];
    return r ? { stack, logicalId, type: r.Type, properties: r.Properties ?? {} } : undefined;
  }

  /** A role's ARN: by its RoleName, or a stand-in name for a generated one (no condition can name it). */
  public roleArn(r: CellResource): string {
    const name = this.resolve(r.stack, r.properties.RoleName);
    return `arn:aws:iam::${this.cell.account}:role/${typeof name === 'string' && !name.includes(UNKNOWN) ? name : `${r.stack.stackName}-${r.logicalId}`}`;
  }

  public bucketName(r: CellResource): string {
    const name = this.resolve(r.stack, r.properties.BucketName);
    return typeof name === 'string' && !name.includes(UNKNOWN) ? name : `${r.stack.stackName}-${r.logicalId}`.toLowerCase();
  }

  public keyArn(r: CellResource): string {
    return `arn:aws:kms:${r.stack.region}:${this.cell.account}:key/${r.stack.stackName}-${r.logicalId}`;
  }

  /** Resolves a template value: strings stay, objects and arrays are walked, intrinsics evaluated. */
  public resolve(stack: CellStackTemplate, value: unknown): any {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v));
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0];
      switch (fn) {
        case 'Ref':
          return this.ref(stack, arg as string);
        case 'Fn::GetAtt':
          return this.getAtt(stack, arg as [string, string]);
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          const resolved = this.resolve(stack, parts);
          return Array.isArray(resolved) ? resolved.map((p) => (typeof p === 'string' ? p : UNKNOWN)).join(sep) : UNKNOWN;
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [arg as string, {}];
          return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
            const v = name in vars ? this.resolve(stack, vars[name]) : name.includes('.') ? this.getAtt(stack, name.split('.') as [string, string]) : this.ref(stack, name);
            return typeof v === 'string' ? v : UNKNOWN;
          });
        }
        case 'Fn::GetStackOutput': {
          const { StackName, OutputName } = arg as { StackName: string; OutputName: string };
          const other = this.byStackName.get(StackName);
          const output = other?.template.Outputs?.[OutputName];
          return other && output ? this.resolve(other, output.Value) : UNKNOWN;
        }
        case 'Fn::ImportValue':
        case 'Fn::If':
        case 'Fn::Select':
        case 'Fn::Split':
          return UNKNOWN;
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(stack, v)]));
  }

  private ref(stack: CellStackTemplate, name: string): string {
    switch (name) {
      case 'AWS::AccountId':
        return this.cell.account;
      case 'AWS::Region':
        return stack.region;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.stackName;
    }
    const r = this.resource(stack, name);
    if (!r) return UNKNOWN;
    switch (r.type) {
      case 'AWS::IAM::Role':
        return this.roleArn(r).split('/').pop() as string;
      case 'AWS::S3::Bucket':
        return this.bucketName(r);
      case 'AWS::KMS::Key':
        return `${r.stack.stackName}-${r.logicalId}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:aws:iam::${this.cell.account}:policy/${this.resolve(stack, r.properties.ManagedPolicyName) ?? `${stack.stackName}-${name}`}`;
      case 'AWS::IAM::OIDCProvider':
        return `arn:aws:iam::${this.cell.account}:oidc-provider/${String(this.resolve(stack, r.properties.Url) ?? name).replace(/^https:\/\//, '')}`;
    }
    return UNKNOWN;
  }

  private getAtt(stack: CellStackTemplate, [name, attribute]: [string, string]): string {
    const r = this.resource(stack, name);
    if (!r || attribute !== 'Arn') return UNKNOWN;
    switch (r.type) {
      case 'AWS::IAM::Role':
        return this.roleArn(r);
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${this.bucketName(r)}`;
      case 'AWS::KMS::Key':
        return this.keyArn(r);
    }
    return UNKNOWN;
  }
}

/** The statements of a policy document as a list (a single statement may be written as an object). */
export function statementsOf(document: unknown): Record<string, any>[] {
  const statement = (document as PolicyDocument | undefined)?.Statement;
  if (!statement) return [];
  return Array.isArray(statement) ? statement : [statement];
}

/** A value that may be one string or a list, as a list. */
export function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
