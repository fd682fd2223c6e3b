/** What the benchmarks share: a free loopback port, an embedded PostgreSQL of their own, percentiles. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/kernel/db/embedded.ts';
import { createDb, type Db } from '../src/kernel/db/index.ts';
import { migrate } from '../src/kernel/db/migrate.ts';
import { createLogger, type Logger } from '../src/kernel/logger.ts';
import { freePort } from '../test/support/ports.ts';

export { freePort };

/** The p-th percentile of ascending values (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface BenchDatabase {
  /** A fresh data directory (the embedded PostgreSQL and any KEK live there). */
  dir: string;
  url: string;
  db: Db;
  log: Logger;
}

/** Runs `work` against a fresh, migrated embedded PostgreSQL, removed afterwards whatever happens. */
export async function withBenchDatabase<T>(name: string, poolSize: number, work: (database: BenchDatabase) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hexaplane-bench-${name}-`));
  const log = createLogger('warn');
  const pg = await startEmbeddedPostgres(dir, await freePort(), log);
  const { db } = createDb(pg.url, poolSize);
  try {
    await migrate(db);
    return await work({ dir, url: pg.url, db, log });
  } finally {
    await db.destroy();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
