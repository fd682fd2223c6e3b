import pg from 'pg';
import { sql } from 'kysely';
import type { Queryable } from './db/index.ts';
import type { Logger } from './logger.ts';

const CHANNEL = 'hexaplane_changes';

export type ChangeListener = (key: string) => void;

/**
 * Cache invalidation that works across replicas: a change publishes `topic:key` with
 * pg_notify inside its transaction (delivered only if it commits), and every replica's
 * listener drops what it cached for that key.
 */
export class Changes {
  private readonly listeners = new Map<string, Set<ChangeListener>>();
  private client: pg.Client | null = null;

  constructor(private readonly log: Logger) {}

  async publish(db: Queryable, topic: string, key: string): Promise<void> {
    await sql`SELECT pg_notify(${CHANNEL}, ${`${topic}:${key}`})`.execute(db);
  }

  subscribe(topic: string, listener: ChangeListener): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Delivers a change to this replica's listeners only (tests, and the listener itself). */
  deliver(payload: string): void {
    const at = payload.indexOf(':');
    if (at < 0) return;
    const topic = payload.slice(0, at);
    const key = payload.slice(at + 1);
    for (const listener of this.listeners.get(topic) ?? []) listener(key);
  }

  async listen(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', (error) => this.log.warn({ err: error }, 'change listener connection lost'));
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.deliver(message.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
