import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as config from 'aws-cdk-lib/aws-config';
import * as events from 'aws-cdk-lib/aws-events';
import * as guardduty from 'aws-cdk-lib/aws-guardduty';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { AlertSpec, alertRule, configRecorder, findingAlerts, securityHub } from '../constructs/account-detection';
import { AlertDeliveryWatch, denySubscribeExceptDeployPath } from '../constructs/alert-delivery-watch';
import { alertTopicKey } from '../constructs/alert-topic-key';
import { guardDutyDetector } from '../constructs/guardduty-detector';
import { PlatformKey } from '../constructs/platform-key';
import {
  auditArchiveBucketName,
  breakGlassRoleName,
  cellPrefix,
  backupVaultName,
  configHistoryBucketName,
  deployPathRoleArns,
  keyAliasName,
  phiBucketPrefix,
  protectedRoleNamePatterns,
  roleArn,
  siemStagingBucketName,
} from '../naming';
import { CellStack, CellStackProps } from './cell-stack';

export { CONFIG_KEY_PREFIX, SECURITY_HUB_STANDARDS } from '../constructs/account-detection';

/** HIPAA Security Rule safeguards (45 CFR) that the Config rules give evidence for. */
const HIPAA = {
  activityReview: '164.308(a)(1)(ii)(D) information system activity review',
  accessManagement: '164.308(a)(4) information access management',
  malwareProtection: '164.308(a)(5)(ii)(B) protection from malicious software',
  passwordManagement: '164.308(a)(5)(ii)(D) password management',
  dataBackup: '164.308(a)(7)(ii)(A) data backup plan',
  disasterRecovery: '164.308(a)(7)(ii)(B) disaster recovery plan',
  accessControl: '164.312(a)(1) access control',
  encryption: '164.312(a)(2)(iv) encryption and decryption',
  auditControls: '164.312(b) audit controls',
  integrity: '164.312(c)(1) integrity',
  authentication: '164.312(d) person or entity authentication',
  transmissionSecurity: '164.312(e)(1) transmission security',
} as const;

/** A managed AWS Config rule of the HIPAA Security conformance pack that applies to this platform. */
interface ConfigRuleSpec {
  /** Construct id and, in kebab case, the rule name. */
  readonly id: string;
  readonly identifier: string;
  /** The HIPAA Security Rule safeguard the rule gives evidence for, shown in the Config console. */
  readonly safeguard: string;
  readonly inputParameters?: Record<string, unknown>;
}

/** CloudTrail-delivered API calls on the default event bus. */
const API_CALL = 'AWS API Call via CloudTrail';

/**
 * What an alert about an API call says: which call, whether it failed, the kind of principal and
 * the role it came through, never a session or user name.
 */
const API_CALL_FIELDS = {
  eventName: '$.detail.eventName',
  eventId: '$.detail.eventID',
  eventTime: '$.detail.eventTime',
  errorCode: '$.detail.errorCode',
  principalType: '$.detail.userIdentity.type',
  principalRole: '$.detail.userIdentity.sessionContext.sessionIssuer.arn',
};


export interface DetectionStackProps extends CellStackProps {
  /** The cell's multi-region CloudTrail log group (Audit stack). */
  readonly trailLogGroup: logs.ILogGroup;
  /** The cell's audit key in the primary region (Keys stack): encrypts AWS Config deliveries. */
  readonly auditKey: kms.IKey;
}

/**
 * Threat detection and breach alerting of a cell: GuardDuty, Security Hub, AWS Config rules, and
 * EventBridge rules that notify the breach-notification contacts.
 *
 * GuardDuty, Security Hub and the Config recorder are singletons per account and region; this
 * stack owns them because a cell is one account in one primary region.
 */
