import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { sha256Hex } from '../crypto.ts';
import type { Db } from './index.ts';

const srcRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Migration {
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

/**
 * Every module keeps its SQL in `migrations/`, named `YYYYMMDDHHMM_<module>_<what>.sql`;
 * the names sort into one global order across modules.
 */
export function discoverMigrations(root = srcRoot): Migration[] {
  const dirs = [path.join(root, 'kernel/migrations')];
  const modules = path.join(root, 'modules');
  if (existsSync(modules)) {
    for (const name of readdirSync(modules)) {
      const dir = path.join(modules, name, 'migrations');
      if (existsSync(dir)) dirs.push(dir);
    }
  }
  const migrations = dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => {
        const text = readFileSync(path.join(dir, f), 'utf8');
        return { name: f.replace(/\.sql$/, ''), file: path.join(dir, f), sql: text, checksum: sha256Hex(text) };
      }),
  );
  migrations.sort((a, b) => a.name.localeCompare(b.name));
  const seen = new Set<string>();
  for (const m of migrations) {
    if (seen.has(m.name)) throw new Error(`two migrations share the name ${m.name}`);
    seen.add(m.name);
  }
  return migrations;
}

// Any fixed number: it names the lock that serialises migrations across replicas.
const MIGRATION_LOCK = 727_001;

/** Applies pending migrations, each in its own transaction; returns the names applied. */
export async function migrate(db: Db, migrations = discoverMigrations()): Promise<string[]> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
        name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(conn);
      const applied = new Map(
        (await conn.selectFrom('schema_migrations').select(['name', 'checksum']).execute()).map((r) => [r.name, r.checksum]),
      );
      const done: string[] = [];
      for (const m of migrations) {
        const previous = applied.get(m.name);
        if (previous !== undefined) {
          if (previous !== m.checksum) throw new Error(`migration ${m.name} was changed after it was applied`);
          continue;
        }
        await conn.transaction().execute(async (tx) => {
          await sql.raw(m.sql).execute(tx);
          await tx.insertInto('schema_migrations').values({ name: m.name, checksum: m.checksum }).execute();
        });
        done.push(m.name);
      }
      return done;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
}
