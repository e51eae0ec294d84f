import { RemovalPolicy } from 'aws-cdk-lib';
import { DEPLOY_SAFETY_RULES, deploySafetyRuleId } from '../../lib/compliance';
import { EncryptedLogGroup } from '../../lib/constructs/encrypted-log-group';
import { fixtureConfig } from '../fixtures/config';
import { synthesize, synthesized } from '../helpers';
import { evidenceOf, linesWith, packsAndAnnexesOf, section } from './support';

const config = fixtureConfig({ cells: 1, tenantsPerCell: 1 });

describe('the evidence pack\'s first section: deploy-time checks', () => {
  test('comes first and says that every deploy-time check passed; the annex lists one row per rule with its AWS page', () => {
    const result = synthesized(config);
    const { packs, annexes } = packsAndAnnexesOf(result, result.configFile);
    const report = packs['us-east'];
    expect(report.indexOf('\n## Deploy-time checks')).toBeLessThan(report.indexOf('\n## 1. '));
    // First after the five-questions page, which opens every pack.
    expect(report.indexOf('\n## Deploy-time checks')).toBe(report.indexOf('\n## ', report.indexOf('\n## The five questions') + 1));
    const summary = section(report, 'Deploy-time checks');
    expect(summary).toContain(`**All ${DEPLOY_SAFETY_RULES.length} deploy-time checks passed in this cell** (3 findings of 1 check acknowledged with a reason, section 5).`);
    expect(summary).toContain('[Annex A0](evidence-us-east-annex.md#deploy-check-list)');
    expect(summary).toContain('`npm run deploy`');
    const checks = section(annexes['us-east'], 'A0.');
    for (const rule of DEPLOY_SAFETY_RULES) {
      const [row] = linesWith(checks, `\`${deploySafetyRuleId(rule)}\``);
      expect(row).toContain(rule.source);
    }
    const [retain] = linesWith(checks, '`DeploySafety-FixedNameRetainExceptOnCreate`');
    expect(retain).toContain('passed; 3 acknowledged with a reason (section 5)');
  });

  test('names a failed check when the templates carry a broken shape', () => {
    const result = synthesize(config, {
      extend: (_app, cells) => {
        new EncryptedLogGroup(cells[0].voice, 'Named', {
          logGroupName: '/vp/us-east/voice/extra',
          logClass: 'operational',
          retention: cells[0].cell.retention,
          encryptionKey: cells[0].keys.logs,
        }).applyRemovalPolicy(RemovalPolicy.RETAIN);
      },
    });
    // A failed check is named in the pack itself, not only in the annex.
    const checks = section(evidenceOf(result, result.configFile)['us-east'], 'Deploy-time checks');
    expect(checks).toContain(`1 of ${DEPLOY_SAFETY_RULES.length} deploy-time checks failed in this cell`);
    expect(linesWith(checks, '`DeploySafety-FixedNameRetainExceptOnCreate`')[0]).toContain('**FAILED: 1 open**');
    expect(linesWith(checks, '`DeploySafety-ConfigRecorderAndChannelTogether`')).toEqual([]);
  });
});
