import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { buildApp, type Hexaplane } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/kernel/config.ts';
import { createDb, type Db } from '../../src/kernel/db/index.ts';
import { createLogger } from '../../src/kernel/logger.ts';
import { bootstrapAdministrator } from '../../src/modules/identity/index.ts';
import { withDatabase } from './global-setup.ts';

export const ADMIN_EMAIL = 'admin@hexaplane.test';
export const ADMIN_PASSWORD = 'correct horse battery staple 42';

export interface TestApp extends Hexaplane {
  db: Db;
  config: Config;
  databaseUrl: string;
  adminUserId: string;
  close(): Promise<void>;
}

/** A fresh database cloned from the migrated template. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject('adminUrl');
  const name = `${inject('templateDatabase').replace(/template$/, '')}${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
  await admin.end();
  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The whole app on a fresh database, with the bootstrap administrator created. */
export async function createTestApp(overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-test-'));
  const config = loadConfig(
    {},
    {
      databaseUrl: database.url,
      dataDir,
      logLevel: process.env.HEXAPLANE_TEST_LOG ?? 'silent',
      bootstrapAdminEmail: ADMIN_EMAIL,
      bootstrapAdminPassword: ADMIN_PASSWORD,
      rateLimitPerMinute: 100_000,
      // Test receivers listen on loopback; pass `egressAllowCidrs: []` for the default (nothing allowed).
      egressAllowCidrs: ['127.0.0.0/8'],
      ...overrides,
    },
  );
  const { db } = createDb(database.url, 5);
  const hexaplane = await buildApp({ config, db, log: createLogger(config.logLevel) });
  const admin = await bootstrapAdministrator(hexaplane.deps);
  return {
    ...hexaplane,
    db,
    config,
    databaseUrl: database.url,
    adminUserId: admin.userId,
    async close() {
      await hexaplane.app.close();
      await hexaplane.deps.outbox.stop();
      await db.destroy();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
