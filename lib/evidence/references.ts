import { ResourceRef, StackTemplate, constructId, props, resourceKey } from './template';

/**
 * Resolves references between resources of the app: `Ref`, `Fn::GetAtt`, `Fn::GetStackOutput`
 * (CDK's weak cross-stack references), `Fn::ImportValue`, and literal ARNs and names (how this
 * app reaches resources in another region). Built once over every stack of every cell.
 */
export class TemplateIndex {
  private readonly stacksByName = new Map<string, StackTemplate[]>();
  private readonly exports = new Map<string, { stack: StackTemplate; value: unknown }>();
  private readonly buckets = new Map<string, ResourceRef>();
  private readonly aliases = new Map<string, ResourceRef>();
  private readonly keyAliases = new Map<string, string[]>();
  private readonly named = new Map<string, ResourceRef>();

  constructor(public readonly stacks: readonly StackTemplate[]) {
    for (const stack of stacks) {
      push(this.stacksByName, stack.stackName, stack);
      for (const [, output] of Object.entries(stack.template.Outputs ?? {})) {
        if (typeof output.Export?.Name === 'string') this.exports.set(output.Export.Name, { stack, value: output.Value });
      }
      for (const ref of stack.resources) this.indexResource(ref);
    }
    // Aliases point at their key through TargetKeyId; index the reverse so that a key shows its alias.
    for (const alias of this.aliases.values()) {
      const key = this.target(props(alias).TargetKeyId, alias.stack);
      if (key) push(this.keyAliases, resourceKey(key), String(props(alias).AliasName));
    }
  }

  private indexResource(ref: ResourceRef): void {
    const p = props(ref);
    const { region, account } = ref.stack;
    const at = (kind: string, name: unknown) => typeof name === 'string' && this.named.set(`${kind}|${account}|${region}|${name}`, ref);
    switch (ref.resource.Type) {
      case 'AWS::S3::Bucket':
        if (typeof p.BucketName === 'string') this.buckets.set(p.BucketName, ref);
        break;
      case 'AWS::KMS::Alias':
        if (typeof p.AliasName === 'string') this.aliases.set(`${account}|${region}|${p.AliasName}`, ref);
        break;
      case 'AWS::Logs::LogGroup':
        at('log-group', p.LogGroupName);
        break;
      case 'AWS::Backup::BackupVault':
        at('backup-vault', p.BackupVaultName);
        break;
      case 'AWS::IAM::Role':
        // IAM is global: roles are found by account and name only.
        if (typeof p.RoleName === 'string') this.named.set(`role|${account}|${p.RoleName}`, ref);
        break;
      case 'AWS::SNS::Topic':
        at('topic', p.TopicName);
        break;
      case 'AWS::KinesisFirehose::DeliveryStream':
        at('deliverystream', p.DeliveryStreamName);
        break;
    }
  }

  /** The stacks of the app with a CloudFormation stack name (one per account and region). */
  stackNamed(stackName: string, region?: string): StackTemplate | undefined {
    const candidates = this.stacksByName.get(stackName) ?? [];
    return candidates.find((s) => !region || s.region === region) ?? candidates[0];
  }

  /** A bucket of the app by its name, wherever it is. */
  bucketNamed(name: string): ResourceRef | undefined {
    return this.buckets.get(name);
  }

  /** An IAM role of the app by account and name. */
  roleNamed(account: string, name: string): ResourceRef | undefined {
    return this.named.get(`role|${account}|${name}`);
  }

  /** The alias names of a key, for example `alias/vp-us-east/audit`. */
  aliasesOf(key: ResourceRef): string[] {
    return this.keyAliases.get(resourceKey(key)) ?? [];
  }

  /**
   * The resource a value refers to: `Ref`, `Fn::GetAtt`, `Fn::GetStackOutput`, `Fn::ImportValue`,
   * or a literal ARN of a bucket, KMS alias, log group, backup vault, role, topic or delivery stream.
   * A KMS alias is followed to its key.
   */
  target(value: unknown, from: StackTemplate): ResourceRef | undefined {
    const found = this.directTarget(value, from);
    if (found?.resource.Type === 'AWS::KMS::Alias') return this.target(props(found).TargetKeyId, found.stack) ?? found;
    return found;
  }

  private directTarget(value: unknown, from: StackTemplate): ResourceRef | undefined {
    if (typeof value === 'string') return this.targetOfLiteral(value, from);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const v = value as Record<string, any>;
    if (typeof v.Ref === 'string') return from.byLogicalId.get(v.Ref);
    if (v['Fn::GetAtt'] !== undefined) {
      const att = v['Fn::GetAtt'];
      const logicalId = Array.isArray(att) ? att[0] : typeof att === 'string' ? att.split('.')[0] : undefined;
      return typeof logicalId === 'string' ? from.byLogicalId.get(logicalId) : undefined;
    }
    const output = this.stackOutput(v, from);
    if (output) return this.target(output.value, output.stack);
    return undefined;
  }

