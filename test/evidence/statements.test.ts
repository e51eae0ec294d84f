import { diagramSection } from '../../lib/evidence/sections/diagram';
import { compactTables } from '../../lib/evidence/compact';
import { accessControl, keyPolicyStatements } from '../../lib/evidence/sections/access-control';
import { authentication } from '../../lib/evidence/sections/authentication';
import { transmissionSecurity } from '../../lib/evidence/sections/transmission';
import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';
import { cellEvidenceOf, linesWith, resourcesIn } from './support';

// Each statement is read from the templates: a test changes the template in memory and sees the statement change.
describe('statements of the evidence pack follow the templates', () => {
  const result = synthesized(fixtureConfig({ cells: 1, tenantsPerCell: 1 }), { packs: false });
  const VOICE = 'us-east/Voice';

  describe('the load balancer to voice service hop', () => {
    test('is labelled with the target group\'s protocol and port, not the listener\'s', () => {
      const ev = cellEvidenceOf(result, 'us-east');
      const [group] = resourcesIn(result.templateJson(VOICE), 'AWS::ElasticLoadBalancingV2::TargetGroup');
      const expected = `${group[1].Properties.Protocol} ${group[1].Properties.Port}`;
      expect(group[1].Properties.Protocol).toBe('HTTPS');
      expect(diagramSection(ev)).toContain(`|"${expected} TLS"|`);
      expect(diagramSection(ev)).not.toContain('unencrypted');
      const [row] = linesWith(transmissionSecurity(ev), '(target group)');
      expect(row).toContain(`| ${expected} | TLS from the load balancer to the container |`);
    });

    test('says unencrypted when the target group forwards plain HTTP', () => {
      const ev = cellEvidenceOf(result, 'us-east', (t) => {
        const [[, group]] = resourcesIn(t[VOICE], 'AWS::ElasticLoadBalancingV2::TargetGroup');
        Object.assign(group.Properties, { Protocol: 'HTTP', Port: 8081 });
      });
      expect(diagramSection(ev)).toContain('|"HTTP 8081, unencrypted"|');
      const [row] = linesWith(transmissionSecurity(ev), '(target group)');
      expect(row).toContain('| HTTP 8081 |');
      expect(row).toContain('**unencrypted HTTP** from the load balancer to the container');
    });
  });

  describe('the voice service and its image repository', () => {
    test('the service pulls its image; nothing says it writes to the repository', () => {
      const diagram = diagramSection(cellEvidenceOf(result, 'us-east'));
      const repo = /(n\d+)\[\("Container images/.exec(diagram)![1];
      const toRepo = diagram.split('\n').filter((l) => l.includes('-->') && l.trim().endsWith(` ${repo}`));
      expect(toRepo).toEqual([expect.stringContaining('|"pulls image from"|')]);
    });

    test('a reference from another container field is labelled by that field', () => {
      const diagram = diagramSection(
        cellEvidenceOf(result, 'us-east', (t) => {
          const [[, task]] = resourcesIn(t[VOICE], 'AWS::ECS::TaskDefinition');
          const container = task.Properties.ContainerDefinitions[0];
          container.Environment.push({ Name: 'IMAGE_SOURCE', Value: container.Image });
          container.Image = 'public.ecr.aws/placeholder/image:1';
        }),
      );
      const repo = /(n\d+)\[\("Container images/.exec(diagram)![1];
      const toRepo = diagram.split('\n').filter((l) => l.includes('-->') && l.trim().endsWith(` ${repo}`));
      expect(toRepo).toEqual([expect.stringContaining('|"writes to"|')]);
    });
  });

  // Alerting on security events: test/evidence/alerting.test.ts.

  describe('key policies', () => {
    const DR = 'us-east/DisasterRecovery';
    const backupKey = (t: Record<string, any>) => resourcesIn(t, 'AWS::KMS::Key').find(([id]) => id.startsWith('BackupKey'))!;
    const keyTable = (edit?: Parameters<typeof cellEvidenceOf>[2]) => {
      const ev = cellEvidenceOf(result, 'us-east', edit);
      return compactTables(keyPolicyStatements(ev), ev.tenants.map((t) => t.id));
    };
    const keySummary = (edit?: Parameters<typeof cellEvidenceOf>[2]) => accessControl(cellEvidenceOf(result, 'us-east', edit));

    test('the pack names each statement once with the keys that hold it, by region, and links to the statements in the annex', () => {
      const text = keySummary();
      const [row] = linesWith(text, '| Allow (UseViabackup)');
      expect(row).toContain('2 keys<br>us-east-1: backup<br>us-west-2: backup');
      expect(linesWith(text, '| Allow (KeyAdministrationWithoutUse) |')[0]).toMatch(/every key of the cell \(\d+\)/);
      expect(text).toContain('[Annex A1](evidence-us-east-annex.md#key-policies)');
      // Dropping the statement from the DR key leaves one key, in the primary region.
      const fewer = keySummary((t) => {
        const [, key] = backupKey(t[DR]);
        key.Properties.KeyPolicy.Statement = key.Properties.KeyPolicy.Statement.filter((x: any) => x.Sid !== 'UseViabackup');
      });
      expect(linesWith(fewer, '| Allow (UseViabackup) |')[0]).toContain('1 key<br>us-east-1: backup |');
    });

    test('a statement the backup keys of both regions hold is one row naming each key with its region', () => {
      const [row, ...more] = linesWith(keyTable(), '| Allow (UseViabackup) |');
      expect(more).toEqual([]);
      expect(row).toContain('alias/vp-us-east/backup (Keys, us-east-1)');
      expect(row).toContain('alias/vp-us-east/backup (DisasterRecovery, us-west-2)');
      expect(row).toContain('kms:ViaService = backup.&lt;region&gt;.amazonaws.com');
    });

    test('when one region\'s key changes the statement, each key has its own row again', () => {
      const text = keyTable((t) => {
        const [, key] = backupKey(t[DR]);
        const statement = key.Properties.KeyPolicy.Statement.find((x: any) => x.Sid === 'UseViabackup');
        statement.Action = ['kms:Decrypt'];
      });
      const rows = linesWith(text, '| Allow (UseViabackup) |');
      expect(rows).toHaveLength(2);
      expect(linesWith(text, '| Allow (UseViabackup) |', '(DisasterRecovery, us-west-2)')[0]).toContain('| kms:Decrypt |');
      expect(linesWith(text, '| Allow (UseViabackup) |', '(Keys, us-east-1)')[0]).not.toContain('DisasterRecovery');
    });
  });

  describe('secrets', () => {
    test('a secret without a rotation schedule points to the rotation runbook; one with a schedule says so', () => {
      const before = authentication(cellEvidenceOf(result, 'us-east'));
      const [[secretId, secret]] = resourcesIn(result.templateJson(VOICE), 'AWS::SecretsManager::Secret');
      expect(linesWith(before, `| ${secret.Properties.Name} |`)[0]).toContain('rotated by runbook (README, "Rotate secrets")');
      const after = authentication(
        cellEvidenceOf(result, 'us-east', (t) => {
          t[VOICE].Resources.Rotation = { Type: 'AWS::SecretsManager::RotationSchedule', Properties: { SecretId: { Ref: secretId }, RotationRules: { ScheduleExpression: 'rate(30 days)' } } };
        }),
      );
      expect(linesWith(after, `| ${secret.Properties.Name} |`)[0]).toContain('automatic rotation schedule');
    });
  });
});
