import { CellEvidence } from './cell-evidence';
import { StackTemplate, asList } from './template';

/** IAM and resource policy statements, summarized for a reader who does not read JSON policies. */
export type Statement = Record<string, any>;

/** `AWS: arn:aws:iam::111111111111:root`, `Service: logs.us-east-1.amazonaws.com`, `*` (anyone). */
export function principalsOf(statement: Statement, ev: CellEvidence, from: StackTemplate): string[] {
  const principal = statement.Principal ?? statement.NotPrincipal;
  const negated = statement.NotPrincipal !== undefined ? 'everyone except ' : '';
  if (principal === undefined) return [];
  if (principal === '*') return [`${negated}* (any principal)`];
  return Object.entries(principal as Record<string, unknown>).flatMap(([kind, values]) =>
    asList(values).map((v) => {
      const shown = ev.show(v, from);
      return `${negated}${kind}: ${shown === '*' ? '* (any principal)' : shown}`;
    }),
  );
}

/** `ArnEquals aws:PrincipalArn = a, b`, one entry per operator and key. */
export function conditionsOf(statement: Statement, ev: CellEvidence, from: StackTemplate): string[] {
  const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(condition).flatMap(([operator, keys]) =>
    Object.entries(keys ?? {}).map(([key, values]) => `${operator} ${key} = ${asList(values).map((v) => ev.show(v, from)).join(', ')}`),
  );
}

/** The values a condition key is compared with, under any operator. */
export function conditionValues(statement: Statement, key: string): unknown[] {
  const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  return Object.values(condition).flatMap((keys) =>
    Object.entries(keys ?? {})
      .filter(([k]) => k.toLowerCase() === key.toLowerCase())
      .flatMap(([, v]) => asList(v)),
  );
}

/** `s3:GetObject, s3:PutObject` or `all except ...` for NotAction. */
export function actionsOf(statement: Statement): string {
  if (statement.NotAction !== undefined) return `all except ${asList(statement.NotAction).join(', ')}`;
  return asList(statement.Action).join(', ');
}

/** The MFA requirement of a trust statement, if it has one. */
export function mfaOf(statement: Statement): { required: boolean; maxAgeSeconds?: string } {
  const present = conditionValues(statement, 'aws:MultiFactorAuthPresent').map(String);
  const age = conditionValues(statement, 'aws:MultiFactorAuthAge').map(String);
  return { required: present.includes('true') || age.length > 0, maxAgeSeconds: age[0] };
}

/** What a Deny statement says about transport security, if anything. */
export function tlsDenyOf(statement: Statement): { denyWithoutTls: boolean; minimumTls?: string } {
  if (statement.Effect !== 'Deny') return { denyWithoutTls: false };
  const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  const secure = Object.entries(condition).some(
    ([op, keys]) => op.startsWith('Bool') && asList(keys?.['aws:SecureTransport']).map(String).includes('false'),
  );
  const below = Object.entries(condition).find(([op, keys]) => op.startsWith('NumericLessThan') && keys?.['s3:TlsVersion'] !== undefined);
  return { denyWithoutTls: secure, minimumTls: below ? String(asList(below[1]['s3:TlsVersion'])[0]) : undefined };
}

/** Whether a statement is only about transport security (shown under 164.312(e), not access control). */
export function isTransportOnly(statement: Statement): boolean {
  const keys = Object.values((statement.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap((k) => Object.keys(k ?? {}));
  return keys.length > 0 && keys.every((k) => k === 'aws:SecureTransport' || k === 's3:TlsVersion');
}
