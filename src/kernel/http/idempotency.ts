import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { Problem, problems } from './problems.ts';

export interface IdempotencyStore {
  db: Db;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { principalId: string; key: string } | null;
  }
}

const KEY_PATTERN = /^[A-Za-z0-9_\-:.]{1,255}$/;

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(request.method)
    .update('\0')
    .update(request.url)
    .update('\0')
    .update(JSON.stringify(request.body ?? null))
    .digest('hex');
}

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its response is kept
 * for 24 hours; a retry with the same key and body gets the same response back, marked
 * `idempotent-replayed: true`; the same key with another body is refused.
 */
export function registerIdempotency(app: FastifyInstance, store: IdempotencyStore): void {
  app.decorateRequest('idempotency', null);

  app.addHook('preHandler', async (request, reply) => {
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || header === undefined || !request.auth) return;
    if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
      throw problems.badRequest('invalid-idempotency-key', 'Idempotency-Key must be 1-255 characters of [A-Za-z0-9_-:.].', 'idempotency-key');
    }
    const principalId = `${request.auth.principal.kind}:${request.auth.principal.id}`;
    const hash = requestHash(request);
    const inserted = await store.db
      .insertInto('idempotency_keys')
      .values({ principal_id: principalId, key: header, request_hash: hash, status: 'in_progress', response_status: null, response_body: null, response_headers: null as never })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) {
      request.idempotency = { principalId, key: header };
      return;
    }
    const existing = await store.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('principal_id', '=', principalId)
      .where('key', '=', header)
      .executeTakeFirst();
    if (!existing) throw problems.conflict('idempotency-in-progress', 'A request with this Idempotency-Key is still running.', 'idempotency-key');
    if (existing.request_hash !== hash) {
      throw problems.unprocessable('idempotency-key-reused', 'This Idempotency-Key was used with a different request.', 'idempotency-key');
    }
    if (existing.status !== 'done') {
      throw problems.conflict('idempotency-in-progress', 'A request with this Idempotency-Key is still running.', 'idempotency-key');
    }
    const headers = (existing.response_headers ?? {}) as Record<string, string>;
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    reply.header('idempotent-replayed', 'true');
    return reply.code(existing.response_status ?? 200).serializer((p: unknown) => String(p)).send(existing.response_body ?? '');
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const record = request.idempotency;
    if (!record) return payload;
    request.idempotency = null;
    const where = store.db
      .deleteFrom('idempotency_keys')
      .where('principal_id', '=', record.principalId)
      .where('key', '=', record.key);
    // A 5xx may be transient: forget the key so a retry can run again.
    if (reply.statusCode >= 500) {
      await where.execute();
      return payload;
    }
    const kept: Record<string, string> = {};
    for (const name of ['content-type', 'etag', 'location']) {
      const value = reply.getHeader(name);
      if (typeof value === 'string') kept[name] = value;
    }
    await store.db
      .updateTable('idempotency_keys')
      .set({
        status: 'done',
        response_status: reply.statusCode,
        response_body: typeof payload === 'string' ? payload : payload === null || payload === undefined ? '' : String(payload),
        response_headers: JSON.stringify(kept),
      })
      .where('principal_id', '=', record.principalId)
      .where('key', '=', record.key)
      .execute();
    return payload;
  });
}

/** Forgets keys older than a day; run periodically. */
export async function expireIdempotencyKeys(db: Db): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', sql<Date>`now() - interval '24 hours'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export { Problem };
