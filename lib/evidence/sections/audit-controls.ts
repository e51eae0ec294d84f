import { LOG_CLASS_TAG } from '../../constructs/encrypted-log-group';
import { CellEvidence } from '../cell-evidence';
import { annexLink } from '../annex';
import { groupBy, maskClinics } from '../compact';
import { blocks, bullets, cell, code, plural, table, yesNo } from '../markdown';
import { ResourceRef, asList, props, tagsOf } from '../template';

/** 164.312(b) audit controls: what records activity, where it goes, and who is told. */
export function auditControls(ev: CellEvidence): string {
  return blocks(
    '### (b) Audit controls — 45 CFR 164.312(b)',
    '#### CloudTrail trails',
    trails(ev),
    '<a id="log-groups"></a>\n\n#### Log groups',
    'Each log group carries a `log-class` tag; `audit` and `security` logs are evidence, kept for the audit retention (section 4).',
    logGroups(ev),
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

/** Every log group of the cell with its class, retention and key: sections 2 and 4 count them and link here. */
function logGroups(ev: CellEvidence): string {
  // Evidence first; a group without a class last.
  const CLASSES = ['audit', 'security', 'operational'];
  const rank = (g: ResourceRef) => (CLASSES.includes(tagsOf(g)[LOG_CLASS_TAG]) ? CLASSES.indexOf(tagsOf(g)[LOG_CLASS_TAG]) : CLASSES.length);
  const rows = ev
    .resources('AWS::Logs::LogGroup')
    .sort((a, b) => rank(a) - rank(b))
    .map((g) => [
      ev.label(g),
      cell(tagsOf(g)[LOG_CLASS_TAG] ?? '**no log-class tag**'),
      cell(props(g).RetentionInDays !== undefined ? `${props(g).RetentionInDays} days` : 'never expires'),
      cell(props(g).KmsKeyId ? ev.key(props(g).KmsKeyId, g.stack).label : 'CloudWatch Logs default encryption'),
    ]);
  // Which log group each subscription filter sends on, and to which stream (the SIEM delivery).
  const sent = ev.resources('AWS::Logs::SubscriptionFilter').map((f) => {
    const from = ev.index.target(props(f).LogGroupName, f.stack);
    const to = ev.index.target(props(f).DestinationArn, f.stack);
    return `${from ? ev.name(from) : ev.show(props(f).LogGroupName, f.stack)} → ${to ? ev.name(to) : ev.show(props(f).DestinationArn, f.stack)}`;
  });
  return blocks(
    table(['Log group', 'Class', 'Retention', 'KMS key'], rows),
    sent.length > 0 && `Sent on by subscription filters (log group → Firehose stream): ${sent.join('; ')}.`,
  );
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
  const items: RegionalItem[] = [];
  for (const w of ev.resources('AWS::WAFv2::LoggingConfiguration')) {
    const p = props(w);
    const acl = ev.index.target(p.ResourceArn, w.stack);
    const destinations = asList(p.LogDestinationConfigs).map((d) => {
      const t = ev.index.target(d, w.stack);
      return t ? ev.name(t) : ev.show(d, w.stack);
    });
    const redacted = asList<Record<string, any>>(p.RedactedFields).map((r) => r.SingleHeader?.Name ?? Object.keys(r)[0]);
    items.push({ region: w.stack.region, text: (where) => `Web application firewall ${code(acl ? ev.name(acl) : ev.show(p.ResourceArn, w.stack))} ${where} logs every request to ${destinations.map(code).join(', ')}${redacted.length ? `, with ${redacted.map(code).join(', ')} redacted` : ''}.` });
  }
  for (const lb of ev.resources('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const attrs = Object.fromEntries(asList<Record<string, any>>(props(lb).LoadBalancerAttributes).map((a) => [a.Key, a.Value]));
    const enabled = String(attrs['access_logs.s3.enabled']) === 'true';
    const bucket = ev.index.target(attrs['access_logs.s3.bucket'], lb.stack);
    items.push({
      region: lb.stack.region,
      text: (where) =>
        enabled
          ? `Load balancer ${code(ev.name(lb))} ${where} writes access logs to bucket ${code(bucket ? ev.name(bucket) : ev.show(attrs['access_logs.s3.bucket'], lb.stack))}${attrs['access_logs.s3.prefix'] ? ` under ${code(attrs['access_logs.s3.prefix'])}` : ''}.`
          : `Load balancer ${code(ev.name(lb))} ${where} has **no access logs**.`,
    });
  }
  for (const r of ev.resources('AWS::Config::ConfigurationRecorder')) {
    const g = props(r).RecordingGroup ?? {};
    items.push({ region: r.stack.region, text: (where) => `AWS Config recorder ${code(props(r).Name ?? r.logicalId)} ${where} records ${g.AllSupported ? 'every supported resource type' : 'selected resource types'}${g.IncludeGlobalResourceTypes ? ', including global resources (IAM)' : ''}.` });
  }
  for (const c of ev.resources('AWS::Config::DeliveryChannel')) {
    const p = props(c);
    items.push({ region: c.stack.region, text: (where) => `AWS Config ${where} delivers snapshots and history to bucket ${code(ev.show(p.S3BucketName, c.stack))}${p.S3KeyPrefix ? ` under ${code(p.S3KeyPrefix)}` : ''}${p.S3KmsKeyArn ? `, encrypted with ${code(ev.key(p.S3KmsKeyArn, c.stack).label)}` : ''}.` });
  }
  for (const d of ev.resources('AWS::GuardDuty::Detector')) {
    const features = asList<Record<string, any>>(props(d).Features).filter((f) => f.Status === 'ENABLED').map((f) => f.Name);
    items.push({ region: d.stack.region, text: (where) => `GuardDuty detector ${where} ${yesNo(props(d).Enable) === 'yes' ? 'enabled' : '**disabled**'}${features.length ? `, with ${features.map(code).join(', ')}` : ''}.` });
  }
  // Buckets that log to the same bucket, each under a prefix of its own name, are one row.
  const logged = groupBy(
    ev.resources('AWS::S3::Bucket').map((b) => {
      const l = props(b).LoggingConfiguration;
      const dest = l ? ev.index.target(l.DestinationBucketName, b.stack) : undefined;
      const to = l ? (dest ? ev.name(dest) : ev.show(l.DestinationBucketName, b.stack)) : 'not logged';
      const prefix = l?.LogFilePrefix === undefined ? '' : l.LogFilePrefix === `${ev.name(b)}/` ? 'its own name, then /' : String(l.LogFilePrefix);
      ev.labelled.add(b);
      return { name: ev.name(b), to, prefix };
    }),
    (x) => `${x.to}\u0000${x.prefix}`,
  ).map(([, xs]) => [cell(`${plural(xs.length, 'bucket')}: ${maskClinics(ev, xs.map((x) => x.name)).join(', ')}`), cell(xs[0].to), cell(xs[0].prefix)]);
  return blocks(bullets(sameInRegions(ev, items)), '**S3 server access logs** (who requested which object):', table(['Bucket', 'Access logs go to', 'Prefix'], logged));
}

function alerting(ev: CellEvidence): string {
  // A rule of the same name, logical id, event pattern, state and target in several stacks is one row; its descriptions may differ.
  const rules = mergeAcrossStacks(
    ev,
    ev.resources('AWS::Events::Rule').flatMap((rule) =>
      asList<Record<string, any>>(props(rule).Targets).map((target) => {
        const t = ev.index.target(target.Arn, rule.stack);
        return { ref: rule, key: JSON.stringify(props(rule).EventPattern ?? null), cells: [cell(props(rule).State ?? 'ENABLED'), cell(t ? ev.name(t) : ev.show(target.Arn, rule.stack))] };
      }),
    ),
  ).map((row) => ({ refs: row.refs, cells: [cell(descriptionsOf(ev, row.refs)), ...row.cells] }));
  const alarms = securityAlarms(ev);
  const alarmRows = (list: SecurityAlarm[], firesOn: (a: SecurityAlarm) => string) =>
    mergeAcrossStacks(ev, list.map((a) => ({ ref: a.alarm, key: '', cells: [cell(firesOn(a)), cell(a.source), cell(a.threshold), cell(a.notifies.join('\n'))] })));
  const topics = ev.resources('AWS::SNS::Topic').map((t) => {
    const subs = ev
      .resources('AWS::SNS::Subscription')
      .filter((s) => ev.index.target(props(s).TopicArn, s.stack) === t)
      .map((s) => `${props(s).Protocol}: ${ev.show(props(s).Endpoint, s.stack)}`);
    return { region: t.stack.region, text: (where: string) => `Topic ${code(ev.name(t))} ${where} notifies: ${subs.length ? subs.map(code).join(', ') : '**no subscriber in the templates**'}.` };
  });
  return blocks(
    sharedColumnsTable('**EventBridge rules** (API calls in the rule\'s own region)', ['Rule', 'Stack', 'Fires on', 'State', 'Notifies'], stackRows(ev, rules)),
    sharedColumnsTable(
      `**CloudWatch alarms on log metric filters** (each alarm's filter pattern: ${annexLink(ev.id, 'alarm-filters', 'Annex A6')})`,
      ['Alarm', 'Stack', 'Fires on', 'Counts events in', 'Threshold', 'Notifies'],
      stackRows(ev, alarmRows(alarms.filter((a) => a.filter !== undefined), (a) => a.description)),
    ),
    sharedColumnsTable('**CloudWatch alarms on AWS metrics**', ['Alarm', 'Stack', 'Fires on', 'Metric', 'Threshold', 'Notifies'], stackRows(ev, alarmRows(alarms.filter((a) => a.filter === undefined), (a) => a.description))),
    bullets(sameInRegions(ev, topics)),
  );
}

/** Annex A6: the metric filter pattern of each alarm that counts log events, the evidence of what the pack says it fires on. */
export function alarmFiltersAnnex(ev: CellEvidence): string {
  const rows = securityAlarms(ev)
    .filter((a) => a.filter !== undefined)
    .map((a) => (ev.labelled.add(a.alarm), [cell(ev.name(a.alarm)), code(ev.stackName(a.alarm.stack)), cell(a.filter)]));
  return blocks(
    '## A6. Metric filters of the alarms',
    'Filters of the common shape read `event source: event names; condition; …`: all must hold, `one of` any of the values; other shapes are shown as written.',
    table(['Alarm', 'Stack', 'Filter pattern'], rows),
  );
}

/** A CloudWatch alarm of the cell, the metric filter or AWS metrics it reads, and the topics it notifies. */
export interface SecurityAlarm {
  readonly alarm: ResourceRef;
  /** The first sentence of its description (else its metric name). */
  readonly description: string;
  /** The pattern of the metric filter that counts its events (rendered, or as written), when it reads a log group. */
  readonly filter?: string;
  /** The log group its filter counts events in (and the trail that feeds it), or the AWS metric(s) it reads. */
  readonly source: string;
  /** What it watches, for counting: `CloudTrail events of every region`, `AWS/SQS metrics`. */
  readonly kind: string;
  /** `≥ 1 in 5 min (Sum)`. */
  readonly threshold: string;
  /** Evaluation periods × period, in seconds, when the template states the period. */
  readonly windowSeconds?: number;
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
    const multiRegion = trail !== undefined && yesNo(props(trail).IsMultiRegionTrail) === 'yes';
    const metrics = alarmMetrics(ev, alarm);
    const { threshold, windowSeconds } = alarmThreshold(p, metrics);
    const groupName = filter ? (group ? ev.name(group) : ev.show(props(filter).LogGroupName, filter.stack)) : '';
    return [{
      alarm,
      description: String(p.AlarmDescription ?? p.MetricName).split('. ')[0],
      filter: filter ? filterPatternText(String(props(filter).FilterPattern)) : undefined,
      source: filter
        ? `${groupName}${trail ? `, fed by CloudTrail trail ${ev.name(trail)}${multiRegion ? ' (multi-region)' : ''}` : ''}`
        : metricsText(metrics),
      kind: filter
        ? trail ? `CloudTrail events of ${multiRegion ? 'every region' : trail.stack.region}` : `log group ${groupName}`
        : `${[...new Set(metrics.map((m) => m.namespace))].join(' and ') || 'unknown'} metrics`,
      threshold,
      windowSeconds,
      notifies,
    }];
  });
}

/** One metric an alarm reads: its own (`Namespace`, `MetricName`) or each `MetricStat` of a metric-math alarm. */
interface AlarmMetric {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly stat?: string;
  readonly period?: number;
  /** `Name = value` each, references resolved. */
  readonly dimensions: string[];
}

function alarmMetrics(ev: CellEvidence, alarm: ResourceRef): AlarmMetric[] {
  const p = props(alarm);
  const dimensions = (d: unknown) => asList<Record<string, any>>(d).map((x) => `${x.Name} = ${ev.show(x.Value, alarm.stack)}`);
  if (p.MetricName !== undefined) {
    return [{ id: 'm', namespace: String(p.Namespace), name: String(p.MetricName), stat: p.Statistic ?? p.ExtendedStatistic, period: p.Period === undefined ? undefined : Number(p.Period), dimensions: dimensions(p.Dimensions) }];
  }
  return asList<Record<string, any>>(p.Metrics)
    .filter((m) => m.MetricStat)
    .map((m) => ({ id: String(m.Id), namespace: String(m.MetricStat.Metric?.Namespace), name: String(m.MetricStat.Metric?.MetricName), stat: m.MetricStat.Stat, period: m.MetricStat.Period === undefined ? undefined : Number(m.MetricStat.Period), dimensions: dimensions(m.MetricStat.Metric?.Dimensions) }));
}

/**
 * The metrics an alarm reads: `AWS/SQS ApproximateNumberOfMessagesVisible, QueueName = …`. The
 * metrics of a metric-math alarm that share namespace, name and statistic state them (and the
 * dimensions they all have) once, then each metric's id with its other dimensions.
 */
function metricsText(metrics: readonly AlarmMetric[]): string {
  const [first] = metrics;
  if (!first) return 'no metric in the template';
  const withDimensions = (head: string, dims: string[]) => [head, ...dims].join(', ');
  if (metrics.length === 1) return withDimensions(`${first.namespace} ${first.name}`, first.dimensions);
  const same = metrics.every((m) => m.namespace === first.namespace && m.name === first.name && m.stat === first.stat);
  if (!same) return metrics.map((m) => withDimensions(`${m.id}: ${m.namespace} ${m.name}${m.stat ? ` (${m.stat})` : ''}`, m.dimensions)).join('\n');
  const common = first.dimensions.filter((d) => metrics.every((m) => m.dimensions.includes(d)));
  return [
    `${withDimensions(`${first.namespace} ${first.name}${first.stat ? ` (${first.stat})` : ''}`, common)}, of`,
    ...metrics.map((m) => `${m.id}: ${m.dimensions.filter((d) => !common.includes(d)).join(', ') || 'no other dimension'}`),
  ].join('\n');
}

const COMPARISON: Record<string, string> = {
  GreaterThanOrEqualToThreshold: '≥',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};

/**
 * `≥ 1 in 5 min (Sum)`. A metric-math alarm (`Metrics` with an expression) has no `Period` or
 * `Statistic` of its own: they are in each `MetricStat`, and the expression is what is compared.
 */
function alarmThreshold(p: Record<string, any>, metrics: AlarmMetric[]): { threshold: string; windowSeconds?: number } {
  const expression = asList<Record<string, any>>(p.Metrics).find((m) => m.Expression !== undefined && m.ReturnData !== false)?.Expression;
  const periods = [...new Set(metrics.map((m) => m.period))];
  const period = p.Period !== undefined ? Number(p.Period) : periods.length === 1 ? periods[0] : undefined;
  const n = Number(p.EvaluationPeriods ?? 1);
  const duration = (s: number) => (s % 60 === 0 ? `${s / 60} min` : `${s} s`);
  const over = period === undefined ? `over ${n} × ${periods.length > 1 ? 'periods of different lengths' : 'a period not in the template'}` : n === 1 ? `in ${duration(period)}` : `in ${p.DatapointsToAlarm ?? n} of ${n} periods of ${duration(period)}`;
  const op = COMPARISON[String(p.ComparisonOperator)] ?? String(p.ComparisonOperator);
  const stat = expression === undefined && metrics.length === 1 ? metrics[0].stat : undefined;
  return {
    threshold: `${expression !== undefined ? `${expression} ` : ''}${op} ${p.Threshold ?? p.ThresholdMetricId} ${over}${stat ? ` (${stat})` : ''}`,
    windowSeconds: period === undefined ? undefined : n * period,
  };
}

/** One condition of a CloudWatch Logs JSON filter pattern: `$.path = "v"`, `$.path != "v"`, `$.path NOT EXISTS`, or `($.path = "a" || $.path = "b")`. */
interface FilterCondition {
  readonly path: string;
  readonly op: '=' | '!=' | 'NOT EXISTS';
  readonly values: string[];
}

const FILTER_COMPARISON = /^\$\.([A-Za-z0-9_.]+)\s*(?:(=|!=)\s*"([^"\\\s,;]*)"|(NOT EXISTS))$/;

