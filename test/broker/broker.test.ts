import { createHmac } from 'node:crypto';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { BrokerSettings, vendCallCredentials } from '../../lib/broker/broker';
import { numberMapOf } from '../../lib/broker/number-map';
import { SignedRequest, twilioHmacSha1, twilioSignature } from '../../lib/broker/signature';
import { fixtureConfig, fixtureTenantId } from '../fixtures/config';

const AUTH_TOKEN = 'placeholder-auth-token';
const WEBHOOK_URL = 'https://voice-us-east.example.com/voice/incoming';
const CALL = `CA${'0123456789abcdef'.repeat(2)}`;
const NOW = new Date('2026-06-01T12:00:00Z');
const ROLE_PATTERN = 'arn:aws:iam::111111111111:role/vp-us-east-tenant-{tenant}';

describe('Twilio signature (HMAC-SHA1 over the URL and the sorted parameters)', () => {
  // Twilio's published example (auth token 12345), as every Twilio helper library tests it.
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };

  test('reproduces Twilio\'s published example signature', () => {
    expect(twilioSignature(url, params, '12345').toString('base64')).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  test('signs a repeated parameter\'s values in sorted order, whatever order they arrived in', () => {
    const a = twilioSignature(url, { Digits: ['5678', '1234'], To: '+18005551212' }, '12345');
    const b = twilioSignature(url, { To: '+18005551212', Digits: ['1234', '5678'] }, '12345');
    const hmac = createHmac('sha1', '12345').update(`${url}Digits1234Digits5678To+18005551212`).digest();
    expect(a.equals(b)).toBe(true);
    expect(a.equals(hmac)).toBe(true);
  });

  test.each([
    ['another auth token', () => twilioSignature(url, params, '54321')],
    ['another URL', () => twilioSignature(`${url}&baz=3`, params, '12345')],
    ['a changed parameter', () => twilioSignature(url, { ...params, To: '+18005551213' }, '12345')],
  ])('differs with %s', (_what, sign) => {
    expect(sign().toString('base64')).not.toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });
});

/** A webhook as Twilio would send it for a call to `to`, signed with `token`. */
function webhook(to: string, token = AUTH_TOKEN, extra: Record<string, string> = {}): SignedRequest {
  const params = { AccountSid: `AC${'0'.repeat(32)}`, CallSid: CALL, Direction: 'inbound', From: '+12025550199', To: to, ...extra };
  return { variant: 'webhook', url: WEBHOOK_URL, params, signature: twilioSignature(WEBHOOK_URL, params, token).toString('base64') };
}

/** A media-stream handshake: the URL our service put in its <Stream> TwiML, signed by Twilio over the URL alone. */
function mediaStream(to: string, at: Date, token = AUTH_TOKEN): SignedRequest {
  const url = `wss://voice-us-east.example.com/media/${encodeURIComponent(to)}/${CALL}/${Math.floor(at.getTime() / 1000)}`;
  return { variant: 'media-stream', url, signature: twilioSignature(url, {}, token).toString('base64') };
}

describe('credential broker', () => {
  const config = fixtureConfig({
    cells: 1,
    tenantsPerCell: 3,
    edit: (raw) => {
      raw.tenants[2].phoneNumbers = ['+12025550109'];
      raw.tenants[2].offboarding = { terminationDate: '2026-03-31' };
    },
  });
  const [first, second] = [fixtureTenantId('us-east', 1), fixtureTenantId('us-east', 2)];
  const settings: BrokerSettings = { scheme: twilioHmacSha1, replayWindowSeconds: 60, tenantRoleArnPattern: ROLE_PATTERN, numbers: numberMapOf(config.tenants) };
  const sts = mockClient(STSClient);
  const deps = { signingSecret: async () => AUTH_TOKEN, sts: new STSClient({ region: 'us-east-1' }), now: () => NOW };

  beforeEach(() => {
    sts.reset();
    sts.on(AssumeRoleCommand).callsFake((input) => ({
      Credentials: { AccessKeyId: `ASIA-${input.Tags[0].Value}`, SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date('2026-06-01T12:15:00Z') },
    }));
  });

  test('a validly signed webhook for a clinic\'s number gets that clinic\'s role for this call, with the call as source identity and session tags', async () => {
    const answer = await vendCallCredentials(webhook('+12025550101'), settings, deps);
    expect(answer).toMatchObject({ granted: true, tenantId: first, callId: CALL, credentials: { accessKeyId: `ASIA-${first}` } });
    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      RoleArn: `arn:aws:iam::111111111111:role/vp-us-east-tenant-${first}`,
      RoleSessionName: CALL,
      SourceIdentity: CALL,
      DurationSeconds: 900,
      Tags: [
        { Key: 'tenant', Value: first },
        { Key: 'call-id', Value: CALL },
      ],
    });
  });

  test('calls to two clinics\' numbers each get their own clinic\'s role, never the other\'s', async () => {
    const a = await vendCallCredentials(webhook('+12025550101'), settings, deps);
    const b = await vendCallCredentials(webhook('+12025550102'), settings, deps);
    expect([a, b].map((x) => (x.granted ? x.tenantId : x.reason))).toEqual([first, second]);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([
      `arn:aws:iam::111111111111:role/vp-us-east-tenant-${first}`,
      `arn:aws:iam::111111111111:role/vp-us-east-tenant-${second}`,
    ]);
  });

  test.each([
    ['signed with another token', () => webhook('+12025550101', 'another-token')],
    ['a parameter changed after signing (another clinic\'s number)', () => ({ ...webhook('+12025550101'), params: { ...webhook('+12025550101').params, To: '+12025550102' } })],
    ['no signature', () => ({ ...webhook('+12025550101'), signature: '' })],
    ['a URL changed after signing', () => ({ ...webhook('+12025550101'), url: `${WEBHOOK_URL}?x=1` })],
  ])('refuses a webhook %s, and asks STS for nothing', async (_what, request) => {
    expect(await vendCallCredentials(request(), settings, deps)).toEqual({ granted: false, reason: 'bad-signature' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  test('refuses a validly signed call to a number no clinic answers', async () => {
    expect(await vendCallCredentials(webhook('+12025550177'), settings, deps)).toEqual({ granted: false, reason: 'unknown-number' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  test('refuses a call to the number of a clinic offboarded before today', async () => {
    expect(await vendCallCredentials(webhook('+12025550109'), settings, deps)).toEqual({ granted: false, reason: 'offboarded' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  test('still serves an offboarded clinic until its termination date', async () => {
    const before = { ...deps, now: () => new Date('2026-03-30T23:00:00Z') };
    expect(await vendCallCredentials(webhook('+12025550109'), settings, before)).toMatchObject({ granted: true, tenantId: fixtureTenantId('us-east', 3) });
  });

  test('refuses a signed webhook without a call id or with a malformed number', async () => {
    expect(await vendCallCredentials(webhook('+12025550101', AUTH_TOKEN, { CallSid: 'not-a-call' }), settings, deps)).toEqual({ granted: false, reason: 'malformed' });
  });

  describe('media-stream (WebSocket) variant', () => {
    test('a validly signed handshake inside the replay window gets the clinic\'s role', async () => {
      const answer = await vendCallCredentials(mediaStream('+12025550102', new Date(NOW.getTime() - 20_000)), settings, deps);
      expect(answer).toMatchObject({ granted: true, tenantId: second, callId: CALL });
    });

    test.each([
      ['replayed after the window', -61_000],
      ['stamped in the future beyond the window', 61_000],
    ])('refuses a handshake %s', async (_what, offset) => {
      expect(await vendCallCredentials(mediaStream('+12025550102', new Date(NOW.getTime() + offset)), settings, deps)).toEqual({ granted: false, reason: 'replayed' });
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    });

    test('refuses a handshake whose path was changed to another clinic\'s number after signing', async () => {
      const signed = mediaStream('+12025550102', NOW);
      const forged = { ...signed, url: signed.url.replace(encodeURIComponent('+12025550102'), encodeURIComponent('+12025550101')) };
      expect(await vendCallCredentials(forged, settings, deps)).toEqual({ granted: false, reason: 'bad-signature' });
    });

    test('refuses a signed handshake whose URL is not the service\'s media path', async () => {
      const url = 'wss://voice-us-east.example.com/media?to=%2B12025550102';
      const request: SignedRequest = { variant: 'media-stream', url, signature: twilioSignature(url, {}, AUTH_TOKEN).toString('base64') };
      expect(await vendCallCredentials(request, settings, deps)).toEqual({ granted: false, reason: 'malformed' });
    });
  });
});
