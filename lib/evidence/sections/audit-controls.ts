import { LOG_CLASS_TAG } from '../../constructs/encrypted-log-group';
import { CellEvidence } from '../cell-evidence';
import { blocks, bullets, cell, code, table, yesNo } from '../markdown';
import { ResourceRef, asList, props, tagsOf } from '../template';

/** 164.312(b) audit controls: what records activity, where it goes, and who is told. */
export function auditControls(ev: CellEvidence): string {
  return blocks(
    '### (b) Audit controls — 45 CFR 164.312(b)',
    '#### CloudTrail trails',
    trails(ev),
    '#### Audit and security log groups',
    'Log groups carry a `log-class` tag; `audit` and `security` logs are evidence and are kept for the audit retention (see section 4).',
    auditLogGroups(ev),
    '#### Database audit logging',
    databaseAudit(ev),
    '#### Network flow logs',
    flowLogs(ev),
    '#### Other activity records',
    otherRecords(ev),
    '<a id="alerting"></a>\n\n#### Alerting on security events',
    alerting(ev),
  );
}

function trails(ev: CellEvidence): string {
  const rows = ev.resources('AWS::CloudTrail::Trail').map((trail) => {
    const p = props(trail);
    const bucket = ev.index.target(p.S3BucketName, trail.stack);
    const logGroup = ev.index.target(p.CloudWatchLogsLogGroupArn, trail.stack);
    return [
      ev.label(trail),
      cell(`logging: ${yesNo(p.IsLogging)}\nmulti-region: ${yesNo(p.IsMultiRegionTrail)}\nglobal service events: ${yesNo(p.IncludeGlobalServiceEvents)}\nlog file validation: ${yesNo(p.EnableLogFileValidation)}`),
      cell(`${bucket ? ev.name(bucket) : ev.show(p.S3BucketName, trail.stack)}${p.S3KeyPrefix ? ` (prefix ${p.S3KeyPrefix}/)` : ''}`),
      cell(logGroup ? ev.name(logGroup) : p.CloudWatchLogsLogGroupArn ? ev.show(p.CloudWatchLogsLogGroupArn, trail.stack) : 'none'),
      cell(p.KMSKeyId ? ev.key(p.KMSKeyId, trail.stack).label : 'none'),
      cell(eventSelectors(p).join('\n')),
    ];
  });
  return table(['Trail', 'Settings', 'Delivers to (S3)', 'CloudWatch Logs group', 'KMS key', 'What it records'], rows);
}

/** Advanced or classic event selectors, one line each. */
function eventSelectors(p: Record<string, any>): string[] {
  const advanced = asList<Record<string, any>>(p.AdvancedEventSelectors).map((s) => {
    const fields = asList<Record<string, any>>(s.FieldSelectors).map((f) =>
      Object.entries(f)
        .filter(([k]) => k !== 'Field')
        .map(([op, values]) => `${f.Field} ${op} ${asList(values).join(', ')}`)
        .join('; '),
    );
    return `${s.Name ?? 'selector'}: ${fields.join('; ')}`;
  });
  const classic = asList<Record<string, any>>(p.EventSelectors).map(
    (s) =>
      `management events: ${yesNo(s.IncludeManagementEvents ?? true)}, ${s.ReadWriteType ?? 'All'}` +
      asList<Record<string, any>>(s.DataResources)
        .map((d) => `; data events ${d.Type}: ${asList(d.Values).join(', ')}`)
        .join(''),
  );
  const all = [...advanced, ...classic];
  return all.length > 0 ? all : ['management events (CloudTrail default)'];
}

function auditLogGroups(ev: CellEvidence): string {
  const rows = ev
    .resources('AWS::Logs::LogGroup')
    .filter((g) => ['audit', 'security'].includes(tagsOf(g)[LOG_CLASS_TAG]))
    .map((g) => [
      ev.label(g),
      cell(tagsOf(g)[LOG_CLASS_TAG]),
      cell(props(g).RetentionInDays !== undefined ? `${props(g).RetentionInDays} days` : 'never expires'),
      cell(props(g).KmsKeyId ? ev.key(props(g).KmsKeyId, g.stack).label : 'CloudWatch Logs default encryption'),
    ]);
  return table(['Log group', 'Class', 'Retention', 'KMS key'], rows);
}

/** Audit-relevant database parameters: pgaudit, preloaded libraries, connection logging. */
const AUDIT_PARAMETER = /^(pgaudit\.|shared_preload_libraries$|log_connections$|log_disconnections$|log_statement$)/;

