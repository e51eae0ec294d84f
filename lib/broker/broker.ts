import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureError, SignatureScheme, SignedRequest } from './signature';

/** The called numbers of a cell, each to its clinic: built from config at synth, bundled with the function. */
export interface NumberMap {
  readonly [e164: string]: { readonly tenant: string; readonly terminationDate?: string };
}

export interface BrokerSettings {
  readonly scheme: SignatureScheme;
  /** A request whose signed timestamp is further than this from now is refused. */
  readonly replayWindowSeconds: number;
  /** The ARN of a clinic's role with `{tenant}` in place of its id. */
  readonly tenantRoleArnPattern: string;
  readonly numbers: NumberMap;
  /** STS's shortest session: credentials outlive the call's setup by minutes, not hours. */
  readonly sessionSeconds?: number;
}

export interface BrokerDependencies {
  /** The provider's webhook signing secret (for Twilio, the auth token). */
  readonly signingSecret: () => Promise<string>;
  readonly sts: STSClient;
  readonly now?: () => Date;
}

export type Refusal = 'bad-signature' | 'malformed' | 'replayed' | 'unknown-number' | 'offboarded';

export type BrokerAnswer =
  | {
      readonly granted: true;
      readonly tenantId: string;
      readonly callId: string;
      readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string };
    }
  | { readonly granted: false; readonly reason: Refusal };

/** The session tags every vended session carries, so that CloudTrail names the clinic and the call. */
export const SESSION_TAG_TENANT = 'tenant';
export const SESSION_TAG_CALL = 'call-id';

/**
 * Verifies the provider's signed request, maps the called number to its clinic, and returns
 * credentials of that clinic's role for this one call: the call id is the session's source identity
 * and a session tag, so CloudTrail attributes every PHI access to one call of one clinic.
 */
export async function vendCallCredentials(request: SignedRequest, settings: BrokerSettings, deps: BrokerDependencies): Promise<BrokerAnswer> {
  const now = (deps.now ?? (() => new Date()))();
  let call;
  try {
    call = settings.scheme(request, await deps.signingSecret());
  } catch (e) {
    if (e instanceof SignatureError) return { granted: false, reason: e.reason };
    throw e;
  }
  if (call.signedAt && Math.abs(now.getTime() - call.signedAt.getTime()) > settings.replayWindowSeconds * 1000) {
    return { granted: false, reason: 'replayed' };
  }
  const clinic = Object.prototype.hasOwnProperty.call(settings.numbers, call.calledNumber) ? settings.numbers[call.calledNumber] : undefined;
  if (!clinic) return { granted: false, reason: 'unknown-number' };
  // From its termination date on, an offboarded clinic's calls get no access to its data.
  if (clinic.terminationDate && now.toISOString().slice(0, 10) >= clinic.terminationDate) return { granted: false, reason: 'offboarded' };

  // https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (SourceIdentity, Tags, DurationSeconds >= 900)
  const result = await deps.sts.send(
    new AssumeRoleCommand({
      RoleArn: settings.tenantRoleArnPattern.replace('{tenant}', clinic.tenant),
      RoleSessionName: call.callId,
      SourceIdentity: call.callId,
      DurationSeconds: settings.sessionSeconds ?? 900,
      Tags: [
        { Key: SESSION_TAG_TENANT, Value: clinic.tenant },
        { Key: SESSION_TAG_CALL, Value: call.callId },
      ],
    }),
  );
  const c = result.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error('STS returned no credentials');
  return {
    granted: true,
    tenantId: clinic.tenant,
    callId: call.callId,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration.toISOString() },
  };
}
