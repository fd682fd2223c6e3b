import { sql } from 'kysely';
import type { Db, Queryable } from './db/index.ts';
import type { Logger } from './logger.ts';

export interface OutboxMessage {
  id: string;
  orgId: string | null;
  topic: string;
  payload: unknown;
  attempts: number;
}

export type OutboxHandler = (message: OutboxMessage) => Promise<void>;

/** Queues a side effect in the caller's transaction; a worker delivers it after commit. */
export async function enqueue(db: Queryable, topic: string, payload: unknown, orgId: string | null = null): Promise<void> {
  await db
    .insertInto('outbox')
    .values({ topic, payload: JSON.stringify(payload), org_id: orgId, last_error: null, processed_at: null })
    .execute();
}

export interface OutboxWorkerOptions {
  pollMs: number;
  batchSize?: number;
  maxAttempts?: number;
}

/**
 * Delivers outbox rows at least once. Replicas share the table: each claims rows with
 * FOR UPDATE SKIP LOCKED, so no row is handled by two workers at once. Failures retry
 * with exponential backoff and jitter, and become `dead` after `maxAttempts`.
 */
export class OutboxWorker {
  private readonly handlers = new Map<string, OutboxHandler>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly options: OutboxWorkerOptions,
  ) {}

  on(topic: string, handler: OutboxHandler): void {
    if (this.handlers.has(topic)) throw new Error(`outbox topic ${topic} already has a handler`);
    this.handlers.set(topic, handler);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Runs batches until none is left; returns how many messages it handled. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runBatch();
      total += n;
      if (n === 0) return total;
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runBatch()
        .catch((error) => {
          this.log.error({ err: error }, 'outbox batch failed');
          return 0;
        })
        .then((n) => this.schedule(n > 0 ? 0 : this.options.pollMs));
    }, delay);
    this.timer.unref();
  }

  private async runBatch(): Promise<number> {
    const batchSize = this.options.batchSize ?? 20;
    const maxAttempts = this.options.maxAttempts ?? 10;
    return this.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('outbox')
        .select(['id', 'org_id', 'topic', 'payload', 'attempts'])
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', sql<Date>`now()`)
        .where('topic', 'in', [...this.handlers.keys(), '__none__'])
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      for (const row of rows) {
        const message: OutboxMessage = {
          id: row.id,
          orgId: row.org_id,
          topic: row.topic,
          payload: row.payload,
          attempts: row.attempts,
        };
        try {
          await this.handlers.get(row.topic)!(message);
          await tx
            .updateTable('outbox')
            .set({ status: 'done', processed_at: sql`now()`, attempts: row.attempts + 1, last_error: null })
            .where('id', '=', row.id)
            .execute();
        } catch (error) {
          const attempts = row.attempts + 1;
          const dead = attempts >= maxAttempts;
          const backoffMs = Math.min(300_000, 1000 * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
          this.log.warn({ topic: row.topic, id: row.id, attempts, err: String(error) }, 'outbox delivery failed');
          await tx
            .updateTable('outbox')
            .set({
              status: dead ? 'dead' : 'pending',
              attempts,
              last_error: String((error as Error)?.message ?? error).slice(0, 2000),
              next_attempt_at: sql`now() + ${`${Math.round(backoffMs)} milliseconds`}::interval`,
            })
            .where('id', '=', row.id)
            .execute();
        }
      }
      return rows.length;
    });
  }
}