function databaseAudit(ev: CellEvidence): string {
  const databases = ev.resources('AWS::RDS::DBInstance', 'AWS::RDS::DBCluster');
  const rows = ev.resources('AWS::RDS::DBParameterGroup', 'AWS::RDS::DBClusterParameterGroup').map((group) => {
    const parameters = Object.entries((props(group).Parameters ?? {}) as Record<string, unknown>).filter(([k]) => AUDIT_PARAMETER.test(k));
    const users = usersOfParameterGroup(ev, group, databases);
    return [
      ev.label(group),
      cell(parameters.map(([k, v]) => `${k} = ${String(v)}`).join('\n') || 'no audit parameters'),
      cell(users.map((db) => `${ev.name(db)}: exports ${asList(props(db).EnableCloudwatchLogsExports).join(', ') || 'no logs'} to CloudWatch Logs`).join('\n') || 'no database uses it'),
    ];
  });
  return table(['Parameter group', 'Audit parameters', 'Used by'], rows);
}

function usersOfParameterGroup(ev: CellEvidence, group: ResourceRef, databases: ResourceRef[]): ResourceRef[] {
  return databases.filter((db) => {
    const p = props(db);
    return [p.DBParameterGroupName, p.DBClusterParameterGroupName].some((v) => v !== undefined && ev.index.target(v, db.stack) === group);
  });
}

function flowLogs(ev: CellEvidence): string {
  const rows = ev.resources('AWS::EC2::FlowLog').map((f) => {
    const p = props(f);
    const destination = p.LogGroupName ?? p.LogDestination;
    const target = ev.index.target(destination, f.stack);
    return [
      ev.label(f),
      cell(`${p.ResourceType} ${ev.show(p.ResourceId, f.stack)}`),
      cell(p.TrafficType ?? 'ALL'),
      cell(`${p.LogDestinationType ?? 'cloud-watch-logs'}: ${target ? ev.name(target) : ev.show(destination, f.stack)}`),
      cell(p.MaxAggregationInterval ? `${p.MaxAggregationInterval} s` : '600 s (default)'),
    ];
  });
  return table(['Flow log', 'Records', 'Traffic', 'Destination', 'Aggregation'], rows);
}

