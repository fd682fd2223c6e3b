import pg from 'pg';
import { Kysely, PostgresDialect, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { KernelTables } from './tables.ts';

export type { KernelTables } from './tables.ts';

/** The database handle every module receives; modules add their own tables with `withTables`. */
export type Db = Kysely<KernelTables>;
export type Tx = Transaction<KernelTables>;
/** Either the pool or an open transaction: stores accept both. */
export type Queryable = Db | Tx;

// int8 and numeric come back as strings by default; counts and micro-units fit in JS numbers
// only up to 2^53, so int8 stays a string and callers convert where they know the range.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export function createDb(url: string, poolSize: number): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000 });
  // A broken idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<KernelTables>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}

export function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}

/** True for PostgreSQL's unique-violation error, optionally on one named constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23503';
}

/** `SELECT count(*)` of whatever rows the query selects from. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table of any module
export async function countRows(query: SelectQueryBuilder<any, any, object>): Promise<number> {
  const row = await query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number((row as { n: string }).n);
}
