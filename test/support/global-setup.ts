import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type RunningDatabase } from '../../src/kernel/db/embedded.ts';
import { createDb } from '../../src/kernel/db/index.ts';
import { migrate } from '../../src/kernel/db/migrate.ts';
import { createLogger } from '../../src/kernel/logger.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

const TEMPLATE = 'hexaplane_test_template';
let embedded: RunningDatabase | null = null;

/**
 * One PostgreSQL for the whole run: DATABASE_URL when set (CI runs Debian's PostgreSQL 15
 * this way), otherwise the embedded one. Migrations run once into a template database;
 * each test file clones it (CREATE DATABASE ... TEMPLATE), which takes milliseconds.
 */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const log = createLogger('warn');
    embedded = await startEmbeddedPostgres(path.resolve('.test-data'), 54339, log);
    adminUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const stale = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'hx_t_%' OR datname = $1`, [TEMPLATE]);
  for (const row of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();

  const templateUrl = withDatabase(adminUrl, TEMPLATE);
  const { db } = createDb(templateUrl, 2);
  await migrate(db);
  await db.destroy();

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', TEMPLATE);
  return async () => {
    await embedded?.stop();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