function otherRecords(ev: CellEvidence): string {
  const items: string[] = [];
  for (const w of ev.resources('AWS::WAFv2::LoggingConfiguration')) {
    const p = props(w);
    const acl = ev.index.target(p.ResourceArn, w.stack);
    const destinations = asList(p.LogDestinationConfigs).map((d) => {
      const t = ev.index.target(d, w.stack);
      return t ? ev.name(t) : ev.show(d, w.stack);
    });
    const redacted = asList<Record<string, any>>(p.RedactedFields).map((r) => r.SingleHeader?.Name ?? Object.keys(r)[0]);
    items.push(`Web application firewall ${code(acl ? ev.name(acl) : ev.show(p.ResourceArn, w.stack))} logs every request to ${destinations.map(code).join(', ')}${redacted.length ? `, with ${redacted.map(code).join(', ')} redacted` : ''}.`);
  }
  for (const lb of ev.resources('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const attrs = Object.fromEntries(asList<Record<string, any>>(props(lb).LoadBalancerAttributes).map((a) => [a.Key, a.Value]));
    const enabled = String(attrs['access_logs.s3.enabled']) === 'true';
    const bucket = ev.index.target(attrs['access_logs.s3.bucket'], lb.stack);
    items.push(
      enabled
        ? `Load balancer ${code(ev.name(lb))} writes access logs to bucket ${code(bucket ? ev.name(bucket) : ev.show(attrs['access_logs.s3.bucket'], lb.stack))}${attrs['access_logs.s3.prefix'] ? ` under ${code(attrs['access_logs.s3.prefix'])}` : ''}.`
        : `Load balancer ${code(ev.name(lb))} has **no access logs**.`,
    );
  }
  for (const r of ev.resources('AWS::Config::ConfigurationRecorder')) {
    const g = props(r).RecordingGroup ?? {};
    items.push(`AWS Config recorder ${code(props(r).Name ?? r.logicalId)} records ${g.AllSupported ? 'every supported resource type' : 'selected resource types'}${g.IncludeGlobalResourceTypes ? ', including global resources (IAM)' : ''}.`);
  }
  for (const c of ev.resources('AWS::Config::DeliveryChannel')) {
    const p = props(c);
    items.push(`AWS Config delivers snapshots and history to bucket ${code(ev.show(p.S3BucketName, c.stack))}${p.S3KeyPrefix ? ` under ${code(p.S3KeyPrefix)}` : ''}${p.S3KmsKeyArn ? `, encrypted with ${code(ev.key(p.S3KmsKeyArn, c.stack).label)}` : ''}.`);
  }
  for (const d of ev.resources('AWS::GuardDuty::Detector')) {
    const features = asList<Record<string, any>>(props(d).Features).filter((f) => f.Status === 'ENABLED').map((f) => f.Name);
    items.push(`GuardDuty detector ${yesNo(props(d).Enable) === 'yes' ? 'enabled' : '**disabled**'}${features.length ? `, with ${features.map(code).join(', ')}` : ''}.`);
  }
  const logged = ev.resources('AWS::S3::Bucket').map((b) => {
    const l = props(b).LoggingConfiguration;
    const dest = l ? ev.index.target(l.DestinationBucketName, b.stack) : undefined;
    return [ev.label(b), cell(l ? (dest ? ev.name(dest) : ev.show(l.DestinationBucketName, b.stack)) : 'not logged'), cell(l?.LogFilePrefix ?? '')];
  });
  return blocks(bullets(items), '**S3 server access logs** (who requested which object):', table(['Bucket', 'Access logs go to', 'Prefix'], logged));
}

function alerting(ev: CellEvidence): string {
  const topics = new Map(ev.resources('AWS::SNS::Topic').map((t) => [t, [] as string[]]));
  const rows = ev.resources('AWS::Events::Rule').flatMap((rule) =>
    asList<Record<string, any>>(props(rule).Targets).map((target) => {
      const t = ev.index.target(target.Arn, rule.stack);
      return [ev.label(rule), cell(props(rule).Description ?? ''), cell(props(rule).State ?? 'ENABLED'), cell(t ? ev.name(t) : ev.show(target.Arn, rule.stack))];
    }),
  );
  for (const s of ev.resources('AWS::SNS::Subscription')) {
    const topic = ev.index.target(props(s).TopicArn, s.stack);
    if (topic && topics.has(topic)) topics.get(topic)!.push(`${props(s).Protocol}: ${ev.show(props(s).Endpoint, s.stack)}`);
  }
  const subscribers = [...topics].map(([t, subs]) => `Topic ${code(ev.name(t))} notifies: ${subs.length ? subs.map(code).join(', ') : '**no subscriber in the templates**'}.`);
  return blocks(
    '**EventBridge rules** (API calls in the rule\'s own region):',
    table(['Rule', 'Fires on', 'State', 'Notifies'], rows),
    '**CloudWatch alarms on log metric filters** (events of every region, from the multi-region trail\'s log group):',
    table(['Alarm', 'Fires on', 'Counts events in', 'Threshold', 'Notifies'], securityAlarms(ev).map((a) => [ev.label(a.alarm), cell(a.firesOn), cell(a.logGroup), cell(a.threshold), cell(a.notifies.join('\n'))])),
    bullets(subscribers),
  );
}

/** A CloudWatch alarm of the cell, the metric filter that feeds it, and the topics it notifies. */
export interface SecurityAlarm {
  readonly alarm: ResourceRef;
  readonly firesOn: string;
  /** The log group whose events the metric filter counts, or `not a log metric`. */
  readonly logGroup: string;
  readonly threshold: string;
  readonly notifies: string[];
}

/** Every alarm that notifies a topic, joined to the metric filter (same namespace and metric name) that counts its events. */
export function securityAlarms(ev: CellEvidence): SecurityAlarm[] {
  const filters = ev.resources('AWS::Logs::MetricFilter');
  return ev.resources('AWS::CloudWatch::Alarm').flatMap((alarm) => {
    const p = props(alarm);
    const notifies = asList(p.AlarmActions).map((a) => {
      const t = ev.index.target(a, alarm.stack);
      return t ? ev.name(t) : ev.show(a, alarm.stack);
    });
    if (notifies.length === 0) return [];
    const filter = filters.find((f) => asList<Record<string, any>>(props(f).MetricTransformations).some((m) => m.MetricName === p.MetricName && m.MetricNamespace === p.Namespace));
    const group = filter ? ev.index.target(props(filter).LogGroupName, filter.stack) : undefined;
    const trail = group && ev.resources('AWS::CloudTrail::Trail').find((t) => ev.index.target(props(t).CloudWatchLogsLogGroupArn, t.stack) === group);
    return [{
      alarm,
      firesOn: `${String(p.AlarmDescription ?? p.MetricName).split('. ')[0]}${filter ? `\nfilter: ${props(filter).FilterPattern}` : ''}`,
      logGroup: filter
        ? `${group ? ev.name(group) : ev.show(props(filter).LogGroupName, filter.stack)}${trail ? `, fed by CloudTrail trail ${ev.name(trail)}${yesNo(props(trail).IsMultiRegionTrail) === 'yes' ? ' (multi-region)' : ''}` : ''}`
        : 'not a log metric',
      threshold: `${p.Statistic ?? 'value'} ${p.ComparisonOperator} ${p.Threshold} over ${p.EvaluationPeriods} × ${p.Period ?? '?'} s`,
      notifies,
    }];
  });
}
