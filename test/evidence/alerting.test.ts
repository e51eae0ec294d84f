import { alarmFiltersAnnex, auditControls } from '../../lib/evidence/sections/audit-controls';
import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';
import { TemplateEdits, cellEvidenceOf, linesWith, resourcesIn } from './support';

// "Alerting on security events" and "Other activity records": every rule, alarm and topic is still
// stated after rows of the same content are merged and shared values are stated once, and each
// statement follows the template.
describe('alerting and activity records of the evidence pack', () => {
  const result = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1 }), { packs: false });
  const DETECTION = 'us-east/Detection';
  const DR = 'us-east/DisasterRecovery';
  const AUDIT = 'us-east/Audit';
  const section = (edit?: TemplateEdits) => auditControls(cellEvidenceOf(result, 'us-east', edit));
  /** Annex A6: each alarm's filter pattern, `| alarm | stack | pattern |`. */
  const filters = (edit?: TemplateEdits) => alarmFiltersAnnex(cellEvidenceOf(result, 'us-east', edit));
  const FILTER = '| `Detection` | ';
  const alerting = (edit?: TemplateEdits) => {
    const text = section(edit);
    return text.slice(text.indexOf('#### Alerting on security events'));
  };
  const otherRecords = (edit?: TemplateEdits) => {
    const text = section(edit);
    return text.slice(text.indexOf('#### Other activity records'), text.indexOf('**S3 server access logs**'));
  };
  /** The table row(s) of a resource, by the name its first cell starts with. */
  const rows = (text: string, name: string) => linesWith(text, `| ${name} |`);
  const intro = (text: string, title: string) => linesWith(text, title)[0];
  const resource = (stack: string, type: string, pick: (p: Record<string, any>) => boolean) => resourcesIn(result.templateJson(stack), type).find(([, r]) => pick(r.Properties))!;
  const alarm = (stack: string, name: string) => resource(stack, 'AWS::CloudWatch::Alarm', (p) => p.AlarmName === name);
  const topicName = (stack: string, ref: Record<string, any>) => result.templateJson(stack).Resources[ref.Ref].Properties.TopicName;
  const trailAlarms = () => resourcesIn(result.templateJson(DETECTION), 'AWS::CloudWatch::Alarm').filter(([, a]) => String(a.Properties.Namespace ?? '').startsWith('VoicePlatform/'));
  const filterOf = (alarmProps: Record<string, any>) =>
    resource(DETECTION, 'AWS::Logs::MetricFilter', (p) => p.MetricTransformations.some((m: any) => m.MetricName === alarmProps.MetricName && m.MetricNamespace === alarmProps.Namespace));
  const KEY_ALARM = 'vp-us-east-KeyDisabledOrDeleted';
  const LOG_TITLE = '**CloudWatch alarms on log metric filters**';
  const METRIC_TITLE = '**CloudWatch alarms on AWS metrics**';
  const RULE_TITLE = '**EventBridge rules**';

  describe('alarms on the trail\'s metric filters', () => {
    test('each is a row with its description and filter; the log group, its trail, the threshold and the common topic are stated once', () => {
      const text = alerting();
      const alarms = trailAlarms();
      expect(alarms.length).toBeGreaterThanOrEqual(5);
      const [, trail] = resource(AUDIT, 'AWS::CloudTrail::Trail', () => true);
      expect(trail.Properties.IsMultiRegionTrail).toBe(true);
      const shared = intro(text, LOG_TITLE);
      expect(shared).toMatch(new RegExp(`counts events in TrailLogs\\w*, fed by CloudTrail trail ${trail.Properties.TrailName} \\(multi-region\\);`));
      expect(shared).toContain('threshold ≥ 1 in 5 min (Sum)');
      expect(shared).toContain('stack `Detection` us-east-1');
      const everyTopic = alarms.map(([, a]) => a.Properties.AlarmActions.map((r: any) => topicName(DETECTION, r)));
      const common = everyTopic[0].filter((t: string) => everyTopic.every((ts) => ts.includes(t)));
      expect(common.length).toBeGreaterThan(0);
      expect(shared).toContain(`notifies ${common.join(', ')}`);
      for (const [, a] of alarms) {
        expect(a.Properties).toMatchObject({ Statistic: 'Sum', ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1, EvaluationPeriods: 1, Period: 300 });
        const [row, ...more] = rows(text, a.Properties.AlarmName);
        expect(more).toEqual([]);
        expect(row).toContain(String(a.Properties.AlarmDescription).split('. ')[0]);
        expect(rows(filters(), a.Properties.AlarmName)[0]).toContain(FILTER);
        for (const t of a.Properties.AlarmActions.map((r: any) => topicName(DETECTION, r)).filter((t: string) => !common.includes(t))) expect(row).toContain(t);
      }
      // The key alarm also notifies the fallback topic, in its own row only.
      expect(rows(text, KEY_ALARM)[0]).toContain('| vp-us-east-security-alerts-fallback |');
    });

    test('a threshold, period or topic that differs from the others is stated in its row, and no longer once for all', () => {
      const [[rootId], [breakGlassId], [trailChangedId]] = ['vp-us-east-RootUserActivity', 'vp-us-east-BreakGlassUsed', 'vp-us-east-AuditTrailChanged'].map((n) => alarm(DETECTION, n));
      const p = (id: string) => result.templateJson(DETECTION).Resources[id].Properties;
      const text = alerting((t) => {
        Object.assign(t[DETECTION].Resources[rootId].Properties, { Period: 60 });
        Object.assign(t[DETECTION].Resources[breakGlassId].Properties, { ComparisonOperator: 'GreaterThanThreshold', Threshold: 3, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
        t[DETECTION].Resources[trailChangedId].Properties.AlarmActions = [{ Ref: resource(DETECTION, 'AWS::SNS::Topic', (x) => x.TopicName === 'vp-us-east-security-alerts-fallback')[0] }];
      });
      const shared = intro(text, LOG_TITLE);
      expect(shared).not.toContain('threshold');
      expect(shared).not.toContain('notifies');
      expect(rows(text, p(rootId).AlarmName)[0]).toContain('| ≥ 1 in 1 min (Sum) |');
      expect(rows(text, p(breakGlassId).AlarmName)[0]).toContain('| &gt; 3 in 2 of 3 periods of 5 min (Sum) |');
      expect(rows(text, p(trailChangedId).AlarmName)[0]).toMatch(/\| vp-us-east-security-alerts-fallback \|$/);
      expect(rows(text, KEY_ALARM)[0]).toContain('| vp-us-east-security-alerts<br>vp-us-east-security-alerts-fallback |');
    });

    test('an alarm removed from the template is no longer listed; a changed description is', () => {
      const [[removed], [changed]] = trailAlarms();
      const name = (id: string) => result.templateJson(DETECTION).Resources[id].Properties.AlarmName;
      const text = alerting((t) => {
        delete t[DETECTION].Resources[removed];
        t[DETECTION].Resources[changed].Properties.AlarmDescription = 'Something else entirely. More.';
      });
      expect(rows(text, name(removed))).toEqual([]);
      expect(rows(text, name(changed))[0]).toContain('| Something else entirely |');
    });
  });

  describe('metric filter patterns', () => {
    const withPattern = (pattern: string) => {
      const [, keyAlarm] = alarm(DETECTION, KEY_ALARM);
      const [filterId] = filterOf(keyAlarm.Properties);
      return rows(filters((t) => (t[DETECTION].Resources[filterId].Properties.FilterPattern = pattern)), KEY_ALARM)[0];
    };

    test('the template\'s patterns of the common shape read `source: event names; condition`, others as written', () => {
      const text = filters();
      expect(alerting()).toContain('[Annex A6](evidence-us-east-annex.md#alarm-filters)');
      const [, keyAlarm] = alarm(DETECTION, KEY_ALARM);
      expect(filterOf(keyAlarm.Properties)[1].Properties.FilterPattern).toBe('{ $.eventSource = "kms.amazonaws.com" && ($.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion" || $.eventName = "PutKeyPolicy") }');
      expect(rows(text, KEY_ALARM)[0]).toContain(`${FILTER}kms.amazonaws.com: DisableKey, ScheduleKeyDeletion, PutKeyPolicy |`);
      const [, backup] = alarm(DETECTION, 'vp-us-east-BackupCopiedElsewhere');
      const raw = String(filterOf(backup.Properties)[1].Properties.FilterPattern);
      expect(raw).toContain('(($.eventName = "StartCopyJob" &&');
      expect(rows(text, 'vp-us-east-BackupCopiedElsewhere')[0]).toContain(`${FILTER}${raw.replace(/\|/g, '\\|')} |`);
    });

    test.each([
      ['source, events and further conditions', '{ $.eventSource = "kms.amazonaws.com" && ($.eventName = "A" || $.eventName = "B") && $.requestParameters.keyId NOT EXISTS && ($.userName = "x" || $.userName = "y-*") }', 'kms.amazonaws.com: A, B; requestParameters.keyId NOT EXISTS; userName = one of x, y-*'],
      ['a single event name', '{ $.eventName = "DeleteTrail" && $.eventSource = "cloudtrail.amazonaws.com" }', 'cloudtrail.amazonaws.com: DeleteTrail'],
      ['a negated event name (no `source:` form)', '{ $.eventName != "A" && $.eventSource = "s3.amazonaws.com" }', 'eventName != A; eventSource = s3.amazonaws.com'],
    ])('renders %s faithfully', (_, pattern, expected) => {
      expect(withPattern(pattern)).toContain(`${FILTER}${expected} |`);
    });

    test.each([
      ['nested groups', '{ $.eventSource = "kms.amazonaws.com" && (($.eventName = "A" && $.x = "1") || $.eventName = "B") }'],
      ['an or-list over two fields', '{ ($.eventName = "A" || $.userName = "B") }'],
      ['an or at the top', '{ $.errorCode = "AccessDenied" || $.errorCode = "Unauthorized" }'],
      ['a number comparison', '{ $.latency > 1000 }'],
      ['a value with a space', '{ $.eventName = "A B" }'],
      ['a value with a comma', '{ $.eventName = "A,B" }'],
      ['a text pattern', 'ERROR'],
      ['an empty pattern', '{ }'],
    ])('shows %s as written', (_, pattern) => {
      expect(withPattern(pattern)).toContain(`${FILTER}${pattern.replace(/\|/g, '\\|').replace(/>/g, '&gt;')} |`);
    });
  });

  describe('alarms on AWS metrics', () => {
    const DELIVERY = ['vp-us-east-alert-delivery-DeadLettered', 'vp-us-east-alert-delivery-NotificationsFailed', 'vp-us-east-alert-delivery-RuleInvocationsFailed'];

    test('an alarm the primary and DR stacks both hold with the same content is one row naming both stacks and regions', () => {
      const text = alerting();
      expect(intro(text, METRIC_TITLE)).toContain('stack `Detection` us-east-1');
      for (const name of DELIVERY) {
        const [[, primary], [, dr]] = [alarm(DETECTION, name), alarm(DR, name)];
        expect(dr.Properties).toEqual(primary.Properties);
        const [row, ...more] = rows(text, name);
        expect(more).toEqual([]);
        expect(row).toContain('| `DisasterRecovery` us-west-2 |');
        expect(row).toContain(String(primary.Properties.AlarmDescription).split('. ')[0]);
        expect(row).toContain(`| ${primary.Properties.Namespace} ${primary.Properties.MetricName}`);
        expect(row).toContain(`| ≥ 1 in 5 min (${primary.Properties.Statistic}) |`);
        expect(row).toContain(`| ${topicName(DETECTION, primary.Properties.AlarmActions[0])} |`);
      }
      expect(rows(text, DELIVERY[1])[0]).toContain('AWS/SNS NumberOfNotificationsFailed, TopicName = vp-us-east-security-alerts |');
    });

    test('when the DR copy differs, each is its own row with its own stack', () => {
      const [drId] = alarm(DR, DELIVERY[0]);
      const text = alerting((t) => (t[DR].Resources[drId].Properties.Threshold = 2));
      const both = rows(text, DELIVERY[0]);
      expect(both).toHaveLength(2);
      const [primary, dr] = [both.find((r) => r.includes('`Detection`'))!, both.find((r) => r.includes('`DisasterRecovery`'))!];
      expect(primary).toContain('| `Detection` us-east-1 |');
      expect(primary).toContain('| ≥ 1 in 5 min (Maximum) |');
      expect(dr).toContain('| `DisasterRecovery` us-west-2 |');
      expect(dr).toContain('| ≥ 2 in 5 min (Maximum) |');
    });

    test('a metric-math alarm states its expression, the period of its metrics and each metric (not "× ? s")', () => {
      const name = 'vp-us-east-SiemReplicationFailed';
      const [id, siem] = alarm(DETECTION, name);
      // Metric math: no Period or Statistic on the alarm, they are in each MetricStat.
      expect(siem.Properties.Period).toBeUndefined();
      const expression = siem.Properties.Metrics.find((m: any) => m.Expression).Expression;
      const stats = siem.Properties.Metrics.filter((m: any) => m.MetricStat);
      expect(stats.map((m: any) => m.MetricStat.Period)).toEqual([300, 300]);
      const [row] = rows(alerting(), name);
      expect(row).not.toContain('?');
      expect(row).toContain(`| ${expression} ≥ 1 in 5 min |`);
      const dims = (m: any) => Object.fromEntries(m.MetricStat.Metric.Dimensions.map((d: any) => [d.Name, d.Value]));
      expect(row).toContain(`AWS/S3 OperationsFailedReplication (Sum), SourceBucket = ${dims(stats[0]).SourceBucket}, of`);
      for (const m of stats) expect(row).toContain(`${m.Id}: DestinationBucket = ${dims(m).DestinationBucket}, RuleId = ${dims(m).RuleId}`);
      const metrics = (edit: (stats: any[]) => void) => rows(alerting((t) => edit(t[DETECTION].Resources[id].Properties.Metrics.filter((m: any) => m.MetricStat))), name)[0];
      expect(metrics((s) => s.forEach((m) => (m.MetricStat.Period = 60)))).toContain(`| ${expression} ≥ 1 in 1 min |`);
      expect(metrics((s) => (s[0].MetricStat.Period = 60))).toContain(`| ${expression} ≥ 1 over 1 × periods of different lengths |`);
      expect(metrics((s) => (s[1].MetricStat.Stat = 'Maximum'))).toContain(`${stats[1].Id}: AWS/S3 OperationsFailedReplication (Maximum), DestinationBucket = ${dims(stats[1]).DestinationBucket}`);
    });
  });

  describe('EventBridge rules', () => {
    const rules = (stack: string) => resourcesIn(result.templateJson(stack), 'AWS::Events::Rule');

    test('each rule is a row with what it fires on and its state; the topic they all notify is stated once', () => {
      const text = alerting();
      const topics = new Set([DETECTION, DR].flatMap((stack) => rules(stack).flatMap(([, r]) => r.Properties.Targets.map((x: any) => topicName(stack, x.Arn)))));
      expect(topics.size).toBe(1);
      expect(intro(text, RULE_TITLE)).toContain(`notifies ${[...topics][0]}`);
      for (const [, r] of rules(DETECTION)) {
        const [row, ...more] = rows(text, r.Properties.Name);
        expect(more).toEqual([]);
        expect(row).toContain(`| ${r.Properties.Description}`);
        expect(row).toContain(`| ${r.Properties.State} |`);
      }
    });

    test('a DR rule with the same event pattern is the primary rule\'s row, with what its description adds', () => {
      const text = alerting();
      expect(rules(DR).length).toBeGreaterThan(0);
      for (const [id, dr] of rules(DR)) {
        const primary = result.templateJson(DETECTION).Resources[id];
        expect(dr.Properties.EventPattern).toEqual(primary.Properties.EventPattern);
        expect(dr.Properties.Description.startsWith(primary.Properties.Description)).toBe(true);
        const [row, ...more] = rows(text, dr.Properties.Name);
        expect(more).toEqual([]);
        expect(row).toContain('| `DisasterRecovery` us-west-2 |');
        expect(row).toContain(`| ${primary.Properties.Description} (DisasterRecovery us-west-2 adds “${dr.Properties.Description.slice(primary.Properties.Description.length).trim()}”) |`);
      }
    });

    test('a DR rule with another event pattern, or a rule\'s changed state, shows in its own row', () => {
      const [[id, dr]] = rules(DR);
      const [[otherId, other]] = rules(DETECTION).filter(([i]) => !rules(DR).some(([d]) => d === i));
      const text = alerting((t) => {
        t[DR].Resources[id].Properties.EventPattern = { source: ['aws.other'] };
        t[DETECTION].Resources[otherId].Properties.State = 'DISABLED';
      });
      const both = rows(text, dr.Properties.Name);
      expect(both).toHaveLength(2);
      const [primaryRow, drRow] = [both.find((r) => r.includes('`Detection`'))!, both.find((r) => r.includes('`DisasterRecovery`'))!];
      expect(primaryRow).toContain(`| ${result.templateJson(DETECTION).Resources[id].Properties.Description} |`);
      expect(drRow).toContain(`| ${dr.Properties.Description} |`);
      expect(drRow).toContain('`DisasterRecovery` us-west-2');
      expect(rows(text, other.Properties.Name)[0]).toContain('| DISABLED |');
    });
  });

  describe('topics', () => {
    test('a topic of the same name and subscribers in both regions is one line naming both regions', () => {
      const text = alerting();
      for (const topic of ['vp-us-east-security-alerts', 'vp-us-east-security-alerts-fallback']) {
        expect(linesWith(text, `- Topic \`${topic}\` `)).toEqual([`- Topic \`${topic}\` in us-east-1 and us-west-2 notifies: \`email: security-alerts-us-east@example.com\`.`]);
      }
    });

    test('a subscriber that differs in the DR region gives each region its own line; no subscriber is said', () => {
      const [subId] = resource(DR, 'AWS::SNS::Subscription', (p) => topicName(DR, p.TopicArn) === 'vp-us-east-security-alerts');
      const text = alerting((t) => {
        t[DR].Resources[subId].Properties.Endpoint = 'dr-oncall@example.com';
        for (const [id, s] of resourcesIn(t[DETECTION], 'AWS::SNS::Subscription')) if (topicName(DETECTION, s.Properties.TopicArn) === 'vp-us-east-security-alerts-fallback') delete t[DETECTION].Resources[id];
      });
      const lines = linesWith(text, '- Topic `vp-us-east-security-alerts` ');
      expect(lines).toHaveLength(2);
      expect(lines).toContain('- Topic `vp-us-east-security-alerts` in us-west-2 notifies: `email: dr-oncall@example.com`.');
      expect(lines).toContain('- Topic `vp-us-east-security-alerts` in us-east-1 notifies: `email: security-alerts-us-east@example.com`.');
      expect(linesWith(text, '- Topic `vp-us-east-security-alerts-fallback` in us-east-1 ')[0]).toContain('**no subscriber in the templates**');
    });
  });

  describe('other activity records', () => {
    test('a GuardDuty detector and AWS Config delivery that read the same in both regions are one line naming the regions', () => {
      const text = otherRecords();
      const [guardDuty, ...moreDetectors] = linesWith(text, 'GuardDuty detector');
      expect(moreDetectors).toEqual([]);
      expect(guardDuty).toMatch(/^- GuardDuty detector in us-east-1 and us-west-2 enabled, with `S3_DATA_EVENTS`/);
      const [delivery, ...moreDelivery] = linesWith(text, 'AWS Config', 'delivers');
      expect(moreDelivery).toEqual([]);
      expect(delivery).toContain('AWS Config in us-east-1 and us-west-2 (`<region>`: each one\'s own) delivers snapshots and history to bucket `vp-us-east-config-111111111111-<region>` under `config`, encrypted with `alias/vp-us-east/audit`.');
      // The recorders differ (only the primary records global resources): one line each, with its region.
      expect(linesWith(text, 'AWS Config recorder')).toEqual([
        '- AWS Config recorder `default` in us-west-2 records every supported resource type.',
        '- AWS Config recorder `default` in us-east-1 records every supported resource type, including global resources (IAM).',
      ]);
    });

    test('when the DR region differs, each region has its own line with its own values', () => {
      const text = otherRecords((t) => {
        const [[, detector]] = resourcesIn(t[DR], 'AWS::GuardDuty::Detector');
        detector.Properties.Enable = false;
        const [[, channel]] = resourcesIn(t[DR], 'AWS::Config::DeliveryChannel');
        channel.Properties.S3KeyPrefix = 'dr-config';
      });
      expect(linesWith(text, 'GuardDuty detector in us-west-2 **disabled**')).toHaveLength(1);
      expect(linesWith(text, 'GuardDuty detector in us-east-1 enabled')).toHaveLength(1);
      expect(linesWith(text, 'AWS Config in us-west-2 delivers snapshots and history to bucket `vp-us-east-config-111111111111-us-west-2` under `dr-config`')).toHaveLength(1);
      expect(linesWith(text, 'AWS Config in us-east-1 delivers snapshots and history to bucket `vp-us-east-config-111111111111-us-east-1` under `config`')).toHaveLength(1);
    });
  });
});
