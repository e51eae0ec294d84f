import { CellEvidence } from '../cell-evidence';
import { blocks, cell, table } from '../markdown';
import { actionsOf, conditionsOf, isTransportOnly, mfaOf, principalsOf } from '../policies';
import { props, statementsOf } from '../template';
import { databaseIsolation } from './database';
import { resourcePolicies, roleTrusts } from './resource-policies';
import { clinicRoleAccess } from './voice-data-path';

/** 164.312(a)(1) access control: who may use each key, what buckets refuse, who may assume each role. */
export function accessControl(ev: CellEvidence): string {
  // The key's own region is written <region>, so that the same statement of the same key in two regions is one row (compact.ts groups them).
  const keyRows = ev.resources('AWS::KMS::Key').flatMap((key) => {
    const own = (text: string) => cell(ownRegion(text, key.stack.region));
    return statementsOf(props(key).KeyPolicy).map((s) => [
      cell(`${ev.name(key)} (${ev.stackName(key.stack)}, ${key.stack.region})`),
      own(`${s.Effect ?? ''}${s.Sid ? ` (${s.Sid})` : ''}`),
      own(principalsOf(s, ev, key.stack).join('\n')),
      own(actionsOf(s)),
      own(conditionsOf(s, ev, key.stack).join('\n')),
    ]);
  });

  const denyRows = resourcePolicies(ev).flatMap(({ policy, target, targetName, statements }) =>
    statements
      .filter((s) => s.Effect === 'Deny' && !isTransportOnly(s))
      .map((s) => [
        target ? ev.label(target) : cell(targetName),
        cell(s.Sid ?? ''),
        cell(principalsOf(s, ev, policy.stack).join('\n')),
        cell(actionsOf(s)),
        cell(conditionsOf(s, ev, policy.stack).join('\n')),
      ]),
  );

  const roleRows = roleTrusts(ev).flatMap(({ role, statements }) =>
    statements.map((s) => [
      ev.label(role),
      cell(principalsOf(s, ev, role.stack).join('\n')),
      cell(mfaText(mfaOf(s))),
      cell(actionsOf(s)),
      cell(conditionsOf(s, ev, role.stack).join('\n') || 'none'),
      cell(props(role).MaxSessionDuration !== undefined ? `${props(role).MaxSessionDuration} s` : 'IAM default (3600 s)'),
    ]),
  );

  return blocks(
    '### (a) Access control — 45 CFR 164.312(a)(1)',
    '#### Who may use each encryption key (KMS key policies)',
    'A KMS key can only be used by the principals its key policy allows. Key administrators can change a key policy; every such change raises a breach alert. ' +
      'Each row is one statement and every key whose policy holds it; `<region>` is the region of that key, and each key\'s stack and logical id are in [Customer-managed keys](#customer-managed-keys).',
    table(['Key', 'Effect (Sid)', 'Principal', 'Actions', 'Only when'], keyRows),
    '#### What the resource policies deny (S3 buckets, SNS topics, SQS queues)',
    'An explicit deny in a resource policy overrides every permission granted elsewhere. (Denials of unencrypted transport are listed under (e).)',
    table(['Protected resource', 'Sid', 'Denied to', 'Denied actions', 'Denied when'], denyRows),
    '<a id="role-trust"></a>',
    '#### Who may assume each IAM role (trust policies)',
    table(['Role', 'Trusted principal', 'Multi-factor authentication', 'Action', 'Trust conditions', 'Maximum session'], roleRows),
    clinicRoleAccess(ev),
    databaseIsolation(ev),
  );
}

/** The text with the given region written `<region>`, so that statements differing only by their key's region read as one. */
export function ownRegion(text: string, region: string): string {
  return text.replace(new RegExp(`(?<![a-z0-9-])${region}(?![0-9])`, 'g'), '<region>');
}

/** `required, signed in with MFA at most 3600 s before` or `not required`, from a trust statement's MFA conditions. */
function mfaText(mfa: { required: boolean; maxAgeSeconds?: string }): string {
  return mfa.required ? `required${mfa.maxAgeSeconds ? `, signed in with MFA at most ${mfa.maxAgeSeconds} s before` : ''}` : 'not required';
}