  /** The producing stack and value of `Fn::GetStackOutput` or `Fn::ImportValue`. */
  private stackOutput(v: Record<string, any>, from: StackTemplate): { stack: StackTemplate; value: unknown } | undefined {
    const get = v['Fn::GetStackOutput'];
    if (get && typeof get === 'object') {
      const region = typeof get.Region === 'string' ? get.Region : from.region;
      const stack = typeof get.StackName === 'string' ? this.stackNamed(get.StackName, region) : undefined;
      const output = stack && typeof get.OutputName === 'string' ? stack.template.Outputs?.[get.OutputName] : undefined;
      return stack && output ? { stack, value: output.Value } : undefined;
    }
    const imported = v['Fn::ImportValue'];
    return typeof imported === 'string' ? this.exports.get(imported) : undefined;
  }

  private targetOfLiteral(text: string, from: StackTemplate): ResourceRef | undefined {
    if (text.startsWith('alias/')) return this.aliases.get(`${from.account}|${from.region}|${text}`);
    const arn = parseArn(text);
    if (!arn) return undefined;
    const { service, region, account, resource } = arn;
    switch (service) {
      case 's3':
        return this.buckets.get(resource.split('/')[0]);
      case 'kms':
        return resource.startsWith('alias/') ? this.aliases.get(`${account}|${region}|${resource}`) : undefined;
      case 'logs':
        return this.named.get(`log-group|${account}|${region}|${resource.replace(/^log-group:/, '').replace(/:\*$/, '')}`);
      case 'backup':
        return this.named.get(`backup-vault|${account}|${region}|${resource.replace(/^backup-vault:/, '')}`);
      case 'iam':
        return resource.startsWith('role/') ? this.roleNamed(account, resource.split('/').pop()!) : undefined;
      case 'sns':
        return this.named.get(`topic|${account}|${region}|${resource}`);
      case 'firehose':
        return this.named.get(`deliverystream|${account}|${region}|${resource.replace(/^deliverystream\//, '')}`);
      default:
        return undefined;
    }
  }

  /** A value as a plain string, when the templates determine it; otherwise undefined. */
  literal(value: unknown, from: StackTemplate): string | undefined {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const v = value as Record<string, any>;
    if (typeof v.Ref === 'string') return pseudo(v.Ref, from) ?? refValue(from.byLogicalId.get(v.Ref));
    if (v['Fn::GetAtt'] !== undefined) {
      const att = v['Fn::GetAtt'];
      const [logicalId, attribute] = Array.isArray(att) ? att : String(att).split('.');
      return attValue(from.byLogicalId.get(String(logicalId)), String(attribute));
    }
    if (Array.isArray(v['Fn::Join'])) {
      const [separator, parts] = v['Fn::Join'];
      const resolved = Array.isArray(parts) ? parts.map((p) => this.literal(p, from)) : [];
      return resolved.length > 0 && resolved.every((p) => p !== undefined) ? resolved.join(String(separator)) : undefined;
    }
    if (v['Fn::Sub'] !== undefined && typeof v['Fn::Sub'] === 'string') {
      let ok = true;
      const out = v['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_: string, name: string) => {
        const [id, attribute] = name.split('.');
        const r = attribute ? attValue(from.byLogicalId.get(id), attribute) : (pseudo(id, from) ?? refValue(from.byLogicalId.get(id)));
        if (r === undefined) ok = false;
        return r ?? '';
      });
      return ok ? out : undefined;
    }
    const output = this.stackOutput(v, from);
    return output ? this.literal(output.value, output.stack) : undefined;
  }

  /** A value for a reader: the literal when known, otherwise the referenced resource's name or logical id. */
  display(value: unknown, from: StackTemplate): string {
    const known = this.literal(value, from);
    if (known !== undefined) return known;
    if (Array.isArray(value)) return value.map((x) => this.display(x, from)).join(', ');
    if (!value || typeof value !== 'object') return String(value ?? '');
    const v = value as Record<string, any>;
    if (Array.isArray(v['Fn::Join'])) {
      const [separator, parts] = v['Fn::Join'];
      return (Array.isArray(parts) ? parts : []).map((p) => this.display(p, from)).join(String(separator));
    }
    const target = this.target(v, from);
    if (target) {
      const att = v['Fn::GetAtt'];
      const attribute = Array.isArray(att) ? String(att[1]) : typeof att === 'string' ? att.split('.')[1] : undefined;
      const name = this.nameOf(target) ?? constructId(target);
      return attribute ? `(${attribute} of ${name})` : `(${name})`;
    }
    return JSON.stringify(value);
  }

  /** The human name of a resource: its bucket, alias, log group, role, ... name, when the template sets one. */
  nameOf(ref: ResourceRef): string | undefined {
    if (ref.resource.Type === 'AWS::KMS::Key') return this.aliasesOf(ref)[0];
    const p = props(ref);
    const path = NAME_PROPERTY[ref.resource.Type];
    const name = path?.reduce<any>((o, k) => (o === undefined ? undefined : o[k]), p);
    return typeof name === 'string' ? name : undefined;
  }
}

