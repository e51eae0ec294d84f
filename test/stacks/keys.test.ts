import { fixtureConfig } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

describe('KeysStack', () => {
  const result = synthesized(fixtureConfig());
  const template = result.templateJson('us-east/Keys');
  const keys = resourcesOfType(template, 'AWS::KMS::Key');

  test('has one customer-managed key per data class, each with an alias naming the cell', () => {
    const aliases = resourcesOfType(template, 'AWS::KMS::Alias').map(([, a]) => a.Properties.AliasName).sort();
    expect(aliases).toEqual(['alias/vp-us-east/audit', 'alias/vp-us-east/backup', 'alias/vp-us-east/database', 'alias/vp-us-east/logs', 'alias/vp-us-east/secrets']);
    expect(keys).toHaveLength(5);
  });

  test('every key rotates yearly, has a 30-day deletion window and is retained on delete and replace', () => {
    for (const [, key] of keys) {
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.Properties.RotationPeriodInDays).toBe(365);
      expect(key.Properties.PendingWindowInDays).toBe(30);
      expect(key.DeletionPolicy).toBe('Retain');
      expect(key.UpdateReplacePolicy).toBe('Retain');
    }
  });

  test('no key policy lets the account, or IAM policies, decrypt: administration only', () => {
    for (const [, key] of keys) {
      const rootStatements = key.Properties.KeyPolicy.Statement.filter((s: any) => JSON.stringify(s.Principal).includes(':root'));
      expect(rootStatements).toHaveLength(1);
      const actions: string[] = rootStatements[0].Action;
      expect(actions).not.toContain('kms:*');
      expect(actions.filter((a) => /Decrypt|Encrypt|GenerateDataKey|ReEncrypt|Grant|Create\*/.test(a))).toEqual([]);
    }
  });

  test('every other use is bound to this account and one service in this region', () => {
    for (const [, key] of keys) {
      for (const s of key.Properties.KeyPolicy.Statement.filter((st: any) => st.Principal?.AWS === '*' && st.Effect === 'Allow')) {
        expect(s.Condition.StringEquals['kms:CallerAccount']).toEqual({ Ref: 'AWS::AccountId' });
        expect(JSON.stringify(s.Condition.StringEquals['kms:ViaService'])).toMatch(/\.amazonaws\.com/);
      }
    }
  });

  test('CloudWatch Logs may use the logs key only for log groups of this account and region', () => {
    const logsKey = keys.find(([id]) => id.startsWith('LogsKey'))![1];
    const statement = logsKey.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'CloudWatchLogsOfThisAccount');
    expect(statement.Principal.Service).toEqual({ 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] });
    expect(JSON.stringify(statement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toContain(':log-group:*');
  });

  test('the database key is usable only through RDS, the secrets key only through Secrets Manager', () => {
    const via = (prefix: string) =>
      keys
        .find(([id]) => id.startsWith(prefix))![1]
        .Properties.KeyPolicy.Statement.filter((s: any) => s.Condition?.StringEquals?.['kms:ViaService'])
        .map((s: any) => JSON.stringify(s.Condition.StringEquals['kms:ViaService']));
    expect(new Set(via('DatabaseKey'))).toEqual(new Set([JSON.stringify({ 'Fn::Join': ['', ['rds.', { Ref: 'AWS::Region' }, '.amazonaws.com']] })]));
    expect(new Set(via('SecretsKey'))).toEqual(new Set([JSON.stringify({ 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] })]));
  });
});