/**
 * Parses a filter pattern that is a conjunction (`&&`) of comparisons, each alone or an
 * or-list (`||`) of equalities on one field; any other shape (nesting, numbers, values with
 * spaces, commas or semicolons) is `undefined`, so that the pack shows the pattern as written.
 */
export function parseFilterPattern(pattern: string): FilterCondition[] | undefined {
  const body = /^\{\s*([\s\S]*?)\s*\}$/.exec(pattern.trim())?.[1];
  if (body === undefined) return undefined;
  const comparison = (text: string): FilterCondition | undefined => {
    const m = FILTER_COMPARISON.exec(text.trim());
    return m ? { path: m[1], op: (m[2] ?? m[4]) as FilterCondition['op'], values: m[4] ? [] : [m[3]] } : undefined;
  };
  const conditions: FilterCondition[] = [];
  for (const part of splitTopLevel(body, '&&')) {
    const p = part.trim();
    if (p.startsWith('(') && p.endsWith(')')) {
      const inner = p.slice(1, -1);
      if (/[()]/.test(inner.replace(/"[^"]*"/g, ''))) return undefined;
      const alternatives = splitTopLevel(inner, '||').map(comparison);
      if (alternatives.some((a) => a === undefined || a.op !== '=' || a.path !== alternatives[0]!.path)) return undefined;
      conditions.push({ path: alternatives[0]!.path, op: '=', values: alternatives.flatMap((a) => a!.values) });
    } else {
      const c = comparison(p);
      if (!c) return undefined;
      conditions.push(c);
    }
  }
  return conditions.length > 0 ? conditions : undefined;
}

/** `kms.amazonaws.com: DisableKey, PutKeyPolicy; requestParameters.keyId = one of a, b` for a parsed pattern, else the pattern as written. */
export function filterPatternText(pattern: string): string {
  const conditions = parseFilterPattern(pattern);
  if (!conditions) return pattern;
  const source = conditions.find((c) => c.path === 'eventSource' && c.op === '=' && c.values.length === 1);
  const names = conditions.find((c) => c.path === 'eventName' && c.op === '=');
  const head = source && names ? [`${source.values[0]}: ${names.values.join(', ')}`] : [];
  const rest = conditions.filter((c) => !head.length || (c !== source && c !== names));
  const text = (c: FilterCondition) => (c.op === 'NOT EXISTS' ? `${c.path} NOT EXISTS` : c.values.length > 1 ? `${c.path} = one of ${c.values.join(', ')}` : `${c.path} ${c.op} ${c.values[0]}`);
  return [...head, ...rest.map(text)].join('; ');
}

/** Splits at a two-character operator outside double quotes and parentheses. */
function splitTopLevel(text: string, operator: '&&' | '||'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    else if (!quoted && depth === 0 && text.startsWith(operator, i)) {
      parts.push(text.slice(start, i));
      start = i + operator.length;
      i++;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** A statement about one resource; `where` is `in <region>`, or `in <region> and <region>` when it reads the same in several. */
interface RegionalItem {
  readonly region: string;
  readonly text: (where: string) => string;
}

function andList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * One line per distinct statement: statements that read the same in several regions (each
 * resource's own region written `<region>`) are one line naming the regions.
 */
function sameInRegions(ev: CellEvidence, items: readonly RegionalItem[]): string[] {
  const MARK = '\u0000region\u0000';
  const groups = new Map<string, string[]>();
  for (const item of items) {
    const own = new RegExp(`(?<![a-z0-9])${item.region.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z0-9])`, 'g');
    const masked = item.text(MARK).replace(own, '<region>');
    groups.set(masked, [...(groups.get(masked) ?? []), item.region]);
  }
  return [...groups].map(([masked, regions]) => {
    const [one] = regions;
    const many = regions.length > 1;
    const where = `in ${andList(ev.regionOrder(regions))}${many && masked.includes('<region>') ? ' (`<region>`: each one\'s own)' : ''}`;
    return many ? masked.replace(MARK, where) : masked.replace(MARK, where).replace(/<region>/g, one);
  });
}

/** Table rows about the same resource (same name and logical id) in several stacks. */
interface StackRow {
  readonly refs: ResourceRef[];
  readonly cells: string[];
}

/** Rows that read the same (and have the same `key`) for a resource of the same name and logical id in several stacks are one row. */
function mergeAcrossStacks(ev: CellEvidence, rows: ReadonlyArray<{ ref: ResourceRef; key: string; cells: string[] }>): StackRow[] {
  const groups = new Map<string, { refs: ResourceRef[]; cells: string[] }>();
  for (const row of rows) {
    const key = [ev.name(row.ref), row.ref.logicalId, row.key, ...row.cells].join('\u0000');
    const g = groups.get(key) ?? { refs: [], cells: row.cells };
    g.refs.push(row.ref);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    const order = ev.regionOrder(g.refs.map((r) => r.stack.region));
    return { refs: [...g.refs].sort((a, b) => order.indexOf(a.stack.region) - order.indexOf(b.stack.region)), cells: g.cells };
  });
}

/** The name (each resource's logical id is in the annex's index), then the stacks (with their regions) that hold it, then the row's cells. */
function stackRows(ev: CellEvidence, rows: readonly StackRow[]): string[][] {
  for (const r of rows) for (const ref of r.refs) ev.labelled.add(ref);
  return rows.map((r) => [cell(ev.name(r.refs[0])), r.refs.map((x) => `${code(ev.stackName(x.stack))} ${x.stack.region}`).join('<br>'), ...r.cells]);
}

/**
 * The rules' descriptions: one when they read the same; when the others only add words to the
 * shortest, the shortest and what each adds, with its stack; else each with its stack.
 */
function descriptionsOf(ev: CellEvidence, refs: readonly ResourceRef[]): string {
  const described = refs.map((r) => ({ ref: r, text: String(props(r).Description ?? '') }));
  const shortest = [...described].sort((a, b) => a.text.length - b.text.length)[0].text;
  if (described.every((d) => d.text === shortest)) return shortest;
  const where = (r: ResourceRef) => `${ev.stackName(r.stack)} ${r.stack.region}`;
  if (shortest && described.every((d) => d.text.startsWith(shortest))) {
    return `${shortest}${described.filter((d) => d.text !== shortest).map((d) => ` (${where(d.ref)} adds “${d.text.slice(shortest.length).trim()}”)`).join('')}`;
  }
  return described.map((d) => `${d.text || '—'} (${where(d.ref)})`).join('\n');
}

/** Columns whose cells are lists, one item a line. */
const LIST_COLUMNS = new Set(['Stack', 'Notifies']);

/**
 * A table whose columns hold the same value in every row (of at least two) are stated once
 * above it. A column of lists (`LIST_COLUMNS`) whose rows all hold an item states that item once, and
 * keeps the rest as `Also …`.
 */
function sharedColumnsTable(title: string, headers: readonly string[], rows: readonly string[][]): string {
  const lines = (c: string, header: string) => (LIST_COLUMNS.has(header) ? c.split('<br>') : [c]);
  const shared: string[] = [];
  const columns: Array<{ header: string; values: string[] }> = [{ header: headers[0], values: rows.map((r) => r[0]) }];
  for (let i = 1; i < headers.length; i++) {
    const values = rows.map((r) => r[i]);
    const common = rows.length < 2 ? [] : lines(values[0], headers[i]).filter((l) => values.every((v) => lines(v, headers[i]).includes(l)));
    if (common.length === 0) {
      columns.push({ header: headers[i], values });
      continue;
    }
    shared.push(`${headers[i].toLowerCase()} ${common.join(', ')}`);
    const rest = values.map((v) => lines(v, headers[i]).filter((l) => !common.includes(l)).join('<br>'));
    if (rest.some((v) => v !== '')) columns.push({ header: `Also: ${headers[i].toLowerCase()}`, values: rest.map((v) => v || '—') });
  }
  return blocks(
    `${title}${shared.length ? `. In every row: ${shared.join('; ')}` : ''}:`,
    table(columns.map((c) => c.header), rows.map((_, j) => columns.map((c) => c.values[j]))),
  );
}