export class DetectionStack extends CellStack {
  /** Absent when the organization runs GuardDuty, Security Hub and AWS Config for the account. */
  public readonly detector?: guardduty.CfnDetector;
  public readonly securityHub?: securityhub.CfnHub;
  public readonly recorder?: config.CfnConfigurationRecorder;
  public readonly deliveryChannel?: config.CfnDeliveryChannel;
  public readonly configRules: config.ManagedRule[] = [];
  /** Encrypts the alert topic; usable only by EventBridge and SNS for that topic. */
  public readonly alertsKey: PlatformKey;
  /** Where every security alert of the cell goes: the breach-notification contacts. */
  public readonly alertTopic: sns.Topic;
  /** The EventBridge rules that publish to the alert topic, by construct id. */
  public readonly alertRules: Record<string, events.Rule> = {};
  /** Alarms on the multi-region trail log group: the same breach events, from every region. */
  public readonly trailAlarms: cloudwatch.Alarm[] = [];
  /** Tells the breach contacts when SIEM copies fail to replicate into the audit archives. */
  public siemReplicationAlarm!: cloudwatch.Alarm;
  /** The second alert path: dead letters of every alert rule, and alarms on failed deliveries to a topic under its own key. */
  public readonly deliveryWatch: AlertDeliveryWatch;

