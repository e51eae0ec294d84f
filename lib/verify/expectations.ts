import { CellConfig, PLACEHOLDER_IMAGE_DIGEST, PlatformConfig } from '../config';
import { RESTORE_TARGET_HOURS } from '../constructs/database-restore-test';
import { TemplateIndex, parseArn } from '../evidence/references';
import { ResourceRef, StackTemplate, props, resourcesOfType } from '../evidence/template';
import { IMAGE_STACK_ID } from '../deploy/preflight';
import { CellNaming, auditArchiveBucketName, phiBucketPrefix, trailName } from '../naming';

/**
 * What `npm run verify` compares the live account against: the promises of the cell's synthesized
 * templates (names, keys, retention, counts), read from the cloud assembly, never typed in twice.
 * Resources whose names CloudFormation generates are identified by stack and logical id and found
 * in the account through the stack's resource list.
 */

/** A stack of the cell as the templates declare it. */
export interface ExpectedStack {
  readonly path: string;
  readonly stackName: string;
  readonly region: string;
  readonly template: StackTemplate;
}

/** A resource identified by its stack and logical id; its physical id is looked up in the account. */
export interface StackResource {
  readonly stack: ExpectedStack;
  readonly logicalId: string;
}

export interface ExpectedArchive {
  readonly bucket: string;
  readonly region: string;
  readonly retentionDays: number;
  /** The replica archive this one replicates into, if any. */
  readonly replicaBucket?: string;
}

export interface ExpectedSiemStream extends StackResource {
  /** The archive bucket the stream writes into, if it writes to S3. */
  readonly bucket?: string;
  /** The stream's S3 prefix expression (`siem/cloudtrail/!{timestamp:yyyy/MM/dd}/`), if it writes to S3. */
  readonly prefix?: string;
}

export interface ExpectedTenantBucket {
  readonly tenantId: string;
  readonly bucket: string;
  readonly region: string;
  /** The alias (`alias/...`) of the key the bucket's default encryption names. */
  readonly keyAlias: string;
  /** The date of the offboarding expiry rule (ISO 8601), for an offboarding clinic. */
  readonly expiresOn?: string;
}

export interface CellExpectations {
  readonly platform: PlatformConfig['platform'];
  readonly cell: CellConfig;
  readonly naming: CellNaming;
  readonly primaryRegion: string;
  readonly drRegion: string;
  readonly stacks: readonly ExpectedStack[];
  /** The trail and where it writes: `<keyPrefix>/AWSLogs/<account>/CloudTrail/<region>/yyyy/MM/dd/` in the bucket. */
  readonly trail: { readonly name: string; readonly region: string; readonly bucket: string; readonly keyPrefix: string };
  readonly archives: readonly ExpectedArchive[];
  readonly siemStreams: readonly ExpectedSiemStream[];
  readonly siemErrorLogGroups: readonly StackResource[];
  /** Undefined when the organization runs AWS Config, GuardDuty and Security Hub (`detection.accountServices: organization`). */
  readonly detection?: { readonly region: string; readonly standards: readonly string[] };
  readonly alertTopics: readonly StackResource[];
  readonly alarms: readonly StackResource[];
  readonly database: { readonly instanceId: string; readonly region: string; readonly keyAlias: string; readonly multiAz: boolean };
  readonly backup: {
    readonly region: string;
    readonly vault: string;
    readonly drRegion: string;
    readonly drVault: string;
    /** Every vault of the cell, each under a vault lock. */
    readonly vaults: ReadonlyArray<{ readonly name: string; readonly region: string }>;
    /** The restore testing plan of the database, by name and as a stack resource. */
    readonly restoreTestingPlan?: StackResource & { readonly name: string };
    readonly restoreTargetHours: number;
  };
  /** Undefined while the image digest is the placeholder: the voice stack is not deployed yet. */
  readonly voice?: { readonly region: string; readonly cluster: string; readonly service: string; readonly imageDigest: string };
  readonly tenantBuckets: readonly ExpectedTenantBucket[];
}

/** A template that does not hold what verify needs: the assembly is not this app's, or is out of date. */
export class ExpectationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpectationError';
  }
}

