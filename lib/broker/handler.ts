import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { BrokerAnswer, NumberMap, vendCallCredentials } from './broker';
import { SIGNATURE_SCHEME_IMPLEMENTATIONS, SignedRequest } from './signature';

/** The number map, bundled beside this file at synth (`numbers.json`). */
export const NUMBER_MAP_FILE = 'numbers.json';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
};

const scheme = SIGNATURE_SCHEME_IMPLEMENTATIONS[env('SIGNATURE_SCHEME')];
if (!scheme) throw new Error(`unknown signature scheme ${process.env.SIGNATURE_SCHEME}`);
const numbers = JSON.parse(readFileSync(path.join(__dirname, NUMBER_MAP_FILE), 'utf8')) as NumberMap;
const settings = {
  scheme,
  numbers,
  replayWindowSeconds: Number(env('REPLAY_WINDOW_SECONDS')),
  tenantRoleArnPattern: env('TENANT_ROLE_ARN_PATTERN'),
};
// Regional STS and Secrets Manager through the VPC's interface endpoints (private DNS); the function has no other route.
const sts = new STSClient({});
const secrets = new SecretsManagerClient({});

/** The secret is read again after five minutes, so that a rotated auth token takes effect without a deploy. */
const SECRET_TTL_MS = 5 * 60 * 1000;
let cached: { value: string; at: number } | undefined;
async function signingSecret(): Promise<string> {
  if (cached && Date.now() - cached.at < SECRET_TTL_MS) return cached.value;
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: env('SIGNING_SECRET_ARN') }));
  if (!out.SecretString) throw new Error('the signing secret has no value yet (README: rotate secrets)');
  cached = { value: out.SecretString, at: Date.now() };
  return cached.value;
}

/** Invoked by the voice service with the provider's request exactly as received. */
export async function handler(event: SignedRequest): Promise<BrokerAnswer> {
  const answer = await vendCallCredentials(event, settings, { signingSecret, sts });
  // Ids and the refusal only: never the caller's number or any call content.
  console.log(JSON.stringify(answer.granted ? { granted: true, tenant: answer.tenantId, call: answer.callId } : { granted: false, reason: answer.reason }));
  return answer;
}
