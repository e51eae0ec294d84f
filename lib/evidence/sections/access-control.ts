import { CellEvidence } from '../cell-evidence';
import { blocks, cell, plural, table } from '../markdown';
import { cellPrefix } from '../../naming';
import { annexLink } from '../annex';
import { groupBy, maskClinics } from '../compact';
import { resourceSet } from '../sets';
import { actionsOf, conditionsOf, isTransportOnly, mfaOf, principalsOf } from '../policies';
import { ResourceRef, props, statementsOf } from '../template';
import { databaseIsolation } from './database';
import { resourcePolicies, roleTrusts } from './resource-policies';
import { clinicRoleAccess } from './voice-data-path';

/** 164.312(a)(1) access control: who may use each key, what buckets refuse, who may assume each role (statements in the annex). */
export function accessControl(ev: CellEvidence): string {
  const keys = ev.resources('AWS::KMS::Key');
  const keyRows = groupBy(
    keys.flatMap((key) => statementsOf(props(key).KeyPolicy).map((s) => ({ key, id: `${s.Effect ?? ''}${s.Sid ? ` (${s.Sid})` : ''}` }))),
    (x) => x.id,
  ).map(([id, xs]) => [cell(id), keyList(ev, [...new Set(xs.map((x) => x.key))], keys.length)]);

  const denials = groupBy(
    resourcePolicies(ev).flatMap(({ target, targetName, statements }) =>
      statements.filter((s) => s.Effect === 'Deny' && !isTransportOnly(s)).map((s) => ({ sid: s.Sid ?? '—', target, name: target ? ev.name(target) : targetName, kind: target?.resource.Type ?? '' })),
    ),
    (x) => x.sid,
  ).map(([sid, xs]) => [cell(sid), resourceList(ev, xs)]);

  const trustRows = groupBy(
    roleTrusts(ev).flatMap(({ role, statements }) =>
      statements.map((s) => ({ role, who: principalsOf(s, ev, role.stack).join('\n'), mfa: mfaText(mfaOf(s)) })),
    ),
    (x) => `${x.who}\u0000${x.mfa}`,
  ).map(([, xs]) => [cell(xs[0].who), cell(maskClinics(ev, [...new Set(xs.map((x) => roleName(ev, x.role)))]).join(', ')), cell(xs[0].mfa)]);

  return blocks(
    '### (a) Access control — 45 CFR 164.312(a)(1)',
    '#### Who may use each encryption key (KMS key policies)',
    'Only the principals a key\'s policy allows can use the key; every change of a key policy raises a breach alert. ' +
      `Each statement (Sid) and the keys holding it, named after \`alias/${cellPrefix(ev.naming)}/\`; principals, actions and conditions: ${annexLink(ev.id, 'key-policies', 'Annex A1')}.`,
    table(['Statement', 'Keys whose policy holds it'], keyRows),
    '#### What the resource policies deny (S3 buckets, SNS topics, SQS queues)',
    `A deny in a resource policy overrides every allow elsewhere. Each deny (Sid) and the resources holding it; to whom, what and when: ${annexLink(ev.id, 'resource-policies', 'Annex A2')}. Denials of unencrypted transport: (e).`,
    table(['Deny statement', 'Resources whose policy holds it'], denials),
    '<a id="role-trust-summary"></a>',
    '#### Who may assume each IAM role (trust policies)',
    `Each trusted principal and the roles trusting it; each statement's action, conditions and maximum session: ${annexLink(ev.id, 'role-trust', 'Annex A3')}.`,
    table(['Trusted principal', 'Roles', 'Multi-factor authentication'], trustRows),
    clinicRoleAccess(ev),
    databaseIsolation(ev),
  );
}

/** Annex A1: every statement of every key policy, with the keys that hold it. */
export function keyPolicyStatements(ev: CellEvidence): string {
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
  return blocks(
    '## A1. KMS key policy statements',
    'Each row is one statement and every key whose policy holds it; `<region>` is the region of that key.',
    table(['Key', 'Effect (Sid)', 'Principal', 'Actions', 'Only when'], keyRows),
  );
}

/** Annex A2: every deny statement of every bucket, topic and queue policy (transport denials are in the pack, section 1 (e)). */
export function resourcePolicyDenials(ev: CellEvidence): string {
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
  return blocks('## A2. Resource policy denials', table(['Protected resource', 'Sid', 'Denied to', 'Denied actions', 'Denied when'], denyRows));
}

/** Annex A3: every trust statement of every role. */
export function roleTrustStatements(ev: CellEvidence): string {
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
  return blocks('## A3. Trust policy of every role', table(['Role', 'Trusted principal', 'Multi-factor authentication', 'Action', 'Trust conditions', 'Maximum session'], roleRows));
}


/** `every key (18)` or the keys by region, named after the cell's alias prefix. */
function keyList(ev: CellEvidence, keys: readonly ResourceRef[], total: number): string {
  const prefix = `alias/${cellPrefix(ev.naming)}/`;
  const order = ev.regionOrder(keys.map((k) => k.stack.region));
  const byRegion = groupBy(keys, (k) => k.stack.region).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([region, ks]) => `${region}: ${maskClinics(ev, ks.map((k) => ev.name(k).replace(prefix, ''))).join(', ')}`);
  return cell(`${keys.length === total ? `every key of the cell (${total})` : plural(keys.length, 'key')}\n${byRegion.join('\n')}`);
}

/** The resources a statement protects, by kind: all of a kind, or their count and names (clinic ids written `<clinic>`). */
function resourceList(ev: CellEvidence, xs: ReadonlyArray<{ name: string; kind: string; target?: ResourceRef }>): string {
  const once = xs.filter((x, i) => xs.findIndex((y) => (x.target ? y.target === x.target : y.name === x.name)) === i);
  return cell(groupBy(once, (x) => x.kind).map(([kind, ys]) => resourceSet(ev, kind, ys.map((y) => y.name))).join('\n'));
}

/** The text with the given region written `<region>`, so that statements differing only by their key's region read as one. */
export function ownRegion(text: string, region: string): string {
  return text.replace(new RegExp(`(?<![a-z0-9-])${region}(?![0-9])`, 'g'), '<region>');
}

/** `required, signed in with MFA at most 3600 s before` or `not required`, from a trust statement's MFA conditions. */
function mfaText(mfa: { required: boolean; maxAgeSeconds?: string }): string {
  return mfa.required ? `required${mfa.maxAgeSeconds ? `, signed in with MFA at most ${mfa.maxAgeSeconds} s before` : ''}` : 'not required';
}

/** A role's name, with its stack when the name is not one of the cell's own (CDK names roles `Role` in several stacks). */
function roleName(ev: CellEvidence, role: ResourceRef): string {
  const name = ev.name(role);
  return name.startsWith(`${cellPrefix(ev.naming)}-`) ? name : `${name} (${ev.stackName(role.stack)})`;
}