/** Reads the cell's promises from its stacks (every stack of the app, for cross-stack references). */
export function cellExpectations(config: PlatformConfig, cellId: string, allStacks: readonly StackTemplate[]): CellExpectations {
  const cell = config.cells.find((c) => c.id === cellId);
  if (!cell) throw new ExpectationError(`The configuration has no cell "${cellId}".`);
  const naming: CellNaming = { platform: config.platform, cell };
  const templates = allStacks.filter((s) => s.cellId === cellId);
  if (templates.length === 0) throw new ExpectationError(`The cloud assembly has no stacks of cell "${cellId}"; run \`npx cdk synth\` first.`);
  const index = new TemplateIndex(allStacks);
  const stacks = templates.map((t) => ({ path: t.path, stackName: t.stackName, region: t.region, template: t }));
  const stackOf = (t: StackTemplate) => stacks.find((s) => s.template === t)!;
  const at = (ref: ResourceRef): StackResource => ({ stack: stackOf(ref.stack), logicalId: ref.logicalId });
  const all = (type: string) => resourcesOfType(templates, type);
  const literal = (ref: ResourceRef, value: unknown) => index.literal(value, ref.stack);
  const one = (type: string, what: string, filter: (r: ResourceRef) => boolean = () => true) => {
    const found = all(type).filter(filter);
    if (found.length !== 1) throw new ExpectationError(`Cell ${cellId}: expected one ${what} (${type}) in the templates, found ${found.length}.`);
    return found[0];
  };
  const keyAliasOf = (value: unknown, from: StackTemplate, what: string) => {
    const key = index.target(value, from);
    const alias = key ? index.aliasesOf(key)[0] : index.literal(value, from);
    if (!alias) throw new ExpectationError(`Cell ${cellId}: the key of ${what} cannot be read from the templates.`);
    return alias.startsWith('alias/') ? alias : `alias/${alias}`;
  };

  // The audit archives, by their deterministic names, with the retention their template locks.
  const archives = [cell.primaryRegion, cell.drRegion].map((region) => {
    const name = auditArchiveBucketName(naming, region);
    const ref = one('AWS::S3::Bucket', `audit archive ${name}`, (r) => r.stack.region === region && literal(r, props(r).BucketName) === name);
    const retention = props(ref).ObjectLockConfiguration?.Rule?.DefaultRetention ?? {};
    const retentionDays = retention.Days !== undefined ? Number(retention.Days) : Number(retention.Years) * 365;
    const destination = props(ref).ReplicationConfiguration?.Rules?.[0]?.Destination?.Bucket;
    const replicaBucket = destination ? parseArn(String(index.literal(destination, ref.stack)))?.resource : undefined;
    return { bucket: name, region, retentionDays, ...(replicaBucket ? { replicaBucket } : {}) };
  });

  const streams = all('AWS::KinesisFirehose::DeliveryStream');
  const siemStreams = streams.map((ref) => {
    const s3 = props(ref).ExtendedS3DestinationConfiguration;
    const bucketArn = s3 ? index.literal(s3.BucketARN, ref.stack) : undefined;
    return { ...at(ref), ...(s3 && bucketArn ? { bucket: parseArn(bucketArn)?.resource, prefix: String(s3.Prefix) } : {}) };
  });
  const errorGroups = new Map<string, StackResource>();
  for (const ref of streams) {
    const p = props(ref);
    const logging = (p.ExtendedS3DestinationConfiguration ?? p.HttpEndpointDestinationConfiguration)?.CloudWatchLoggingOptions;
    const target = logging ? index.target(logging.LogGroupName, ref.stack) : undefined;
    if (target) errorGroups.set(`${target.stack.path}#${target.logicalId}`, at(target));
  }

  const detection =
    cell.detection.accountServices === 'organization'
      ? undefined
      : {
          region: cell.primaryRegion,
          standards: all('AWS::SecurityHub::Standard').map((r) => String(literal(r, props(r).StandardsArn))),
        };

  const db = one('AWS::RDS::DBInstance', 'database');
  const instanceId = String(literal(db, props(db).DBInstanceIdentifier));
  const plan = one('AWS::Backup::BackupPlan', 'backup plan');
  const rule = props(plan).BackupPlan.BackupPlanRule[0];
  const vault = literal(plan, rule.TargetBackupVault) ?? String(index.nameOf(index.target(rule.TargetBackupVault, plan.stack)!));
  const copyTo = parseArn(String(literal(plan, rule.CopyActions?.[0]?.DestinationBackupVaultArn)));
  if (!copyTo) throw new ExpectationError(`Cell ${cellId}: the backup plan has no copy action to the DR vault.`);
  const restorePlans = all('AWS::Backup::RestoreTestingPlan');

  const voice = (() => {
    if (cell.voice.imageDigest === PLACEHOLDER_IMAGE_DIGEST) return undefined;
    const service = one('AWS::ECS::Service', 'voice service');
    const cluster = index.target(props(service).Cluster, service.stack);
    return {
      region: service.stack.region,
      cluster: String(cluster ? literal(cluster, props(cluster).ClusterName) : literal(service, props(service).Cluster)),
      service: String(literal(service, props(service).ServiceName)),
      imageDigest: cell.voice.imageDigest,
    };
  })();

  const prefix = phiBucketPrefix(naming);
  const tenantBuckets = all('AWS::S3::Bucket').flatMap((ref) => {
    const name = literal(ref, props(ref).BucketName);
    const tenantId = /^[^/]+\/Tenant(?:Replica)?-(.+)$/.exec(ref.stack.path)?.[1];
    if (!name?.startsWith(prefix) || !tenantId) return [];
    const p = props(ref);
    const byDefault = p.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault ?? {};
    const expiry = (p.LifecycleConfiguration?.Rules ?? []).find((r: any) => r.Id === 'offboarding')?.ExpirationDate;
    return [
      {
        tenantId,
        bucket: name,
        region: ref.stack.region,
        keyAlias: keyAliasOf(byDefault.KMSMasterKeyID, ref.stack, `bucket ${name}`),
        ...(expiry ? { expiresOn: String(expiry) } : {}),
      },
    ];
  });

  return {
    platform: config.platform,
    cell,
    naming,
    primaryRegion: cell.primaryRegion,
    drRegion: cell.drRegion,
    // The voice stack is left out of a deploy while the image is the placeholder (`--allow-placeholder-image`).
    stacks: voice ? stacks : stacks.filter((s) => s.path !== `${cell.id}/${IMAGE_STACK_ID}`),
    trail: (() => {
      const name = trailName(naming);
      const ref = one('AWS::CloudTrail::Trail', `trail ${name}`, (r) => literal(r, props(r).TrailName) === name);
      return { name, region: ref.stack.region, bucket: String(literal(ref, props(ref).S3BucketName)), keyPrefix: String(props(ref).S3KeyPrefix ?? '') };
    })(),
    archives,
    siemStreams,
    siemErrorLogGroups: [...errorGroups.values()],
    detection,
    alertTopics: all('AWS::SNS::Topic').map(at),
    alarms: all('AWS::CloudWatch::Alarm').map(at),
    database: {
      instanceId,
      region: db.stack.region,
      keyAlias: keyAliasOf(props(db).KmsKeyId, db.stack, 'the database'),
      multiAz: props(db).MultiAZ === true || props(db).MultiAZ === 'true',
    },
    backup: {
      region: plan.stack.region,
      vault,
      drRegion: copyTo.region,
      drVault: copyTo.resource.replace(/^backup-vault:/, ''),
      vaults: all('AWS::Backup::BackupVault').map((r) => ({ name: String(literal(r, props(r).BackupVaultName)), region: r.stack.region })),
      ...(restorePlans.length > 0
        ? { restoreTestingPlan: { ...at(restorePlans[0]), name: String(literal(restorePlans[0], props(restorePlans[0]).RestoreTestingPlanName)) } }
        : {}),
      restoreTargetHours: RESTORE_TARGET_HOURS,
    },
    voice,
    tenantBuckets,
  };
}
