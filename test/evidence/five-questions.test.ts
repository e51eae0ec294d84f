import { phiBucketName } from '../../lib/naming';
import { WHO_CAN_REACH_ANCHOR, fiveQuestionsSection } from '../../lib/evidence/sections/five-questions';
import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { synthesized } from '../helpers';
import { cellEvidenceOf, linesWith, resourcesIn } from './support';

const ANCHORS = new Set(['sub-processors', 'residency', 'retention', 'alerting', 'encryption', 'transmission', 'access-control']);

describe('the five questions page', () => {
  const config = fixtureConfig({ cells: 1, tenantsPerCell: 2 });
  const result = synthesized(config, { packs: false });
  const page = (ev = cellEvidenceOf(result, 'us-east'), anchors: ReadonlySet<string> = ANCHORS) => fiveQuestionsSection(ev, anchors);
  const first = fixtureTenantId('us-east', 1);
  const second = fixtureTenantId('us-east', 2);
  const txtBucket = (tenant: string) => phiBucketName({ platform: config.platform, cell: config.cells[0] }, tenant, 'txt');

  test('asks the five questions, and each answer links to its detailed section', () => {
    const text = page();
    for (const q of ['### 1. Will you sign a BAA', '### 2. Where is patient data stored', '### 3. What is your breach notification process', '### 4. How is it encrypted', '### 5. Who can access it']) {
      expect(text).toContain(q);
    }
    for (const anchor of ANCHORS) expect(text).toContain(`](#${anchor})`);
  });

  test('names each sub-processor with its contracts and the data it sees (config)', () => {
    const [telephony] = linesWith(page(), '| Fixture Telephony Co. |');
    expect(telephony).toContain('call-audio, caller-phone-number, call-metadata (PHI)');
    expect(telephony).toContain('BAA signed 2026-01-15; DPA signed 2026-01-15');
  });

  test('states the notification promise and contacts from config, and follows a change of them', () => {
    expect(page()).toContain('within **24 hours** of discovering a breach');
    expect(page()).toContain('Privacy officer `privacy@example.com` `+1 555 0100`');
    const changed = fixtureConfig({
      cells: 1,
      tenantsPerCell: 2,
      edit: (raw) => (raw.breachNotification = { notifyClinicsWithinHours: 12, contacts: [{ role: 'Security on-call', email: 'oncall@example.com' }] }),
    });
    const text = page(cellEvidenceOf(result, 'us-east', undefined, changed));
    expect(text).toContain('within **12 hours**');
    expect(text).toContain('Security on-call `oncall@example.com`');
    expect(text).not.toContain('privacy@example.com');
  });

  test('reads how long transcripts are kept from each bucket\'s lifecycle, grouping clinics with the same period', () => {
    expect(linesWith(page(), '**Transcripts:**')[0]).toContain(`365 days: 1 clinic (\`${first}\`); 730 days: 1 clinic (\`${second}\`)`);
    const edited = page(
      cellEvidenceOf(result, 'us-east', (t) => {
        const [[, bucket]] = resourcesIn(t[`us-east/Tenant-${second}`], 'AWS::S3::Bucket').filter(([, b]) => b.Properties.BucketName === txtBucket(second));
        bucket.Properties.LifecycleConfiguration.Rules.find((r: any) => r.ExpirationInDays).ExpirationInDays = 365;
      }),
    );
    expect(linesWith(edited, '**Transcripts:**')[0]).toContain(`365 days: 2 clinics (\`${first}\`, \`${second}\`)`);
  });

  test('says truthfully that database rows have no time-based retention and names the function that deletes them', () => {
    const [rows] = linesWith(page(), '**Appointments and call metadata (database rows):**');
    expect(rows).toContain('**no time-based retention is defined**');
    expect(rows).toContain('`voice.offboard_clinic`');
  });

  test('says who is alerted from the topic subscriptions in the templates', () => {
    const [who] = linesWith(page(), '**Who is alerted, within minutes:**');
    expect(who).toContain('`email security-alerts-us-east@example.com`');
    const none = page(cellEvidenceOf(result, 'us-east', (t) => {
      for (const stack of Object.values(t)) for (const [id] of resourcesIn(stack, 'AWS::SNS::Subscription')) delete stack.Resources[id];
    }));
    expect(linesWith(none, '**Who is alerted, within minutes:**')[0]).toContain('**no subscriber in the templates**');
  });

  describe('the breach answer', () => {
    // Every alarm that notifies a topic, and every rule, read from the cell's templates, with its stack's region.
    const inCell = (type: string) =>
      result.stacks('us-east').flatMap((s) => resourcesIn(s.template, type).map(([id, r]) => ({ id, r, path: s.hierarchicalId, region: s.environment.region })));
    const count = (items: Array<{ region: string }>, region: string) => items.filter((i) => i.region === region).length;
    const detected = (edit?: Parameters<typeof cellEvidenceOf>[2]) => linesWith(page(cellEvidenceOf(result, 'us-east', edit)), '**Detected:**')[0];

    test('counts rules and alarms by region and alarms by kind, and leaves their names to the alerting section', () => {
      const rules = inCell('AWS::Events::Rule');
      const alarms = inCell('AWS::CloudWatch::Alarm').filter((a) => a.r.Properties.AlarmActions?.length);
      const onTrail = alarms.filter((a) => String(a.r.Properties.Namespace ?? '').startsWith('VoicePlatform/'));
      const line = detected();
      expect(line).toContain(`${rules.length} EventBridge rules (${count(rules, 'us-east-1')} in us-east-1, ${count(rules, 'us-west-2')} in us-west-2) alert as events happen`);
      expect(line).toContain(`${alarms.length} CloudWatch alarms (${count(alarms, 'us-east-1')} in us-east-1, ${count(alarms, 'us-west-2')} in us-west-2): ${onTrail.length} on CloudTrail events of every region`);
      for (const ns of new Set(alarms.filter((a) => a.r.Properties.Namespace?.startsWith('AWS/')).map((a) => a.r.Properties.Namespace))) {
        expect(line).toContain(`${alarms.filter((a) => a.r.Properties.Namespace === ns).length} on ${ns} metrics`);
      }
      expect(line).toContain('1 on AWS/S3 metrics'); // the metric-math SIEM replication alarm
      expect(line).toContain('[Alerting on security events](#alerting)');
      for (const a of alarms) expect(line).not.toContain(a.r.Properties.AlarmName);
      expect(Buffer.byteLength(line)).toBeLessThan(400);
    });

    test('follows the templates: a removed alarm is no longer counted, a longer period is the time to alert', () => {
      const alarms = inCell('AWS::CloudWatch::Alarm').filter((a) => a.r.Properties.AlarmActions?.length);
      const [trailAlarm] = alarms.filter((a) => String(a.r.Properties.Namespace ?? '').startsWith('VoicePlatform/'));
      const onTrail = alarms.filter((a) => String(a.r.Properties.Namespace ?? '').startsWith('VoicePlatform/')).length;
      const fewer = detected((t) => delete t[trailAlarm.path].Resources[trailAlarm.id]);
      expect(fewer).toContain(`${alarms.length - 1} CloudWatch alarms`);
      expect(fewer).toContain(`${onTrail - 1} on CloudTrail events of every region`);
      const who = (edit: Parameters<typeof cellEvidenceOf>[2]) => linesWith(page(cellEvidenceOf(result, 'us-east', edit)), '**Who is alerted, within minutes:**')[0];
      expect(who(undefined)).toContain('alarms within 5 minutes');
      expect(who((t) => (t[trailAlarm.path].Resources[trailAlarm.id].Properties.Period = 900))).toContain('alarms within 15 minutes');
      // A metric-math alarm has its period in each metric, not on the alarm.
      const siem = alarms.find((a) => a.r.Properties.Metrics)!;
      expect(siem.r.Properties.Period).toBeUndefined();
      expect(who((t) => t[siem.path].Resources[siem.id].Properties.Metrics.forEach((m: any) => m.MetricStat && (m.MetricStat.Period = 1200)))).toContain('alarms within 20 minutes');
    });
  });

  test('states the load balancer to container hop from the target group', () => {
    const [transit] = linesWith(page(), '**In transit:**');
    expect(transit).toContain('the load balancer reaches the container over HTTPS 8080 TLS');
  });

  test('counts the clinics with their own access role from the roles in the templates', () => {
    expect(linesWith(page(), '**Each clinic\'s data:**')[0]).toContain('2 of 2 clinics have their own access role');
    const fewer = page(cellEvidenceOf(result, 'us-east', (t) => {
      const stack = t[`us-east/Tenant-${second}`];
      for (const [id, role] of resourcesIn(stack, 'AWS::IAM::Role')) if (role.Properties.RoleName === `vp-us-east-tenant-${second}`) delete stack.Resources[id];
    }));
    expect(linesWith(fewer, '**Each clinic\'s data:**')[0]).toContain('1 of 2 clinics have their own access role');
  });

  test('links to "Who can reach each clinic\'s data" only when that section is in the pack', () => {
    expect(page()).not.toContain(`(#${WHO_CAN_REACH_ANCHOR})`);
    expect(page(undefined, new Set([...ANCHORS, WHO_CAN_REACH_ANCHOR]))).toContain(`[Who can reach each clinic's data](#${WHO_CAN_REACH_ANCHOR})`);
  });
});
