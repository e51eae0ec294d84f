import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { accessControl, resourcePolicyDenials, roleTrustStatements } from '../../lib/evidence/sections/access-control';
import { compactTables } from '../../lib/evidence/compact';
import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';
import { cellEvidenceOf, linesWith, packsAndAnnexesOf, resourcesIn, section } from './support';

// The pack states what the policies amount to and links to its annex, which lists every statement (issue 16: shorter, no fact lost).
describe('the annex of a cell\'s pack', () => {
  const result = synthesized(fixtureConfig());
  const { packs, annexes } = packsAndAnnexesOf(result);
  const us = packs['us-east'];
  const annex = annexes['us-east'];
  const TENANT = 'us-east/Tenant-us-east-c001';

  test('is written beside each cell\'s pack, and every link from the pack into it leads to one of its anchors', () => {
    expect(Object.keys(annexes).sort()).toEqual(Object.keys(packs).sort());
    const anchors = new Set([...annex.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));
    const links = [...us.matchAll(/\]\(evidence-us-east-annex\.md#([^)]+)\)/g)].map((m) => m[1]);
    expect(new Set(links)).toEqual(new Set(['deploy-check-list', 'key-policies', 'resource-policies', 'role-trust', 'acknowledgements', 'template-digests', 'alarm-filters', 'resource-index']));
    for (const link of links) expect(anchors).toContain(link);
    expect(annex).toContain(`SHA-256 ${createHash('sha256').update(readFileSync(result.configFile)).digest('hex')}`);
  });

  test('lists every template of the cell with the SHA-256 of the file the pack was read from', () => {
    const digests = section(annex, 'A5.');
    const manifest = JSON.parse(readFileSync(path.join(result.outdir, 'assembly-us-east', 'manifest.json'), 'utf8'));
    const stacks = Object.values(manifest.artifacts as Record<string, any>).filter((a) => a.type === 'aws:cloudformation:stack');
    expect(stacks.length).toBeGreaterThan(5);
    for (const stack of stacks) {
      const file = path.join(result.outdir, 'assembly-us-east', stack.properties.templateFile);
      const [row] = linesWith(digests, `\`assembly-us-east/${stack.properties.templateFile}\``);
      expect(row).toContain(`\`${createHash('sha256').update(readFileSync(file)).digest('hex')}\``);
    }
    expect(us).toContain(`The ${stacks.length} CloudFormation templates of this cell`);
  });

  test('lists each deny of a bucket policy with whom, what and when it denies; the pack names the statement with the buckets that hold it', () => {
    const ev = () => cellEvidenceOf(result, 'us-east');
    const denials = compactTables(resourcePolicyDenials(ev()), ev().tenants.map((t) => t.id));
    const [row] = linesWith(denials, '| OnlyTenantRolesTouchPhi |');
    expect(row).toContain('s3:GetObject*');
    expect(row).toMatch(/ArnNotEquals aws:PrincipalArn = arn:aws:iam::111111111111:role\/vp-us-east-tenant-(&lt;clinic&gt;|us-east-c00\d), /);
    const [summary] = linesWith(accessControl(ev()), '| OnlyTenantRolesTouchPhi');
    expect(summary).toMatch(/\| \d+ buckets: /);
    expect(summary).toContain('vp-us-east-phi-&lt;clinic&gt;-txt-111111111111 (both clinics)');
    // Removing the statement from one clinic's transcripts bucket policy leaves that bucket out of the row.
    const edited = cellEvidenceOf(result, 'us-east', (t) => {
      const [, policy] = resourcesIn(t[TENANT], 'AWS::S3::BucketPolicy').find(([, p]) => JSON.stringify(p.Properties.Bucket).includes('Transcripts'))!;
      policy.Properties.PolicyDocument.Statement = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Sid !== 'OnlyTenantRolesTouchPhi');
    });
    const [after] = linesWith(accessControl(edited), '| OnlyTenantRolesTouchPhi');
    expect(after).not.toContain('vp-us-east-phi-&lt;clinic&gt;-txt-111111111111 (both clinics)');
    expect(after).toContain('vp-us-east-phi-us-east-c002-txt-111111111111');
  });

  test('lists every trust statement with its conditions and session; the pack names each trusted principal with its roles and MFA', () => {
    const trusts = roleTrustStatements(cellEvidenceOf(result, 'us-east'));
    const [operator] = linesWith(trusts, '| vp-us-east-operator |');
    expect(operator).toContain('Bool aws:MultiFactorAuthPresent = true');
    expect(operator).toContain('| 3600 s |');
    const [people] = linesWith(accessControl(cellEvidenceOf(result, 'us-east')), 'vp-us-east-operator');
    expect(people).toContain('vp-us-east-break-glass');
    expect(people).toContain('| required, signed in with MFA at most 3600 s before |');
    // A role whose trust drops MFA leaves the row of the roles that require it.
    const edited = accessControl(
      cellEvidenceOf(result, 'us-east', (t) => {
        const [, role] = resourcesIn(t['us-east/Access'], 'AWS::IAM::Role').find(([, r]) => r.Properties.RoleName === 'vp-us-east-auditor')!;
        for (const s of role.Properties.AssumeRolePolicyDocument.Statement) delete s.Condition;
      }),
    );
    expect(linesWith(edited, 'vp-us-east-auditor')[0]).toContain('| not required |');
    expect(linesWith(edited, 'vp-us-east-operator')[0]).not.toContain('vp-us-east-auditor');
  });

  test('lists each resource the pack names with its type, stack and logical id; a name two resources share is told apart by where it is', () => {
    const index = section(annex, 'A7.');
    const [id] = resourcesIn(result.templateJson('us-east/Audit'), 'AWS::S3::Bucket').find(([, b]) => b.Properties.BucketName === 'vp-us-east-audit-111111111111-us-east-1')!;
    expect(us).toContain('| vp-us-east-audit-111111111111-us-east-1 |');
    expect(linesWith(index, '| vp-us-east-audit-111111111111-us-east-1 |')[0]).toBe(`| vp-us-east-audit-111111111111-us-east-1 | \`AWS::S3::Bucket\` | \`Audit\` | \`${id}\` |`);
    // The alert topic has the same name in the primary and the DR stack: the pack says which, the index has both.
    expect(us).toContain('vp-us-east-security-alerts (`Detection`)');
    expect(us).toContain('vp-us-east-security-alerts (`DisasterRecovery`)');
    expect(linesWith(index, '| vp-us-east-security-alerts |').map((l) => l.split(' | ')[2]).sort()).toEqual(['`Detection`', '`DisasterRecovery`']);
  });
});
