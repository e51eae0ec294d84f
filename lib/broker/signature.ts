import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A request exactly as the telephony provider sent it, passed on by the voice service. `webhook`:
 * an HTTP request with form parameters (the call's webhook). `media-stream`: the WebSocket handshake
 * of the call's media stream, whose URL is the whole signed content.
 */
export interface SignedRequest {
  readonly variant: 'webhook' | 'media-stream';
  /** The full URL the provider requested, scheme, host, path and query, as it requested it. */
  readonly url: string;
  /** The form parameters of a webhook (repeated names as arrays); none for a media stream. */
  readonly params?: Readonly<Record<string, string | readonly string[]>>;
  /** The provider's signature header (Twilio: X-Twilio-Signature). */
  readonly signature: string;
}

/** What a verified request tells the broker. */
export interface VerifiedCall {
  /** The number the caller dialled (E.164). */
  readonly calledNumber: string;
  /** The provider's id of the call. */
  readonly callId: string;
  /** When the provider (or our service, inside the signed content) stamped the request, if it did. */
  readonly signedAt?: Date;
}

export class SignatureError extends Error {
  constructor(public readonly reason: 'bad-signature' | 'malformed') {
    super(reason);
    this.name = 'SignatureError';
  }
}

/** A provider's signature scheme: verifies a request with the signing secret, or throws SignatureError. */
export type SignatureScheme = (request: SignedRequest, signingSecret: string) => VerifiedCall;

/** Constant-time comparison of two base64 signatures. */
function sameSignature(expected: Buffer, given: string): boolean {
  const actual = Buffer.from(given, 'base64');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Twilio's X-Twilio-Signature: base64 of HMAC-SHA1, keyed with the account's auth token, over the
 * full URL followed by every POST parameter's name and value, sorted by name (values of a repeated
 * name sorted too). https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
export function twilioSignature(url: string, params: Readonly<Record<string, string | readonly string[]>>, authToken: string): Buffer {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, name) => {
      const values = params[name];
      const list = typeof values === 'string' ? [values] : [...values].sort();
      return acc + list.map((v) => name + v).join('');
    }, url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest();
}

const CALL_SID = /^CA[0-9a-f]{32}$/;
const E164 = /^\+[1-9]\d{6,14}$/;
/** The media-stream URL path our voice service gives Twilio in its <Stream> TwiML: /media/<called>/<CallSid>/<unix seconds>. */
const MEDIA_PATH = /^\/media\/(\+[1-9]\d{6,14})\/(CA[0-9a-f]{32})\/(\d{10})$/;

/**
 * Twilio, both variants. A webhook names the called number (`To`) and the call (`CallSid`) in its
 * signed parameters, and carries no timestamp. The media stream's handshake is signed over its URL
 * alone (Twilio allows no query string on a <Stream> URL,
 * https://www.twilio.com/docs/voice/twiml/stream), so the voice service writes the called number,
 * the call and the time it answered the webhook into the URL's path, where the signature covers them.
 */
export const twilioHmacSha1: SignatureScheme = (request, authToken) => {
  const params = request.variant === 'webhook' ? (request.params ?? {}) : {};
  if (!request.signature || !sameSignature(twilioSignature(request.url, params, authToken), request.signature)) {
    throw new SignatureError('bad-signature');
  }
  if (request.variant === 'webhook') {
    const to = params.To;
    const sid = params.CallSid;
    if (typeof to !== 'string' || typeof sid !== 'string' || !E164.test(to) || !CALL_SID.test(sid)) throw new SignatureError('malformed');
    return { calledNumber: to, callId: sid };
  }
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new SignatureError('malformed');
  }
  const match = url.protocol === 'wss:' && url.search === '' ? MEDIA_PATH.exec(decodeURIComponent(url.pathname)) : null;
  if (!match) throw new SignatureError('malformed');
  return { calledNumber: match[1], callId: match[2], signedAt: new Date(Number(match[3]) * 1000) };
};

/** The schemes by their config name (`cells[].voice.telephony.signatureScheme`). */
export const SIGNATURE_SCHEME_IMPLEMENTATIONS: Record<string, SignatureScheme> = {
  'twilio-hmac-sha1': twilioHmacSha1,
};