/** The property that holds a resource's human name, by type. */
const NAME_PROPERTY: Record<string, string[]> = {
  'AWS::S3::Bucket': ['BucketName'],
  'AWS::KMS::Alias': ['AliasName'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::CloudTrail::Trail': ['TrailName'],
  'AWS::IAM::Role': ['RoleName'],
  'AWS::SNS::Topic': ['TopicName'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::ECR::Repository': ['RepositoryName'],
  'AWS::Backup::BackupVault': ['BackupVaultName'],
  'AWS::Backup::BackupPlan': ['BackupPlan', 'BackupPlanName'],
  'AWS::RDS::DBInstance': ['DBInstanceIdentifier'],
  'AWS::RDS::DBCluster': ['DBClusterIdentifier'],
  'AWS::KinesisFirehose::DeliveryStream': ['DeliveryStreamName'],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ['Name'],
  'AWS::ECS::Service': ['ServiceName'],
  'AWS::ECS::Cluster': ['ClusterName'],
  'AWS::WAFv2::WebACL': ['Name'],
  'AWS::Events::Rule': ['Name'],
  'AWS::CloudWatch::Alarm': ['AlarmName'],
  'AWS::SQS::Queue': ['QueueName'],
  'AWS::DynamoDB::Table': ['TableName'],
  'AWS::Lambda::Function': ['FunctionName'],
};

/** The parts of an ARN, or undefined for anything else. */
export function parseArn(text: string): { partition: string; service: string; region: string; account: string; resource: string } | undefined {
  const m = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/.exec(text);
  return m ? { partition: m[1], service: m[2], region: m[3], account: m[4], resource: m[5] } : undefined;
}

function pseudo(name: string, from: StackTemplate): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return from.region;
    case 'AWS::AccountId':
      return from.account;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return from.stackName;
    default:
      return undefined;
  }
}

/** What `Ref` returns for resources whose name the template sets. */
function refValue(ref: ResourceRef | undefined): string | undefined {
  if (!ref) return undefined;
  const p = props(ref);
  const { region, account } = ref.stack;
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
  switch (ref.resource.Type) {
    case 'AWS::S3::Bucket':
      return str(p.BucketName);
    case 'AWS::Logs::LogGroup':
      return str(p.LogGroupName);
    case 'AWS::IAM::Role':
      return str(p.RoleName);
    case 'AWS::KMS::Alias':
      return str(p.AliasName);
    case 'AWS::Backup::BackupVault':
      return str(p.BackupVaultName);
    case 'AWS::RDS::DBInstance':
      return str(p.DBInstanceIdentifier);
    case 'AWS::ECS::Cluster':
      return str(p.ClusterName);
    case 'AWS::KinesisFirehose::DeliveryStream':
      return str(p.DeliveryStreamName);
    case 'AWS::ECR::Repository':
      return str(p.RepositoryName);
    case 'AWS::SNS::Topic':
      return typeof p.TopicName === 'string' ? `arn:aws:sns:${region}:${account}:${p.TopicName}` : undefined;
    default:
      return undefined;
  }
}

/** What `Fn::GetAtt` returns, for the attributes that follow from a name the template sets. */
function attValue(ref: ResourceRef | undefined, attribute: string): string | undefined {
  if (!ref) return undefined;
  const name = refValue(ref);
  if (name === undefined) return undefined;
  const { region, account } = ref.stack;
  if (ref.resource.Type === 'AWS::SNS::Topic') return attribute === 'TopicName' ? props(ref).TopicName : name;
  if (!attribute.endsWith('Arn')) return attribute.endsWith('Name') ? name : undefined;
  switch (ref.resource.Type) {
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${region}:${account}:log-group:${name}:*`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${account}:role/${name}`;
    case 'AWS::Backup::BackupVault':
      return `arn:aws:backup:${region}:${account}:backup-vault:${name}`;
    case 'AWS::KinesisFirehose::DeliveryStream':
      return `arn:aws:firehose:${region}:${account}:deliverystream/${name}`;
    default:
      return undefined;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
