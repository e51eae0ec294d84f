import { annexLink } from '../annex';
import { groupBy } from '../compact';
import { CellEvidence, KeyFacts } from '../cell-evidence';
import { blocks, cell, plural, table } from '../markdown';
import { ResourceRef, props } from '../template';
import { transitEndpoints } from './transmission';

/** How one data store is encrypted at rest. */
export interface AtRest {
  readonly ref: ResourceRef;
  readonly what: string;
  readonly encryption: string;
  readonly key?: KeyFacts;
}

type Extractor = (ev: CellEvidence, ref: ResourceRef) => AtRest[];

/** Reads a store's key property, or says which default applies when the template names none. */
function withKey(ev: CellEvidence, ref: ResourceRef, what: string, keyValue: unknown, encryption: string, otherwise: string): AtRest {
  return keyValue !== undefined
    ? { ref, what, encryption, key: ev.key(keyValue, ref.stack) }
    : { ref, what, encryption: otherwise };
}

/** Every kind of data store the evidence knows, and where its template says how it is encrypted. */
const DATA_STORES: Record<string, Extractor> = {
  'AWS::S3::Bucket': (ev, b) => {
    const rule = props(b).BucketEncryption?.ServerSideEncryptionConfiguration?.[0];
    const sse = rule?.ServerSideEncryptionByDefault;
    if (!sse) return [{ ref: b, what: 'S3 bucket', encryption: 'no default encryption set: S3 applies SSE-S3 (AES-256)' }];
    if (String(sse.SSEAlgorithm).startsWith('aws:kms')) {
      const bucketKey = rule.BucketKeyEnabled ? ', S3 bucket key' : '';
      return [withKey(ev, b, 'S3 bucket', sse.KMSMasterKeyID, `SSE-KMS (${sse.SSEAlgorithm})${bucketKey}`, `SSE-KMS with the AWS managed key aws/s3${bucketKey}`)];
    }
    return [{ ref: b, what: 'S3 bucket', encryption: `SSE-S3 (${sse.SSEAlgorithm}, keys managed by S3)` }];
  },
  'AWS::RDS::DBInstance': (ev, db) => database(ev, db),
  'AWS::RDS::DBCluster': (ev, db) => database(ev, db),
  'AWS::Logs::LogGroup': (ev, g) => [withKey(ev, g, 'log group', props(g).KmsKeyId, 'KMS', 'CloudWatch Logs service-managed encryption')],
  'AWS::SNS::Topic': (ev, t) => [withKey(ev, t, 'SNS topic', props(t).KmsMasterKeyId, 'SSE-KMS', '**not encrypted at rest with KMS**')],
  'AWS::SQS::Queue': (ev, q) => [withKey(ev, q, 'SQS queue', props(q).KmsMasterKeyId, 'SSE-KMS', props(q).SqsManagedSseEnabled === false ? '**not encrypted**' : 'SSE-SQS (keys managed by SQS)')],
  'AWS::SecretsManager::Secret': (ev, s) => [withKey(ev, s, 'secret', props(s).KmsKeyId, 'KMS', 'KMS with the AWS managed key aws/secretsmanager')],
  'AWS::ECR::Repository': (ev, r) => {
    const e = props(r).EncryptionConfiguration;
    return e?.EncryptionType === 'KMS'
      ? [withKey(ev, r, 'container image repository', e.KmsKey, 'KMS', 'KMS with the AWS managed key aws/ecr')]
      : [{ ref: r, what: 'container image repository', encryption: 'AES-256 (keys managed by ECR)' }];
  },
  'AWS::Backup::BackupVault': (ev, v) => [withKey(ev, v, 'backup vault', props(v).EncryptionKeyArn, 'KMS', 'AWS Backup default key')],
  'AWS::KinesisFirehose::DeliveryStream': (ev, s) => {
    const p = props(s);
    const input = p.DeliveryStreamEncryptionConfigurationInput;
    const rows: AtRest[] = [
      input?.KeyType === 'CUSTOMER_MANAGED_CMK'
        ? withKey(ev, s, 'delivery stream buffer', input.KeyARN, 'SSE-KMS (customer managed key)', 'SSE-KMS')
        : { ref: s, what: 'delivery stream buffer', encryption: input ? `SSE (${input.KeyType})` : '**no server-side encryption of the stream**' },
    ];
    const s3 = p.ExtendedS3DestinationConfiguration ?? p.S3DestinationConfiguration ?? p.HttpEndpointDestinationConfiguration?.S3Configuration;
    const kms = s3?.EncryptionConfiguration?.KMSEncryptionConfig?.AWSKMSKeyARN;
    if (s3) rows.push(withKey(ev, s, 'objects the stream writes to S3', kms, 'SSE-KMS', 'the destination bucket\'s default encryption'));
    return rows;
  },
  'AWS::DynamoDB::Table': (ev, t) => {
    const sse = props(t).SSESpecification;
    return [withKey(ev, t, 'DynamoDB table', sse?.SSEEnabled ? (sse.KMSMasterKeyId ?? 'alias/aws/dynamodb') : undefined, 'KMS', 'DynamoDB default encryption (AWS owned key)')];
  },
  'AWS::EFS::FileSystem': (ev, f) => [
    props(f).Encrypted ? withKey(ev, f, 'file system', props(f).KmsKeyId, 'KMS', 'KMS with the AWS managed key aws/elasticfilesystem') : { ref: f, what: 'file system', encryption: '**not encrypted**' },
  ],
  'AWS::Kinesis::Stream': (ev, s) => [withKey(ev, s, 'Kinesis stream', props(s).StreamEncryption?.KeyId, 'KMS', '**not encrypted**')],
};

