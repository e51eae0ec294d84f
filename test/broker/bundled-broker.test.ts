import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { twilioSignature } from '../../lib/broker/signature';
import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';

// The credential broker exactly as synthesized: the esbuild bundle in the cloud assembly (built at
// synth, offline) with its number map, run in a child process as Lambda would, against local
// stand-ins for the Secrets Manager and STS APIs.
const config = fixtureConfig({
  cells: 1,
  tenantsPerCell: 3,
  edit: (raw) => {
    raw.tenants[2].phoneNumbers = ['+12025550109'];
    raw.tenants[2].offboarding = { terminationDate: '2020-01-31' };
  },
});
const result = synthesized(config, { packs: false, bundling: true });
const voice = result.templateJson('us-east/Voice');
const [[, fn]] = resourcesOfType(voice, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('CredentialBrokerFunction'));
const assetDir = path.join(result.outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);

// Each test starts a Node.js process that loads a 1 MB bundle: seconds on a busy machine.
jest.setTimeout(60_000);

const AUTH_TOKEN = 'placeholder-auth-token';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:vp/us-east/voice/telephony-auth-token-AbCdEf';
const URL = 'https://voice-us-east.example.com/voice/incoming';
const CALL = `CA${'0123456789abcdef'.repeat(2)}`;
const stsRequests: string[] = [];
let aws: Server;

beforeAll(async () => {
  aws = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ ARN: SECRET_ARN, SecretString: AUTH_TOKEN }));
        return;
      }
      stsRequests.push(body);
      const xml =
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>' +
        '<AccessKeyId>ASIAPLACEHOLDER</AccessKeyId><SecretAccessKey>placeholder</SecretAccessKey><SessionToken>placeholder</SessionToken>' +
        '<Expiration>2030-01-01T00:15:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>';
      res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
    });
  });
  await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => aws.close(() => resolve())));

/** Runs the bundle's handler once in a fresh Node.js process with the function's environment from the template. */
async function invoke(event: unknown): Promise<any> {
  const endpoint = `http://127.0.0.1:${(aws.address() as AddressInfo).port}`;
  const env = { ...fn.Properties.Environment.Variables, SIGNING_SECRET_ARN: SECRET_ARN };
  const script = `require(${JSON.stringify(path.join(assetDir, 'index.js'))}).handler(JSON.parse(process.env.TEST_EVENT)).then((a) => process.stdout.write('ANSWER' + JSON.stringify(a)))`;
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH,
      ...env,
      TEST_EVENT: JSON.stringify(event),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'placeholder',
      AWS_SECRET_ACCESS_KEY: 'placeholder',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_ENDPOINT_URL_STS: endpoint,
    },
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  await new Promise((resolve) => child.on('close', resolve));
  return JSON.parse(out.slice(out.indexOf('ANSWER') + 'ANSWER'.length));
}

function webhook(to: string, token = AUTH_TOKEN) {
  const params = { CallSid: CALL, Direction: 'inbound', To: to, From: '+12025550199' };
  return { variant: 'webhook', url: URL, params, signature: twilioSignature(URL, params, token).toString('base64') };
}

describe('the credential broker bundle', () => {
  test('is built at synth with the cell\'s number map beside it, and no other clinic data', () => {
    expect(JSON.parse(readFileSync(path.join(assetDir, 'numbers.json'), 'utf8'))).toEqual({
      '+12025550101': { tenant: fixtureTenantId('us-east', 1) },
      '+12025550102': { tenant: fixtureTenantId('us-east', 2) },
      '+12025550109': { tenant: fixtureTenantId('us-east', 3), terminationDate: '2020-01-31' },
    });
    expect(fn.Properties.ReservedConcurrentExecutions).toBeGreaterThan(0);
    expect(fn.Properties.VpcConfig.SubnetIds.length).toBeGreaterThan(0);
  });

  test('grants the called clinic\'s role for a validly signed call, asking STS with the call as source identity', async () => {
    const answer = await invoke(webhook('+12025550102'));
    expect(answer).toMatchObject({ granted: true, tenantId: fixtureTenantId('us-east', 2), callId: CALL });
    const request = new URLSearchParams(stsRequests.at(-1));
    expect(request.get('Action')).toBe('AssumeRole');
    expect(request.get('RoleArn')).toBe(`arn:aws:iam::111111111111:role/vp-us-east-tenant-${fixtureTenantId('us-east', 2)}`);
    expect(request.get('SourceIdentity')).toBe(CALL);
  });

  test.each([
    ['a wrong signature', () => webhook('+12025550101', 'another-token'), 'bad-signature'],
    ['an unknown number', () => webhook('+12025550177'), 'unknown-number'],
    ['an offboarded clinic\'s number', () => webhook('+12025550109'), 'offboarded'],
  ])('refuses %s without asking STS', async (_what, event, reason) => {
    const before = stsRequests.length;
    expect(await invoke(event())).toEqual({ granted: false, reason });
    expect(stsRequests.length).toBe(before);
  });
});
