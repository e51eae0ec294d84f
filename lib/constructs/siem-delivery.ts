import { ArnFormat, CfnDeletionPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { rules as nagRules } from 'cdk-nag';
import { Construct, IDependable } from 'constructs';
import { acknowledge, acknowledgeProviderCredential } from '../compliance/acknowledge';
import { SiemEndpointConfig } from '../config';
import { EncryptedLogGroup, LogRetention } from './encrypted-log-group';
import { ScopedRole } from './scoped-role';

/** The log sources a cell delivers to its SIEM, one delivery stream (or two) each. */
export type SiemSource = 'cloudtrail' | 'vpc-flow-logs' | 'waf' | 'database-audit' | 'voice-audit';

/** Construct ids per source: stable, so that logical ids never change when sources are added. */
const SOURCE_IDS: Record<SiemSource, string> = {
  cloudtrail: 'CloudTrail',
  'vpc-flow-logs': 'VpcFlowLogs',
  waf: 'Waf',
  'database-audit': 'DatabaseAudit',
  'voice-audit': 'VoiceAudit',
};

/** Key prefixes in the staging bucket and the audit archives; each source writes below `<prefix>/<source>/`. */
export const SIEM_ARCHIVE_PREFIXES = {
  /** Delivered log data, by day. */
  delivered: 'siem',
  /** Records Firehose could not write, by error type and day. */
  errors: 'siem-errors',
  /** Records the external SIEM did not accept within the retry window, by day. */
  httpFailed: 'siem-http-failed',
} as const;

/**
 * Into the archive: at most 5 minutes or 64 MiB per object. The archive keeps every object for
 * the audit retention under Object Lock, so fewer, larger objects keep object counts (and cold
 * storage per-object overhead) low, while a record reaches the archive within five minutes.
 */
const ARCHIVE_BUFFERING: firehose.CfnDeliveryStream.BufferingHintsProperty = { intervalInSeconds: 300, sizeInMBs: 64 };
/** To the SIEM: within a minute, in requests of 1 MiB that every SIEM ingestion API accepts. */
const SIEM_BUFFERING: firehose.CfnDeliveryStream.BufferingHintsProperty = { intervalInSeconds: 60, sizeInMBs: 1 };
/** How long Firehose retries the SIEM before the data goes to `siem-http-failed/` in the archive. */
const SIEM_RETRY_SECONDS = 3600;

export interface SiemDeliveryProps {
  /**
   * The SIEM staging bucket, which receives every record of every source and replicates it into the
   * Object Lock archives (Firehose cannot write into a bucket with default retention itself).
   */
  readonly stagingBucket: s3.IBucket;
  /** The audit key: encrypts the delivery streams and the objects they write. */
  readonly archiveKey: kms.IKey;
  /** Encrypts the delivery error log group. */
  readonly logsKey: kms.IKey;
  /** The cell's retention settings. */
  readonly retention: LogRetention;
  /**
   * An external SIEM that receives a copy of every source (config `cells[].siem`, validated for a
   * BAA, a DPA in the EU and processing inside the jurisdiction).
   * @default - the archive only
   */
  readonly siem?: SiemEndpointConfig;
  /**
   * Encrypts the SIEM access key secret. Required when `siem` is set.
   * @default - none
   */
  readonly secretsKey?: kms.IKey;
}

/** The delivery streams of one source. */
export interface SiemSourceStreams {
  /** Delivers under `siem/<source>/` of the staging bucket, replicated into the audit archives. */
  readonly archive: firehose.CfnDeliveryStream;
  /** Delivers to the external SIEM, if one is configured. */
  readonly siem?: firehose.CfnDeliveryStream;
}

/**
 * SIEM log delivery of a cell: CloudWatch Logs subscription filters feed one Kinesis Data Firehose
 * delivery stream per source into the SIEM staging bucket, which S3 replication copies into the
 * Object Lock archives (and, with an external SIEM configured, a second stream per source to its
 * HTTPS endpoint, with undeliverable data kept the same way).
 *
 * Streams are created on the first `subscribe()` of their source. Everything is encrypted with the
 * cell's audit key; the two roles may do exactly this delivery and nothing else. Subscription
 * filters live in the stack of their log group, so the stack of this construct never depends on
 * the stacks it collects from.
 *
 * The audit key policy must let Firehose use the key (`viaServices: ['s3', 'firehose']` in
 * KeysStack): Firehose creates a grant on it for server-side encryption of the streams.
 */
export class SiemDelivery extends Construct {
  /** The role Firehose assumes to write into the staging bucket (and to read the SIEM access key). */
  public readonly deliveryRole: ScopedRole;
  /** The role CloudWatch Logs assumes to put subscription records into the streams. */
  public readonly subscriptionRole: ScopedRole;
  /** Delivery errors of every stream of this construct. */
  public readonly errorLogGroup: EncryptedLogGroup;
  /** The SIEM access key, if an external SIEM is configured; operators set its `api_key`. */
  public readonly siemSecret?: secretsmanager.CfnSecret;

  private readonly props: SiemDeliveryProps;
  private readonly streams = new Map<SiemSource, SiemSourceStreams>();
  private readonly deliveryPermissions: IDependable;
  private subscriptionPermissions?: IDependable;

  constructor(scope: Construct, id: string, props: SiemDeliveryProps) {
    super(scope, id);
    this.props = props;
    if (props.siem && !props.secretsKey) {
      throw new Error(`${this.node.path}: an external SIEM ("${props.siem.name}") needs secretsKey to encrypt its access key`);
    }
    const stack = Stack.of(this);
    const { stagingBucket, archiveKey } = props;

    this.errorLogGroup = new EncryptedLogGroup(this, 'DeliveryErrors', {
      logClass: 'operational',
      retention: props.retention,
      encryptionKey: props.logsKey,
    });

    this.deliveryRole = new ScopedRole(this, 'DeliveryRole', {
      description: 'Lets Kinesis Data Firehose of this account deliver SIEM log streams into the SIEM staging bucket',
      // The condition Firehose documents for its role: the account id as external id
      // (https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html).
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': stack.account } },
      }),
    });
    const prefixes: string[] = [SIEM_ARCHIVE_PREFIXES.delivered, SIEM_ARCHIVE_PREFIXES.errors];
    if (props.siem) prefixes.push(SIEM_ARCHIVE_PREFIXES.httpFailed);
    const objectArns = prefixes.map((prefix) => `${stagingBucket.bucketArn}/${prefix}/*`);
    this.deliveryPermissions = this.deliveryRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ArchiveBucket',
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [stagingBucket.bucketArn],
      }),
    ).policyDependable!;
    this.deliveryRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteSiemPrefixes',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: objectArns,
      }),
    );
    this.deliveryRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptArchiveObjects',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [archiveKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
          // The staging bucket uses S3 bucket keys (context: the bucket); without them the context is the object.
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [stagingBucket.bucketArn, ...objectArns] },
        },
      }),
    );

    this.subscriptionRole = new ScopedRole(this, 'SubscriptionRole', {
      description: 'Lets CloudWatch Logs of this account and region put subscription records into the SIEM delivery streams',
      assumedBy: new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:*` },
        },
      }),
    });

    // Callers of PutRecord on a stream encrypted with a customer managed key must be able to use the key.
    // https://docs.aws.amazon.com/firehose/latest/dev/encryption.html
    this.subscriptionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptRecordsOfTheStreams',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [archiveKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `firehose.${stack.region}.amazonaws.com` } },
      }),
    );

    if (props.siem) {
      this.siemSecret = this.createSiemSecret(props.siem, props.secretsKey!);
    }
    this.node.addValidation({ validate: () => this.acknowledgeObjectPrefixWildcards() });
  }

  /** The delivery streams of a source, once something has subscribed to it. */
  public streamsOf(source: SiemSource): SiemSourceStreams | undefined {
    return this.streams.get(source);
  }

  /**
   * Sends everything a log group receives to the SIEM delivery of `source`: a subscription filter
   * to the archive stream and, with an external SIEM, a second one to its stream (CloudWatch Logs
   * allows two subscription filters per log group, so the log group must have no other).
   *
   * @param scope where the subscription filters are created; by default under the log group, in
   *   its own stack, which then depends on the stack of this construct (never the other way round)
   * @returns the subscription filters created
   */
  public subscribe(logGroup: logs.ILogGroup, source: SiemSource, scope?: Construct): logs.CfnSubscriptionFilter[] {
    const here = Stack.of(this);
    const there = Stack.of(scope ?? logGroup);
    for (const other of [Stack.of(logGroup), there]) {
      if (other.account !== here.account || other.region !== here.region) {
        throw new Error(
          `${this.node.path}: cannot subscribe ${logGroup.node.path} from ${other.node.path} (${other.account}/${other.region}); ` +
            `CloudWatch Logs delivers only to streams of its own account and region (${here.account}/${here.region})`,
        );
      }
    }
    if (there !== here && this.upstreamStacks().has(there)) {
      throw new Error(
        `${this.node.path}: ${there.node.path} would depend on ${here.node.path}, which already depends on it; ` +
          'pass a scope in a stack that may depend on both',
      );
    }

    const existing = this.node.root.node
      .findAll()
      .filter((c) => c instanceof logs.CfnSubscriptionFilter && c.logGroupName === logGroup.logGroupName).length;
    const adding = this.props.siem ? 2 : 1;
    if (existing + adding > 2) {
      throw new Error(
        `${this.node.path}: ${logGroup.node.path} has ${existing} subscription filter(s) already and needs ${adding} more; ` +
          'CloudWatch Logs allows two per log group',
      );
    }

    const { archive, siem } = this.streamsFor(source);
    const parent = scope ?? logGroup;
    const filters = [this.subscription(parent, logGroup, source, 'archive', archive)];
    if (siem) filters.push(this.subscription(parent, logGroup, source, 'siem', siem));
    return filters;
  }

  /** One subscription filter: every event of the log group into one stream, through the subscription role. */
  private subscription(
    parent: Construct,
    logGroup: logs.ILogGroup,
    source: SiemSource,
    kind: 'archive' | 'siem',
    stream: firehose.CfnDeliveryStream,
  ): logs.CfnSubscriptionFilter {
    const filter = new logs.CfnSubscriptionFilter(parent, `${this.node.id}${SOURCE_IDS[source]}${kind === 'archive' ? 'Archive' : 'Siem'}`, {
      logGroupName: logGroup.logGroupName,
      filterName: `${this.node.id}-${source}-${kind}`,
      // Empty pattern: every event, so the archive is complete.
      filterPattern: '',
      destinationArn: stream.attrArn,
      roleArn: this.subscriptionRole.roleArn,
    });
    // CloudWatch Logs tests the destination with the role when the filter is created.
    filter.node.addDependency(stream, this.subscriptionPermissions!);
    return filter;
  }

  /** Every stack the stack of this construct depends on, directly or through the resources it is given. */
  private upstreamStacks(): Set<Stack> {
    const { stagingBucket, archiveKey, logsKey, secretsKey } = this.props;
    const upstream = new Set<Stack>();
    const visit = (stack: Stack) => {
      if (upstream.has(stack)) return;
      upstream.add(stack);
      stack.dependencies.forEach(visit);
    };
    Stack.of(this).dependencies.forEach(visit);
    [stagingBucket, archiveKey, logsKey, secretsKey].forEach((resource) => resource && visit(Stack.of(resource)));
    upstream.delete(Stack.of(this));
    return upstream;
  }

  private streamsFor(source: SiemSource): SiemSourceStreams {
    let streams = this.streams.get(source);
    if (!streams) {
      const archive = this.archiveStream(source);
      const siem = this.props.siem ? this.siemStream(source, this.props.siem) : undefined;
      streams = { archive, siem };
      this.streams.set(source, streams);
      this.subscriptionPermissions = this.subscriptionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
          resources: [archive.attrArn, ...(siem ? [siem.attrArn] : [])],
        }),
      ).policyDependable;
    }
    return streams;
  }

  /** DirectPut stream of one source into `siem/<source>/` of the staging bucket. */
  private archiveStream(source: SiemSource): firehose.CfnDeliveryStream {
    const id = SOURCE_IDS[source];
    const stream = new firehose.CfnDeliveryStream(this, `${id}Archive`, {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: this.props.archiveKey.keyArn },
      extendedS3DestinationConfiguration: {
        ...this.archiveDestination(
          `${SIEM_ARCHIVE_PREFIXES.delivered}/${source}/!{timestamp:yyyy/MM/dd}/`,
          `${SIEM_ARCHIVE_PREFIXES.errors}/${source}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
          `${source}-archive`,
          `ErrorLog${id}Archive`,
        ),
        // Subscription payloads are gzip already: objects hold concatenated gzip members.
        fileExtension: '.gz',
        s3BackupMode: 'Disabled',
      },
    });
    stream.node.addDependency(this.deliveryPermissions);
    return stream;
  }

  /** DirectPut stream of one source to the external SIEM; what it refuses is kept like every other copy. */
  private siemStream(source: SiemSource, siem: SiemEndpointConfig): firehose.CfnDeliveryStream {
    const id = SOURCE_IDS[source];
    const stream = new firehose.CfnDeliveryStream(this, `${id}Siem`, {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: this.props.archiveKey.keyArn },
      httpEndpointDestinationConfiguration: {
        endpointConfiguration: { url: siem.url, name: siem.name },
        secretsManagerConfiguration: { enabled: true, secretArn: this.siemSecret!.ref, roleArn: this.deliveryRole.roleArn },
        requestConfiguration: {
          contentEncoding: 'GZIP',
          commonAttributes: [{ attributeName: 'source', attributeValue: source }],
        },
        bufferingHints: SIEM_BUFFERING,
        retryOptions: { durationInSeconds: SIEM_RETRY_SECONDS },
        roleArn: this.deliveryRole.roleArn,
        cloudWatchLoggingOptions: this.loggingOptions(`${source}-siem`, `ErrorLog${id}Siem`),
        s3BackupMode: 'FailedDataOnly',
        s3Configuration: this.archiveDestination(
          `${SIEM_ARCHIVE_PREFIXES.httpFailed}/${source}/!{timestamp:yyyy/MM/dd}/`,
          `${SIEM_ARCHIVE_PREFIXES.httpFailed}/${source}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
          `${source}-siem-failed`,
          `ErrorLog${id}SiemFailed`,
        ),
      },
    });
    stream.node.addDependency(this.deliveryPermissions);
    return stream;
  }

  /** An S3 destination in the staging bucket: KMS with the audit key, no second compression. */
  private archiveDestination(
    prefix: string,
    errorOutputPrefix: string,
    logStreamName: string,
    logStreamId: string,
  ): firehose.CfnDeliveryStream.S3DestinationConfigurationProperty {
    return {
      bucketArn: this.props.stagingBucket.bucketArn,
      roleArn: this.deliveryRole.roleArn,
      prefix,
      errorOutputPrefix,
      // CloudWatch Logs subscription payloads are gzip-compressed already.
      compressionFormat: 'UNCOMPRESSED',
      bufferingHints: ARCHIVE_BUFFERING,
      encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: this.props.archiveKey.keyArn } },
      cloudWatchLoggingOptions: this.loggingOptions(logStreamName, logStreamId),
    };
  }

  /** A log stream of the error log group that only this delivery may write to. */
  private loggingOptions(logStreamName: string, id: string): firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty {
    new logs.LogStream(this, id, { logGroup: this.errorLogGroup, logStreamName });
    const stack = Stack.of(this);
    this.deliveryRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:PutLogEvents'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${this.errorLogGroup.logGroupName}:log-stream:${logStreamName}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    return { enabled: true, logGroupName: this.errorLogGroup.logGroupName, logStreamName };
  }

  /** The SIEM access key, in the JSON form Firehose reads (`api_key`). */
  private createSiemSecret(siem: SiemEndpointConfig, secretsKey: kms.IKey): secretsmanager.CfnSecret {
    const secret = new secretsmanager.CfnSecret(this, 'SiemAccessKey', {
      description: `Access key of the SIEM ${siem.name} for this cell's log delivery; operators replace the generated placeholder with the key the SIEM issued`,
      kmsKeyId: secretsKey.keyArn,
      // A random placeholder until operators store the real key: until then the SIEM refuses the
      // requests and Firehose keeps the data under siem-http-failed/, which reaches the archives.
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'api_key', excludePunctuation: true, passwordLength: 64 },
    });
    secret.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
    secret.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;

    const stack = Stack.of(this);
    this.deliveryRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSiemAccessKey',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secret.ref],
      }),
    );
    this.deliveryRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptSiemAccessKey',
        actions: ['kms:Decrypt'],
        resources: [secretsKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com`,
            'kms:EncryptionContext:SecretARN': secret.ref,
          },
        },
      }),
    );

    const rotation =
      `The access key of the SIEM ${siem.name} is issued by the SIEM provider and can only be replaced in the provider's ` +
      'console; a rotation function cannot create a new key there. Operators rotate it with the provider on the ' +
      'schedule of the security policy and store the new value here; only the SIEM delivery role may read it.';
    acknowledgeProviderCredential(secret, rotation);
    return secret;
  }

  /**
   * Firehose names the objects it writes, so the delivery role can only be given object ARNs that
   * end in `<prefix>/*`. The AwsSolutions finding names the bucket as the template will (its
   * GetAtt in this stack, an output reference from another stack), which is known only once the
   * references are resolved, so the acknowledgement is made here, at synthesis, for exactly these
   * prefixes of the staging bucket and nothing else.
   */
  private acknowledgeObjectPrefixWildcards(): string[] {
    const policy = this.deliveryRole.node.findChild('Permissions').node.defaultChild as iam.CfnManagedPolicy;
    const findings = nagRules.iam.IAMNoWildcardPermissions(policy);
    if (!Array.isArray(findings)) return [];
    const suffixes = Object.values(SIEM_ARCHIVE_PREFIXES).map((prefix) => `/${prefix}/*`);
    for (const finding of findings) {
      if (finding.startsWith('Resource::') && suffixes.some((s) => finding.endsWith(s))) {
        acknowledge(
          policy.node.scope!,
          `AwsSolutions-IAM5[${finding}]`,
          'Kinesis Data Firehose chooses the key of every object it writes, so the delivery role can only be allowed ' +
            'PutObject and AbortMultipartUpload on the SIEM prefixes of the SIEM staging bucket (siem/, siem-errors/, ' +
            'siem-http-failed/); it cannot read, delete or write anything else, and S3 replication puts what it wrote under ' +
            'Object Lock in the audit archives.',
        );
      }
    }
    return [];
  }
}