function database(ev: CellEvidence, db: ResourceRef): AtRest[] {
  const p = props(db);
  const rows: AtRest[] = [
    p.StorageEncrypted === true || p.StorageEncrypted === 'true'
      ? withKey(ev, db, 'database storage, snapshots and automated backups', p.KmsKeyId, 'KMS', 'KMS with the AWS managed key aws/rds')
      : { ref: db, what: 'database storage', encryption: '**not encrypted**' },
  ];
  if (p.EnablePerformanceInsights) rows.push(withKey(ev, db, 'database performance insights', p.PerformanceInsightsKMSKeyId, 'KMS', 'KMS with the AWS managed key aws/rds'));
  if (p.ManageMasterUserPassword) rows.push(withKey(ev, db, 'database master password (RDS-managed secret)', p.MasterUserSecret?.KmsKeyId, 'KMS', 'KMS with the AWS managed key aws/secretsmanager'));
  return rows;
}

/** Every data store of the cell and how it is encrypted at rest, by stack. */
export function dataStoresAtRest(ev: CellEvidence): AtRest[] {
  return Object.keys(DATA_STORES)
    .flatMap((type) => ev.resources(type).flatMap((ref) => DATA_STORES[type](ev, ref)))
    .sort((a, b) => a.ref.stack.path.localeCompare(b.ref.stack.path));
}

/** Section 2: every data store with its key and whether the key rotates; every endpoint with its TLS policy. */
export function encryptionSection(ev: CellEvidence): string {
  const atRest = dataStoresAtRest(ev);
  // A key of the cell has its rotation in the keys table below; any other key's rotation is stated here.
  const keyCell = (s: AtRest) => cell(s.key ? (s.key.ref ? s.key.label : `${s.key.label} (${s.key.rotation})`) : '—');
  // Log groups are counted by key here; each one is named with its key in section 1 (b).
  const logs = groupBy(atRest.filter((s) => s.what === 'log group'), (s) => `${s.encryption}\u0000${keyCell(s)}`).map(([, xs]) => [
    `${cell(plural(xs.length, 'log group'))} ([Log groups](#log-groups))`,
    cell('log group'),
    cell(xs[0].encryption),
    keyCell(xs[0]),
  ]);
  const storeRows = [...atRest.filter((s) => s.what !== 'log group').map((s) => [ev.label(s.ref), cell(s.what), cell(s.encryption), keyCell(s)]), ...logs];

  const keyRows = ev.resources('AWS::KMS::Key').map((k) => {
    const facts = ev.key({ Ref: k.logicalId }, k.stack);
    const p = props(k);
    // Its stack and logical id are in the annex's index, with every other resource the pack names.
    ev.labelled.add(k);
    return [
      cell(facts.label),
      cell(k.stack.region),
      // Every key here is this cell's: "of cell <id>" in its description says nothing more.
      cell(String(p.Description ?? '').replace(new RegExp(` (of|in) cell ${ev.id}\\b`, 'g'), '')),
      cell(facts.rotation),
      cell(`${p.PendingWindowInDays ?? 30}-day deletion window; on stack deletion: ${k.resource.DeletionPolicy ?? 'Delete'}`),
    ];
  });
  const transit = transitEndpoints(ev);

  return blocks(
    '## 2. Encryption at rest and in transit',
    '### Data stores and their keys',
    'Every data store of this cell\'s templates and the key that encrypts it (by its alias when the key is in the app).',
    table(['Data store', 'What is encrypted', 'Encryption', 'Key (rotation: [Customer-managed keys](#customer-managed-keys))'], storeRows),
    '<a id="customer-managed-keys"></a>',
    '### Customer-managed keys',
    `Each key's stack and logical id: ${annexLink(ev.id, 'resource-index', 'Annex A7')}.`,
    table(['Key', 'Region', 'Purpose', 'Rotation', 'Protection against loss'], keyRows),
    '### In transit',
    // The same table is section 1 (e): written once, linked here.
    `${transit.length} endpoints, each with its protocol and TLS setting, and the bucket and topic policies that refuse requests without TLS: [Transmission security, section 1 (e)](#transmission).`,
  );
}
