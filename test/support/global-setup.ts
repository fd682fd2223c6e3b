import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type RunningDatabase } from '../../src/kernel/db/embedded.ts';
import { createDb } from '../../src/kernel/db/index.ts';
import { migrate } from '../../src/kernel/db/migrate.ts';
import { createLogger } from '../../src/kernel/logger.ts';
import { freePort } from './ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

// Database names carry the pid of the run that made them, so concurrent runs on one server
// (several developers' suites against one DATABASE_URL) never drop each other's databases.
export const RUN_PREFIX = `hx_t_${process.pid}_`;
const TEMPLATE = `${RUN_PREFIX}template`;
let embedded: RunningDatabase | null = null;

/**
 * One PostgreSQL for the whole run: DATABASE_URL when set (CI runs Debian's PostgreSQL 15
 * this way), otherwise the embedded one. Migrations run once into a template database;
 * each test file clones it (CREATE DATABASE ... TEMPLATE), which takes milliseconds.
 */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  let dataDir: string | null = null;
  if (!adminUrl) {
    // Each run gets its own cluster on a free port, so concurrent runs never collide.
    dataDir = path.resolve('.test-data', String(process.pid));
    embedded = await startEmbeddedPostgres(dataDir, await freePort(), createLogger('warn'));
    adminUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await dropDatabasesOfDeadRuns(admin);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();

  const templateUrl = withDatabase(adminUrl, TEMPLATE);
  const { db } = createDb(templateUrl, 2);
  await migrate(db);
  await db.destroy();

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', TEMPLATE);
  return async () => {
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    const mine = await cleanup.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${RUN_PREFIX}%`]);
    for (const row of mine.rows) await cleanup.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
    await cleanup.end();
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function dropDatabasesOfDeadRuns(admin: pg.Client): Promise<void> {
  const all = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'hx_t_%'`);
  for (const { datname } of all.rows as { datname: string }[]) {
    const pid = Number(/^hx_t_(\d+)_/.exec(datname)?.[1]);
    if (!pid || !processAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
