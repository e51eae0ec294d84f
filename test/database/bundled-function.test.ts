import { spawn } from 'node:child_process';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import { clinicDatabaseUser } from '../../lib/database/plan';
import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { resourcesOfType, synthesized } from '../helpers';
import { startTestServer, TEST_TLS_CERTIFICATE, TestServer } from './server';

// The migration function exactly as synthesized (the esbuild bundle in the cloud assembly, with its
// SQL files), run in a child process against a real PostgreSQL that requires verified TLS, with a
// local stand-in for the Secrets Manager API and for CloudFormation's response URL.
const config = fixtureConfig({
  cells: 1,
  tenantsPerCell: 3,
  edit: (raw) => {
    raw.tenants[2].offboarding = { terminationDate: '2020-01-31' };
  },
});
const result = synthesized(config, { packs: true, bundling: true });
const data = result.templateJson('us-east/Data');
const [[, fn]] = resourcesOfType(data, 'AWS::Lambda::Function');
const [[, schema]] = resourcesOfType(data, 'Custom::DatabaseMigrations');
const bundle = path.join(result.outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.js');

const MASTER_PASSWORD = 'bundle-test-master-password';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-placeholder-AbCdEf';

let server: TestServer;
let secretsManager: Server;
let cloudFormation: Server;
const responses: any[] = [];

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<Server> {
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return http;
}

const portOf = (s: Server): number => (s.address() as AddressInfo).port;

/** Runs the bundle's handler once in a fresh Node.js process, as Lambda would, and returns CloudFormation's response. */
async function invoke(requestType: 'Create' | 'Update', env: Record<string, string | undefined> = {}): Promise<any> {
  const event = {
    RequestType: requestType,
    ResponseURL: `http://127.0.0.1:${portOf(cloudFormation)}/response`,
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/us-east-Data/00000000-0000-0000-0000-000000000000',
    RequestId: `request-${responses.length + 1}`,
    LogicalResourceId: 'MigrationsSchema',
    PhysicalResourceId: requestType === 'Update' ? 'voice-database-schema' : undefined,
    ResourceProperties: schema.Properties,
  };
  const before = responses.length;
  const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(bundle)}).handler(JSON.parse(process.env.TEST_EVENT))`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      TEST_EVENT: JSON.stringify(event),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'placeholder',
      AWS_SECRET_ACCESS_KEY: 'placeholder',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${portOf(secretsManager)}`,
      MASTER_SECRET_ARN: SECRET_ARN,
      DATABASE_HOST: 'localhost',
      DATABASE_PORT: String(server.port),
      NODE_EXTRA_CA_CERTS: TEST_TLS_CERTIFICATE,
      ...env,
    },
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
  expect(responses).toHaveLength(before + 1);
  return responses[before];
}

beforeAll(async () => {
  server = await startTestServer({ tls: true });
  const root = await server.superuser();
  await root.query(`CREATE ROLE postgres_admin LOGIN CREATEROLE CREATEDB PASSWORD '${MASTER_PASSWORD}'`);
  await root.end();
  secretsManager = await listen((req, body, res) => {
    const request = JSON.parse(body || '{}');
    const known = req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' && request.SecretId === SECRET_ARN;
    res.writeHead(known ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(
      JSON.stringify(
        known
          ? { ARN: SECRET_ARN, Name: 'rds!db-placeholder', SecretString: JSON.stringify({ username: 'postgres_admin', password: MASTER_PASSWORD }) }
          : { __type: 'ResourceNotFoundException', message: 'unknown secret' },
      ),
    );
  });
  cloudFormation = await listen((req, body, res) => {
    if (req.method === 'PUT') responses.push(JSON.parse(body));
    res.writeHead(200);
    res.end();
  });
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => secretsManager?.close(resolve));
  await new Promise((resolve) => cloudFormation?.close(resolve));
  await server?.stop();
}, 60_000);

test('the synthesized bundle migrates a real PostgreSQL over verified TLS and answers SUCCESS', async () => {
  const response = await invoke('Create');
  expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'voice-database-schema', RequestId: 'request-1' });
  expect(response.Data.AppliedMigrations).toBe('0_create-migrations-table.sql,0001_baseline.sql');
  expect(response.Data.AuditChainIntact).toBe('true');
  const client = new Client({ ...server.connection('postgres_admin', MASTER_PASSWORD, 'voice') });
  await client.connect();
  try {
    const users = await client.query(`SELECT database_user FROM voice.clinics ORDER BY 1`);
    expect(users.rows.map((r) => r.database_user)).toEqual([1, 2].map((n) => clinicDatabaseUser(fixtureTenantId('us-east', n))));
  } finally {
    await client.end();
  }
}, 120_000);

test('running it again for an unchanged schema applies nothing and still answers SUCCESS', async () => {
  const response = await invoke('Update');
  expect(response).toMatchObject({ Status: 'SUCCESS', Data: { AppliedMigrations: 'none' } });
}, 120_000);

test('without the CA that signed the server\'s certificate it refuses to connect and answers FAILED', async () => {
  const response = await invoke('Update', { NODE_EXTRA_CA_CERTS: undefined });
  expect(response.Status).toBe('FAILED');
  expect(response.Reason).toMatch(/self[- ]signed certificate/i);
}, 120_000);
