import { RemovalPolicy } from 'aws-cdk-lib';
import { DEPLOY_SAFETY_RULES } from '../../../lib/compliance';
import { EncryptedLogGroup } from '../../../lib/constructs/encrypted-log-group';
import { fixtureConfig } from '../../fixtures/config';
import { synthesize, synthesized } from '../../helpers';

const config = fixtureConfig({ cells: 1, tenantsPerCell: 1 });

describe('the DeploySafety pack', () => {
  test('runs in the synthesis with zero open findings, and lists its acknowledgements in validation-report.json', () => {
    const result = synthesized(config);
    expect(result.openFindings().filter((f) => f.startsWith('DeploySafety-'))).toEqual([]);
    const report = result.report.pluginReports.find((r) => r.pluginName === 'DeploySafety');
    expect(report?.conclusion).toBe('success');
    const acknowledged = (report?.suppressedViolations ?? []).flatMap((s) => s.violatingConstructs.map((c) => `${s.ruleName} @ ${c.constructPath}`));
    expect(acknowledged.sort()).toEqual([
      'DeploySafety-FixedNameRetainExceptOnCreate[retained-after-failed-create] @ us-east/Audit/AuditArchive/Resource',
      'DeploySafety-FixedNameRetainExceptOnCreate[retained-after-failed-create] @ us-east/Audit/SiemStaging/Resource',
      'DeploySafety-FixedNameRetainExceptOnCreate[retained-after-failed-create] @ us-east/Data/Database/Resource',
    ]);
  });

  test('fails synthesis on a broken shape, with a finding that names the AWS page it comes from', () => {
    const result = synthesize(config, {
      extend: (_app, cells) => {
        const group = new EncryptedLogGroup(cells[0].voice, 'Named', {
          logGroupName: '/vp/us-east/voice/extra',
          logClass: 'operational',
          retention: cells[0].cell.retention,
          encryptionKey: cells[0].keys.logs,
        });
        group.applyRemovalPolicy(RemovalPolicy.RETAIN);
      },
    });
    expect(result.openFindings()).toEqual(['DeploySafety-FixedNameRetainExceptOnCreate[retained-after-failed-create] @ us-east/Voice/Named/Resource']);
    const violation = result.report.pluginReports.find((r) => r.pluginName === 'DeploySafety')!.violations[0];
    expect(violation.description).toContain('https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html');
  });

  test('every rule names an AWS documentation page', () => {
    expect(DEPLOY_SAFETY_RULES.length).toBeGreaterThanOrEqual(8);
    for (const rule of DEPLOY_SAFETY_RULES) expect([rule.rule.name, rule.source]).toEqual([rule.rule.name, expect.stringMatching(/^https:\/\/docs\.aws\.amazon\.com\//)]);
  });
});
