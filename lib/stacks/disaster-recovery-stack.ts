import * as config from 'aws-cdk-lib/aws-config';
import * as guardduty from 'aws-cdk-lib/aws-guardduty';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { alertRule, configRecorder, configServiceLinkedRole, findingAlerts, securityHub } from '../constructs/account-detection';
import { alertTopicKey } from '../constructs/alert-topic-key';
import { guardDutyDetector } from '../constructs/guardduty-detector';
import { AccessLogBucket } from '../constructs/access-log-bucket';
import { AlertDeliveryWatch, denySubscribeExceptDeployPath } from '../constructs/alert-delivery-watch';
import { AuditArchiveBucket } from '../constructs/audit-archive-bucket';
import { ConfigHistoryBucket } from '../constructs/config-history-bucket';
import { LockedBackupVault } from '../constructs/locked-backup-vault';
import { PlatformKey } from '../constructs/platform-key';
import { accessLogBucketName, auditArchiveBucketName, backupVaultName, cellPrefix, configHistoryBucketName, databaseKeyUserArns, deployPathRoleArns, keyAliasName, phiBucketPrefix } from '../naming';
import { CellStack, CellStackProps } from './cell-stack';

/**
 * The cell's resources in its disaster-recovery region (inside the same jurisdiction): the replica
 * of the audit archive and the keys that encrypt replicas. The primary region finds them by
 * deterministic names and alias ARNs derived from config, never by CDK cross-region references.
 */