  constructor(scope: Construct, id: string, props: DetectionStackProps) {
    super(scope, id, { description: `Threat detection and breach alerting of cell ${props.cell.id}`, ...props });

    // In an AWS Organization that enables these services for every account (delegated
    // administrator, Control Tower), the account already has them and a second copy cannot exist.
    if (this.cell.detection.accountServices === 'cell') {
      this.detector = guardDutyDetector(this, 'Detector');
      this.securityHub = securityHub(this);
      // The account's Config service-linked role comes from the DisasterRecovery stack, which deploys first.
      const { recorder, deliveryChannel } = configRecorder(this, {
        bucketName: configHistoryBucketName(this, this.region),
        key: props.auditKey,
        globalResources: true,
      });
      this.recorder = recorder;
      this.deliveryChannel = deliveryChannel;
    }
    this.createConfigRules();

    const topicName = `${cellPrefix(this)}-security-alerts`;
    this.alertsKey = this.createAlertsKey(`arn:${this.partition}:sns:${this.region}:${this.account}:${topicName}`);
    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      topicName,
      displayName: `${cellPrefix(this)} security alerts`,
      masterKey: this.alertsKey,
      enforceSSL: true,
      // SHA256 signatures, so that HTTPS endpoints can verify that a message comes from SNS.
      signatureVersion: '2',
    });
    for (const email of this.cell.alerts.emails) {
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    for (const url of this.cell.alerts.httpsEndpoints) {
      this.alertTopic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    denySubscribeExceptDeployPath(this.alertTopic, deployPathRoleArns(this));
    this.deliveryWatch = new AlertDeliveryWatch(this, 'AlertDelivery', {
      namePrefix: cellPrefix(this),
      keyAlias: keyAliasName(this, 'alerts-fallback'),
      alerts: this.cell.alerts,
      alertTopic: this.alertTopic,
      deployPathRoleArns: deployPathRoleArns(this),
    });
    this.createAlertRules();
    this.createServiceAlertRules();
    this.createTrailAlarms(props.trailLogGroup);
    this.createSiemReplicationAlarm();

    // Only this stack's rules may publish, not any rule or service in any account.
    this.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlertRulesOfThisCellPublish',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alertTopic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': Object.values(this.alertRules).map((r) => r.ruleArn) } },
      }),
    );
  }

  /** The HIPAA Security conformance pack controls that apply to this platform's resources. */
  private createConfigRules(): void {
    const id = config.ManagedRuleIdentifiers;
    const rules: ConfigRuleSpec[] = [
      { id: 'CloudTrailEnabled', identifier: id.CLOUD_TRAIL_ENABLED, safeguard: HIPAA.auditControls },
      { id: 'CloudTrailEncrypted', identifier: id.CLOUD_TRAIL_ENCRYPTION_ENABLED, safeguard: HIPAA.encryption },
      { id: 'CloudTrailLogFileValidation', identifier: id.CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED, safeguard: HIPAA.integrity },
      { id: 'LogGroupEncrypted', identifier: id.CLOUDWATCH_LOG_GROUP_ENCRYPTED, safeguard: HIPAA.encryption },
      {
        id: 'LogGroupRetention',
        identifier: id.CW_LOGGROUP_RETENTION_PERIOD_CHECK,
        safeguard: HIPAA.auditControls,
        // The shortest class; audit and security log groups are held to the audit retention at synth.
        inputParameters: { MinRetentionTime: this.cell.retention.operationalLogDays },
      },
      { id: 'BucketPublicReadProhibited', identifier: id.S3_BUCKET_PUBLIC_READ_PROHIBITED, safeguard: HIPAA.accessControl },
      { id: 'BucketPublicWriteProhibited', identifier: id.S3_BUCKET_PUBLIC_WRITE_PROHIBITED, safeguard: HIPAA.accessControl },
      { id: 'BucketSslRequestsOnly', identifier: id.S3_BUCKET_SSL_REQUESTS_ONLY, safeguard: HIPAA.transmissionSecurity },
      { id: 'BucketDefaultEncryptionKms', identifier: id.S3_DEFAULT_ENCRYPTION_KMS, safeguard: HIPAA.encryption },
      { id: 'BucketVersioning', identifier: id.S3_BUCKET_VERSIONING_ENABLED, safeguard: HIPAA.integrity },
      { id: 'BucketLogging', identifier: id.S3_BUCKET_LOGGING_ENABLED, safeguard: HIPAA.auditControls },
      { id: 'BucketReplication', identifier: id.S3_BUCKET_REPLICATION_ENABLED, safeguard: HIPAA.dataBackup },
      { id: 'KeyRotation', identifier: id.CMK_BACKING_KEY_ROTATION_ENABLED, safeguard: HIPAA.encryption },
      { id: 'KeyNotScheduledForDeletion', identifier: id.KMS_CMK_NOT_SCHEDULED_FOR_DELETION, safeguard: HIPAA.dataBackup },
      { id: 'VpcFlowLogs', identifier: id.VPC_FLOW_LOGS_ENABLED, safeguard: HIPAA.auditControls },
      { id: 'VpcDefaultSecurityGroupClosed', identifier: id.VPC_DEFAULT_SECURITY_GROUP_CLOSED, safeguard: HIPAA.transmissionSecurity },
      { id: 'DatabaseStorageEncrypted', identifier: id.RDS_STORAGE_ENCRYPTED, safeguard: HIPAA.encryption },
      { id: 'DatabaseNotPublic', identifier: id.RDS_INSTANCE_PUBLIC_ACCESS_CHECK, safeguard: HIPAA.accessControl },
      { id: 'DatabaseMultiAz', identifier: id.RDS_MULTI_AZ_SUPPORT, safeguard: HIPAA.disasterRecovery },
      { id: 'DatabaseSnapshotEncrypted', identifier: id.RDS_SNAPSHOT_ENCRYPTED, safeguard: HIPAA.encryption },
      { id: 'DatabaseBackup', identifier: id.RDS_DB_INSTANCE_BACKUP_ENABLED, safeguard: HIPAA.dataBackup },
      { id: 'DatabaseDeletionProtection', identifier: id.RDS_INSTANCE_DELETION_PROTECTION_ENABLED, safeguard: HIPAA.dataBackup },
      // HTTPS-only ALB: HTTP listeners redirect, TLS listeners use ACM (ELB_TLS_HTTPS_LISTENERS_ONLY sees Classic ELBs only).
      { id: 'LoadBalancerHttpsRedirect', identifier: id.ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK, safeguard: HIPAA.transmissionSecurity },
      { id: 'LoadBalancerAcmCertificate', identifier: id.ELBV2_ACM_CERTIFICATE_REQUIRED, safeguard: HIPAA.transmissionSecurity },
      { id: 'LoadBalancerWaf', identifier: id.ALB_WAF_ENABLED, safeguard: HIPAA.malwareProtection },
      { id: 'GuardDutyEnabled', identifier: id.GUARDDUTY_ENABLED_CENTRALIZED, safeguard: HIPAA.activityReview },
      { id: 'SecurityHubEnabled', identifier: id.SECURITYHUB_ENABLED, safeguard: HIPAA.activityReview },
      { id: 'NoInlinePolicy', identifier: id.IAM_NO_INLINE_POLICY_CHECK, safeguard: HIPAA.accessManagement },
      { id: 'RootAccountMfa', identifier: id.ROOT_ACCOUNT_MFA_ENABLED, safeguard: HIPAA.authentication },
      { id: 'RootAccessKey', identifier: id.IAM_ROOT_ACCESS_KEY_CHECK, safeguard: HIPAA.authentication },
      { id: 'SecretRotation', identifier: id.SECRETSMANAGER_ROTATION_ENABLED_CHECK, safeguard: HIPAA.passwordManagement },
      { id: 'ImageScanning', identifier: id.ECR_PRIVATE_IMAGE_SCANNING_ENABLED, safeguard: HIPAA.malwareProtection },
    ];
    const scope = new Construct(this, 'ConfigRules');
    for (const spec of rules) {
      const rule = new config.ManagedRule(scope, spec.id, {
        identifier: spec.identifier,
        configRuleName: `${cellPrefix(this)}-${spec.identifier.toLowerCase().replace(/_/g, '-')}`,
        description: `HIPAA ${spec.safeguard}: AWS managed rule ${spec.identifier}`,
        inputParameters: spec.inputParameters,
      });
      // A rule evaluates only what the recorder records and the channel delivers.
      if (this.recorder && this.deliveryChannel) rule.node.addDependency(this.recorder, this.deliveryChannel);
      this.configRules.push(rule);
    }
  }

  /** The key of the alert topic: EventBridge rules and CloudWatch alarms publish to it. */
  private createAlertsKey(topicArn: string): PlatformKey {
    return alertTopicKey(this, {
      alias: keyAliasName(this, 'alerts'),
      description: `Encrypts the security alert topic of cell ${this.cell.id}`,
      topicArn,
      cloudWatchAlarmPrefix: `${cellPrefix(this)}-`,
    });
  }

  /**
   * The events the breach contacts hear of. Every message carries ids and console links only,
   * never the event itself: events and findings can name objects, people and addresses, and
   * e-mail and paging services are not covered by a BAA.
   */
  private createAlertRules(): void {
    for (const [id, spec] of Object.entries(findingAlerts(this.region))) this.alert(id, spec);

    const rootRule = this.alert('RootUserActivityAlert', {
      code: 'root-user-activity',
      summary: 'API call or console sign-in by the account root user',
      eventPattern: {
        detailType: [API_CALL, 'AWS Console Sign In via CloudTrail'],
        detail: {
          userIdentity: { type: ['Root'], invokedBy: [{ exists: false }] },
          eventType: [{ 'anything-but': 'AwsServiceEvent' }],
        },
      },
      fields: {
        ...API_CALL_FIELDS,
        principalArn: '$.detail.userIdentity.arn',
        mfaUsed: '$.detail.additionalEventData.MFAUsed',
        signInResult: '$.detail.responseElements.ConsoleLogin',
      },
      link: this.cloudTrailEventLink(),
    });
    // Read-only calls too: any use of the root user is a finding, not only changes.
    (rootRule.node.defaultChild as events.CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

    this.alert('AuditTrailChangedAlert', {
      code: 'audit-trail-changed',
      summary: 'CloudTrail logging stopped, a trail deleted, or what a trail records changed',
      eventPattern: {
        source: ['aws.cloudtrail'],
        detailType: [API_CALL],
        detail: {
          eventSource: ['cloudtrail.amazonaws.com'],
          eventName: ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors'],
        },
      },
      fields: { ...API_CALL_FIELDS, trail: '$.detail.requestParameters.name' },
      link: this.cloudTrailEventLink(),
    });

    this.alert('KeyDisabledOrDeletedAlert', {
      code: 'key-disabled-or-deleted',
      summary: 'KMS key disabled, scheduled for deletion, or its key policy changed',
      eventPattern: {
        source: ['aws.kms'],
        detailType: [API_CALL],
        detail: { eventSource: ['kms.amazonaws.com'], eventName: ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy'] },
      },
      fields: { ...API_CALL_FIELDS, keyId: '$.detail.requestParameters.keyId' },
      link: this.cloudTrailEventLink(),
    });

    this.alert('ProtectedBucketChangedAlert', {
      code: 'protected-bucket-changed',
      summary: 'Access, encryption, replication, versioning or Object Lock of a PHI bucket or the audit archive changed',
      eventPattern: {
        source: ['aws.s3'],
        detailType: [API_CALL],
        detail: {
          eventSource: ['s3.amazonaws.com'],
          eventName: [
            'PutBucketPolicy',
            'DeleteBucketPolicy',
            'PutBucketEncryption',
            'DeleteBucketEncryption',
            'PutBucketAcl',
            'PutPublicAccessBlock',
            'DeletePublicAccessBlock',
            'PutBucketReplication',
            'DeleteBucketReplication',
            'PutBucketVersioning',
            'PutObjectLockConfiguration',
          ],
          // By name, so that a tenant added later is covered without changing this stack.
          requestParameters: {
            bucketName: [{ prefix: phiBucketPrefix(this) }, auditArchiveBucketName(this, this.region), configHistoryBucketName(this, this.region)],
          },
        },
      },
      fields: { ...API_CALL_FIELDS, bucket: '$.detail.requestParameters.bucketName' },
      link: this.cloudTrailEventLink(),
    });
  }

  /**
   * The same breach events, seen in every region: EventBridge rules only see API calls made in
   * their own region, but the multi-region trail delivers every region's events (global IAM and
   * sign-in events, the DR region, STS regional endpoints) into the cell's trail log group, inside
   * the jurisdiction. A metric filter counts each kind; an alarm tells the breach contacts. The
   * alarm message names the alarm and the count only.
   */
  private createTrailAlarms(trailLogGroup: logs.ILogGroup): void {
    const namespace = `VoicePlatform/${this.cell.id}/Security`;
    const phiBuckets = `${phiBucketPrefix(this)}*`;
    const any = (field: string, values: string[]) => `(${values.map((v) => `${field} = "${v}"`).join(' || ')})`;
    const drBackupVaultArn = `arn:${this.partition}:backup:${this.cell.drRegion}:${this.account}:backup-vault:${backupVaultName(this, this.cell.drRegion)}`;
    const patterns: Record<string, { summary: string; pattern: string }> = {
      RootUserActivity: {
        summary: 'Root user activity in any region',
        pattern: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
      },
      BreakGlassUsed: {
        summary: 'Break-glass role assumed through any STS endpoint',
        pattern: `{ ${any('$.eventName', ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'])} && $.requestParameters.roleArn = "${roleArn(this, breakGlassRoleName(this))}" }`,
      },
      KeyDisabledOrDeleted: {
        summary: 'A KMS key disabled, scheduled for deletion or its policy changed, in any region',
        pattern: `{ $.eventSource = "kms.amazonaws.com" && ${any('$.eventName', ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy'])} }`,
      },
      AuditTrailChanged: {
        summary: 'CloudTrail stopped, deleted or changed, in any region',
        pattern: `{ $.eventSource = "cloudtrail.amazonaws.com" && ${any('$.eventName', ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'])} }`,
      },
      PhiBucketChanged: {
        summary: 'Policy, encryption, access or replication of a PHI bucket changed, in any region (DR replicas included)',
        pattern: `{ $.eventSource = "s3.amazonaws.com" && ${any('$.eventName', ['PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketEncryption', 'DeleteBucketEncryption', 'PutBucketAcl', 'PutPublicAccessBlock', 'DeletePublicAccessBlock', 'PutBucketReplication', 'DeleteBucketReplication'])} && $.requestParameters.bucketName = "${phiBuckets}" }`,
      },
      // CloudTrail names PutBucketLifecycleConfiguration "PutBucketLifecycle":
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html
      PhiBucketLifecycleChanged: {
        summary: 'Lifecycle, versioning, Object Lock or logging of a PHI bucket changed (data could be made to expire), in any region',
        pattern: `{ $.eventSource = "s3.amazonaws.com" && ${any('$.eventName', ['PutBucketLifecycle', 'DeleteBucketLifecycle', 'PutBucketVersioning', 'PutObjectLockConfiguration', 'PutBucketLogging', 'DeleteBucket'])} && $.requestParameters.bucketName = "${phiBuckets}" }`,
      },
      ProtectedRoleChanged: {
        summary: 'A role on a path to PHI (tenant, replication, break-glass, voice task, broker) was created, deleted, re-trusted, re-tagged or its policies changed',
        pattern: `{ $.eventSource = "iam.amazonaws.com" && ${any('$.eventName', ['CreateRole', 'DeleteRole', 'UpdateRole', 'UpdateAssumeRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy', 'AttachRolePolicy', 'DetachRolePolicy', 'PutRolePermissionsBoundary', 'DeleteRolePermissionsBoundary', 'TagRole', 'UntagRole'])} && ${any('$.requestParameters.roleName', protectedRoleNamePatterns(this))} }`,
      },
      LogDeliveryTampered: {
        summary: 'A log group deleted, its retention changed, or a subscription filter (SIEM delivery) deleted, in any region',
        pattern: `{ $.eventSource = "logs.amazonaws.com" && ${any('$.eventName', ['DeleteLogGroup', 'PutRetentionPolicy', 'DeleteRetentionPolicy', 'DeleteSubscriptionFilter', 'DisassociateKmsKey'])} }`,
      },
      FirehoseDestinationChanged: {
        summary: 'A Firehose stream (SIEM delivery) had its destination changed, was stopped or deleted, in any region',
        pattern: `{ $.eventSource = "firehose.amazonaws.com" && ${any('$.eventName', ['UpdateDestination', 'DeleteDeliveryStream', 'StopDeliveryStreamEncryption'])} }`,
      },
      KeyAliasChanged: {
        summary: 'A KMS alias created, re-pointed or deleted (keys are found by alias), in any region',
        pattern: `{ $.eventSource = "kms.amazonaws.com" && ${any('$.eventName', ['CreateAlias', 'UpdateAlias', 'DeleteAlias'])} }`,
      },
      DatabaseSnapshotMoved: {
        summary: 'A database snapshot copied, shared, exported or restored, in any region',
        pattern: `{ $.eventSource = "rds.amazonaws.com" && ${any('$.eventName', ['CopyDBSnapshot', 'ModifyDBSnapshotAttribute', 'StartExportTask', 'RestoreDBInstanceFromDBSnapshot', 'RestoreDBInstanceToPointInTime', 'RestoreDBInstanceFromS3'])} }`,
      },
      BackupCopiedElsewhere: {
        summary: 'An AWS Backup copy job to a vault other than the cell\'s DR vault, or a recovery point restored, in any region',
        pattern: `{ $.eventSource = "backup.amazonaws.com" && (($.eventName = "StartCopyJob" && $.requestParameters.destinationBackupVaultArn != "${drBackupVaultArn}") || $.eventName = "StartRestoreJob") }`,
      },
    };
    for (const [name, { summary, pattern }] of Object.entries(patterns)) {
      const filter = new logs.MetricFilter(this, `${name}Filter`, {
        logGroup: trailLogGroup,
        filterName: `${cellPrefix(this)}-${name}`,
        filterPattern: logs.FilterPattern.literal(pattern),
        metricNamespace: namespace,
        metricName: name,
        metricValue: '1',
        defaultValue: 0,
      });
      const alarm = new cloudwatch.Alarm(this, `${name}Alarm`, {
        alarmName: `${cellPrefix(this)}-${name}`,
        alarmDescription: `${summary}. Open the CloudTrail log group of cell ${this.cell.id} and look up the events of the last 5 minutes.`,
        metric: filter.metric({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction({ bind: () => ({ alarmActionArn: this.alertTopic.topicArn }) });
      // A disabled alert key would silence the alarm about it: the fallback topic, under another key, hears it too.
      if (name === 'KeyDisabledOrDeleted') alarm.addAlarmAction({ bind: () => ({ alarmActionArn: this.deliveryWatch.fallbackTopic.topicArn }) });
      this.trailAlarms.push(alarm);
    }
    this.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TrailAlarmsOfThisCellPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alertTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:${cellPrefix(this)}-*` },
        },
      }),
    );
  }

  /**
   * SIEM copies reach the Object Lock archives only by S3 replication from the staging bucket (Audit
   * stack): a copy that fails to replicate alerts, while it is still in the staging bucket.
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html
   */
  private createSiemReplicationAlarm(): void {
    const source = siemStagingBucketName(this, this.region);
    const failed = (ruleId: string, region: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/S3',
        metricName: 'OperationsFailedReplication',
        dimensionsMap: { SourceBucket: source, DestinationBucket: auditArchiveBucketName(this, region), RuleId: ruleId },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      });
    const alarm = new cloudwatch.Alarm(this, 'SiemReplicationFailedAlarm', {
      alarmName: `${cellPrefix(this)}-SiemReplicationFailed`,
      alarmDescription:
        `SIEM copies of cell ${this.cell.id} failed to replicate from ${source} into an audit archive. They stay in the staging ` +
        'bucket for 30 days: find the cause (replication role, archive key) and re-replicate them with S3 Batch Replication.',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(primary, 0) + FILL(dr, 0)',
        usingMetrics: { primary: failed('siem-to-archive', this.region), dr: failed('siem-to-dr-archive', this.cell.drRegion) },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction({ bind: () => ({ alarmActionArn: this.alertTopic.topicArn }) });
    this.siemReplicationAlarm = alarm;
  }

  /** Alerts that other stacks' resources call for: critical image vulnerabilities, break-glass use. */
  private createServiceAlertRules(): void {
    const consoleUrl = `https://${this.region}.console.aws.amazon.com`;
    this.alert('CriticalImageVulnerabilityAlert', {
      code: 'critical-image-vulnerability',
      summary: 'Amazon Inspector found a critical vulnerability in a container image of this account',
      eventPattern: {
        source: ['aws.inspector2'],
        detailType: ['Inspector2 Finding'],
        detail: { severity: ['CRITICAL'], status: ['ACTIVE'], resources: { type: ['AWS_ECR_CONTAINER_IMAGE'] } },
      },
      fields: {
        severity: '$.detail.severity',
        findingArn: '$.detail.findingArn',
        vulnerabilityId: '$.detail.packageVulnerabilityDetails.vulnerabilityId',
        resourceId: '$.detail.resources[0].id',
        updatedAt: '$.detail.updatedAt',
      },
      link: `${consoleUrl}/inspector/v2/home?region=${this.region}#/findings`,
    });

    const breakGlass = this.alert('BreakGlassUsedAlert', {
      code: 'break-glass-used',
      summary: 'The break-glass role, which can read PHI, was assumed',
      eventPattern: {
        source: ['aws.sts'],
        detailType: [API_CALL],
        detail: {
          eventSource: ['sts.amazonaws.com'],
          eventName: ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'],
          requestParameters: { roleArn: [roleArn(this, breakGlassRoleName(this))] },
        },
      },
      fields: { ...API_CALL_FIELDS, role: '$.detail.requestParameters.roleArn' },
      link: this.cloudTrailEventLink(),
    });
    // AssumeRole is recorded as a read-only management event; the rule must see those too.
    (breakGlass.node.defaultChild as events.CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

    // The operator may write the provider secrets (rotation): the webhook signing token is the
    // credential broker's trust anchor and the model key decides whose account receives
    // transcripts, so every write to them is told to the breach contacts.
    // https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-eventbridge.html
    this.alert('ProviderSecretChangedAlert', {
      code: 'provider-secret-changed',
      summary: 'A provider secret of the voice service (webhook signing token, API key) was written, deleted or re-permissioned',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: [API_CALL],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['PutSecretValue', 'UpdateSecret', 'DeleteSecret', 'RestoreSecret', 'PutResourcePolicy', 'DeleteResourcePolicy', 'RotateSecret'],
          // The secret is named by name or by ARN in the request.
          requestParameters: { secretId: [{ wildcard: `*${cellPrefix(this)}/voice/*` }] as unknown as string[] },
        },
      },
      fields: { ...API_CALL_FIELDS, secret: '$.detail.requestParameters.secretId' },
      link: this.cloudTrailEventLink(),
    });
  }

  /** The CloudTrail event history entry of the call, for messages with API_CALL_FIELDS. */
  private cloudTrailEventLink(): string {
    return `https://${this.region}.console.aws.amazon.com/cloudtrailv2/home?region=${this.region}#/events/<eventId>`;
  }

  /** An EventBridge rule that sends a message of ids and links to the alert topic. */
  private alert(id: string, spec: AlertSpec): events.Rule {
    const rule = alertRule(this, id, {
      spec,
      namePrefix: cellPrefix(this),
      cellId: this.cell.id,
      topic: this.alertTopic,
      deadLetterQueue: this.deliveryWatch.deadLetterQueue,
    });
    this.alertRules[id] = rule;
    return rule;
  }
}