export class DisasterRecoveryStack extends CellStack {
  /** The audit key in the DR region, same alias as in the primary region. */
  public readonly auditKey: PlatformKey;
  public readonly accessLogs: AccessLogBucket;
  public readonly auditArchive: AuditArchiveBucket;
  /** Receives a copy of every recovery point of the primary region's vault. */
  public readonly backupVault: LockedBackupVault;
  /**
   * GuardDuty, Security Hub and AWS Config in the DR region, which holds PHI replicas and backup
   * copies; absent when the organization runs them for the account.
   */
  public readonly detector?: guardduty.CfnDetector;
  public readonly securityHub?: securityhub.CfnHub;
  public readonly recorder?: config.CfnConfigurationRecorder;
  public readonly deliveryChannel?: config.CfnDeliveryChannel;
  /** AWS Config history of the DR region; absent when the organization runs AWS Config. */
  public readonly configHistory?: ConfigHistoryBucket;
  /** The account's AWS Config service-linked role: this stack is the cell's first to deploy. */
  public readonly configServiceLinkedRole?: iam.CfnServiceLinkedRole;
  /** The breach-notification contacts, told of threats to the DR region's data. */
  public readonly alertTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: CellStackProps) {
    super(scope, id, {
      description: `Disaster-recovery replicas of cell ${props.cell.id} in ${props.cell.drRegion}`,
      env: { account: props.cell.account, region: props.cell.drRegion },
      ...props,
    });

    this.auditKey = new PlatformKey(this, 'AuditKey', {
      alias: keyAliasName(this, 'audit'),
      description: `Encrypts the DR replica of the audit archive of cell ${this.cell.id}`,
      protectFromDisabling: true,
      viaServices: ['s3'],
    });
    this.accessLogs = new AccessLogBucket(this, 'AccessLogs', {
      bucketName: accessLogBucketName(this, this.cell.drRegion),
      retentionDays: this.cell.retention.accessLogDays,
      acceptLogsFromBucketsPrefixed: phiBucketPrefix(this),
    });
    this.auditArchive = new AuditArchiveBucket(this, 'AuditArchive', {
      bucketName: auditArchiveBucketName(this, this.cell.drRegion),
      encryptionKey: this.auditKey,
      retentionDays: this.cell.retention.auditDays,
      coldAfterDays: this.cell.retention.archiveColdAfterDays,
      serverAccessLogsBucket: this.accessLogs,
    });
    const backupKey = new PlatformKey(this, 'BackupKey', {
      alias: keyAliasName(this, 'backup'),
      description: `Encrypts DR copies of AWS Backup recovery points of cell ${this.cell.id}`,
      protectFromDisabling: true,
      // RDS snapshots are copied across regions by RDS itself, re-encrypted with this key.
      viaServices: ['backup', 'rds'],
      viaServicePrincipalArns: databaseKeyUserArns(this),
    });
    this.backupVault = new LockedBackupVault(this, 'BackupVault', {
      backupVaultName: backupVaultName(this, this.cell.drRegion),
      encryptionKey: backupKey,
      copyTargetArns: [],
      deployPathRoleArns: deployPathRoleArns(this),
    });

    const isReplica =
      'This bucket is the disaster-recovery replica of the audit archive in the primary region; replicating the ' +
      'replica again would copy audit records to a third region for no recovery benefit.';
    acknowledge(this.auditArchive, 'HIPAA.Security-S3BucketReplicationEnabled', isReplica);
    acknowledge(this.auditArchive, 'NIST.800.53.R5-S3BucketReplicationEnabled', isReplica);

    // The DR region holds PHI replicas and backup copies: threats there reach the same contacts.
    if (this.cell.detection.accountServices === 'cell') {
      this.detector = guardDutyDetector(this, 'Detector');
      this.securityHub = securityHub(this);
      // IAM is global: the primary region's recorder uses this role too (its stacks deploy after this one).
      this.configServiceLinkedRole = configServiceLinkedRole(this);
      // As in the primary region: AWS Config encrypts what it delivers with the bucket's key.
      // https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key.html
      this.auditKey.allowServicePrincipal('ConfigWritesSnapshots', 'config.amazonaws.com', ['kms:GenerateDataKey*', 'kms:Decrypt']);
      this.configHistory = new ConfigHistoryBucket(this, 'ConfigHistory', {
        bucketName: configHistoryBucketName(this, this.region),
        encryptionKey: this.auditKey,
        serverAccessLogsBucket: this.accessLogs,
        retentionDays: this.cell.retention.auditDays,
      });
      const { recorder, deliveryChannel } = configRecorder(this, {
        bucketName: configHistoryBucketName(this, this.region),
        key: this.auditKey,
        // Global resources (IAM) are recorded once, in the primary region.
        globalResources: false,
      });
      recorder.node.addDependency(this.configServiceLinkedRole);
      // AWS Config test-writes to the bucket when the channel is created.
      deliveryChannel.node.addDependency(this.configHistory);
      this.recorder = recorder;
      this.deliveryChannel = deliveryChannel;
    }
    this.alertTopic = this.createAlerts();
  }

  /**
   * GuardDuty and Security Hub findings of the DR region (the organization's services, or this
   * stack's) to the breach-notification contacts, through a topic and key of this region:
   * EventBridge rules see only their own region's events. Messages carry ids and a console link,
   * never the finding.
   */
  private createAlerts(): sns.Topic {
    const topicName = `${cellPrefix(this)}-security-alerts`;
    const topicArn = `arn:${this.partition}:sns:${this.region}:${this.account}:${topicName}`;
    const key = alertTopicKey(this, {
      alias: keyAliasName(this, 'alerts'),
      description: `Encrypts the security alert topic of cell ${this.cell.id} in its DR region`,
      topicArn,
    });
    const topic = new sns.Topic(this, 'AlertTopic', {
      topicName,
      displayName: `${cellPrefix(this)} security alerts (${this.region})`,
      masterKey: key,
      enforceSSL: true,
      signatureVersion: '2',
    });
    for (const email of this.cell.alerts.emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const url of this.cell.alerts.httpsEndpoints) topic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    denySubscribeExceptDeployPath(topic, deployPathRoleArns(this));
    const delivery = new AlertDeliveryWatch(this, 'AlertDelivery', {
      namePrefix: cellPrefix(this),
      keyAlias: keyAliasName(this, 'alerts-fallback'),
      alerts: this.cell.alerts,
      alertTopic: topic,
      deployPathRoleArns: deployPathRoleArns(this),
    });

    const rules = Object.entries(findingAlerts(this.region, ` in the DR region ${this.region}`)).map(([id, spec]) =>
      alertRule(this, id, { spec, namePrefix: cellPrefix(this), cellId: this.cell.id, topic, deadLetterQueue: delivery.deadLetterQueue }),
    );
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlertRuleOfThisRegionPublishes',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rules.map((rule) => rule.ruleArn) } },
      }),
    );
    return topic;
  }
}
