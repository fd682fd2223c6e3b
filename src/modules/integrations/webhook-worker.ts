/**
 * Webhook delivery. The audit log is the event log: for every enabled endpoint the worker
 * reads its org's sealed audit events after the endpoint's cursor, turns the ones it
 * subscribed to into delivery rows (one per endpoint and event), and POSTs them through the
 * egress guard, signed per Standard Webhooks, retrying with capped exponential backoff.
 * Replicas share the work through the database: endpoints and deliveries are claimed with
 * FOR UPDATE SKIP LOCKED, and no HTTP call runs inside a transaction.
 */
import { Webhook } from 'standardwebhooks';
import { Counter, Gauge, type Registry } from 'prom-client';
import { newPrincipal } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { openSecret } from '../../kernel/crypto.ts';
import { EgressRefused } from '../../kernel/egress.ts';
import { newId } from '../../kernel/ids.ts';
import type { ModuleDeps } from '../deps.ts';
import { SEALED_TOPIC, type SealedAuditEvent } from '../audit/index.ts';
import { eventTypeOf, retryDelayMs, subscribes } from './webhook-events.ts';
import * as store from './webhook-store.ts';

export interface DeliveryPolicy {
  /** Attempts before a delivery is `failed` (dead). */
  maxAttempts: number;
  /** Backoff: baseMs · 2^(attempt−1), at most capMs, ±25% jitter. */
  baseMs: number;
  capMs: number;
  /** One attempt, redirects included. */
  timeoutMs: number;
  /** Redirects followed; each hop passes the egress guard again. */
  maxRedirects: number;
  /** Consecutive failed (dead) deliveries after which an endpoint is disabled. */
  disableAfter: number;
}

/** About 9 hours of retries: 30 s, 1 min, 2 min, … capped at 4 h. */
export const defaultDeliveryPolicy: DeliveryPolicy = {
  maxAttempts: 8,
  baseMs: 30_000,
  capMs: 4 * 3600_000,
  timeoutMs: 10_000,
  maxRedirects: 3,
  disableAfter: 5,
};

const RESPONSE_BODY_BYTES = 2048;
const EVENTS_PER_READ = 500;
const ENDPOINTS_PER_PAGE = 100;

export const secretAad = (webhookId: string) => `webhook:${webhookId}`;

export interface WebhookMetrics {
  deliveries: Counter<'outcome'>;
}

/** One set of metrics per registry, whoever asks first (the service or the worker). */
export function webhookMetrics(registry: Registry, db: ModuleDeps['db']): WebhookMetrics {
  const existing = registry.getSingleMetric('hexaplane_webhook_deliveries_total') as Counter<'outcome'> | undefined;
  if (existing) return { deliveries: existing };
  new Gauge({
    name: 'hexaplane_webhook_deliveries_pending',
    help: 'Webhook deliveries waiting for their next attempt',
    registers: [registry],
    async collect() {
      this.set(await store.countPending(db));
    },
  });
  return {
    deliveries: new Counter({
      name: 'hexaplane_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (succeeded, retrying, failed, refused)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

/** The Standard Webhooks body of an audit event. */
export function eventPayload(type: string, event: SealedAuditEvent['event']): string {
  return JSON.stringify({ type, timestamp: event.occurredAt, data: { event } });
}

/** `v1,<sig>` for the current secret, plus one for the previous secret during its overlap. */
export async function signatureHeader(deps: Pick<ModuleDeps, 'keys'>, endpoint: store.EndpointRow, msgId: string, at: Date, payload: string): Promise<string> {
  const secrets = [await openSecret(deps.keys, endpoint.secret_sealed, secretAad(endpoint.id))];
  if (endpoint.previous_secret_sealed && endpoint.previous_secret_expires_at && new Date(endpoint.previous_secret_expires_at) > at) {
    secrets.push(await openSecret(deps.keys, endpoint.previous_secret_sealed, secretAad(endpoint.id)));
  }
  return secrets.map((secret) => new Webhook(secret).sign(msgId, at, payload)).join(' ');
}

function describeError(error: unknown): string {
  if (error instanceof EgressRefused) return `refused by the egress guard: ${error.message}`;
  const e = error as { code?: string; message?: string };
  return `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`.slice(0, 2000);
}

export type Deliverer = ReturnType<typeof createDeliverer>;

/** Sends deliveries and records their attempts; shared by the worker and the ping use case. */
export function createDeliverer(deps: ModuleDeps, policy: DeliveryPolicy) {
  const metrics = webhookMetrics(deps.metrics, deps.db);
  const log = deps.log.child({ component: 'webhooks' });
  const leaseMs = policy.timeoutMs * (policy.maxRedirects + 1) + 30_000;

  /** One attempt of a claimed delivery. */
  async function attempt(delivery: store.DeliveryRow): Promise<store.DeliveryRow> {
    const endpoint = await store.findEndpoint(deps.db, delivery.org_id, delivery.endpoint_id);
    if (!endpoint) return delivery;
    const at = deps.clock.now();
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let responseBody: string | null = null;
    let refused = false;
    try {
      const response = await deps.egress.request(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Hexaplane-Webhooks/1',
          'webhook-id': delivery.event_id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': await signatureHeader(deps, endpoint, delivery.event_id, at, delivery.payload),
        },
        body: delivery.payload,
        timeoutMs: policy.timeoutMs,
        maxRedirects: policy.maxRedirects,
        maxResponseBytes: RESPONSE_BODY_BYTES,
      });
      statusCode = response.status;
      responseBody = response.body;
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (e) {
      refused = e instanceof EgressRefused;
      error = describeError(e);
    }
    const ok = error === null;
    const attempts = delivery.attempts + 1;
    const status = ok ? 'succeeded' : attempts >= policy.maxAttempts ? 'failed' : 'pending';
    const nextAttemptAt = status === 'pending' ? new Date(Date.now() + retryDelayMs(attempts, policy, Math.random())) : null;
    metrics.deliveries.inc({ outcome: refused ? 'refused' : status === 'pending' ? 'retrying' : status });
    if (!ok) log.info({ deliveryId: delivery.id, webhookId: endpoint.id, attempts, error }, 'webhook delivery attempt failed');
    return deps.db.transaction().execute(async (t) => {
      const row = await store.recordAttempt(t, delivery, {
        url: endpoint.url,
        statusCode,
        error,
        durationMs: Date.now() - started,
        responseBody,
        status,
        nextAttemptAt,
      });
      if (ok) await store.recordEndpointSuccess(t, endpoint.id);
      if (status === 'failed') await countFailure(t, endpoint);
      return row;
    });
  }

  /** A dead delivery counts against its endpoint; at the threshold the endpoint is disabled (and that is audited). */
  async function countFailure(t: Parameters<typeof store.recordEndpointFailure>[0], endpoint: store.EndpointRow) {
    const after = await store.recordEndpointFailure(t, endpoint.id, policy.disableAfter);
    if (after && endpoint.enabled && !after.enabled) {
      const system = newPrincipal({ kind: 'system', id: 'webhook-worker', displayName: 'Webhook delivery', orgId: endpoint.org_id });
      await recordAudit(t, system, {
        action: 'webhook:update',
        orgId: endpoint.org_id,
        target: { type: 'webhook', id: endpoint.id, name: endpoint.name },
        before: { enabled: true },
        after: { enabled: false, disabledReason: after.disabled_reason },
        reason: after.disabled_reason,
      });
    }
  }

  return {
    policy,
    /** Attempts one delivery right now, unless another replica is attempting it. */
    async deliverNow(deliveryId: string): Promise<store.DeliveryRow | undefined> {
      const claimed = await store.claimDelivery(deps.db, deliveryId, leaseMs);
      return claimed ? attempt(claimed) : undefined;
    },

    /** Claims and attempts the due deliveries; returns how many it attempted. */
    async deliverDue(limit = 20): Promise<number> {
      const claimed = await store.claimDueDeliveries(deps.db, limit, leaseMs);
      await Promise.all(claimed.map((d) => attempt(d).catch((error: unknown) => log.error({ err: error, deliveryId: d.id }, 'webhook delivery failed unexpectedly'))));
      return claimed.length;
    },

    /**
     * Turns newly sealed audit events into deliveries, for the endpoints of one org (after
     * a seal notification) or of all orgs (the poll). Returns how many endpoints moved on.
     */
    async fanOut(orgId: string | null = null): Promise<number> {
      let moved = 0;
      let afterId: string | null = null;
      for (;;) {
        const page: { size: number; moved: number; lastId: string | null } = await deps.db.transaction().execute(async (t) => {
          const endpoints = await store.lockEndpointsForFanOut(t, orgId, afterId, ENDPOINTS_PER_PAGE);
          const reads = new Map<string, Promise<SealedAuditEvent[]>>();
          let advanced = 0;
          for (const endpoint of endpoints) {
            const key = `${endpoint.org_id}:${endpoint.cursor_seq}`;
            if (!reads.has(key)) reads.set(key, deps.services.audit.sealedEventsAfter(endpoint.org_id, Number(endpoint.cursor_seq), EVENTS_PER_READ));
            const events = await reads.get(key)!;
            if (events.length === 0) continue;
            const rows = events.flatMap(({ event }) => {
              const type = eventTypeOf(event);
              if (!type || !subscribes(endpoint.event_types, type)) return [];
              return [{ id: newId('webhookDelivery'), org_id: endpoint.org_id, endpoint_id: endpoint.id, event_id: event.id, event_type: type, payload: eventPayload(type, event) }];
            });
            await store.insertDeliveries(t, rows);
            await store.advanceCursor(t, endpoint.id, events[events.length - 1]!.seq);
            advanced += 1;
          }
          return { size: endpoints.length, moved: advanced, lastId: endpoints[endpoints.length - 1]?.id ?? null };
        });
        moved += page.moved;
        if (page.size < ENDPOINTS_PER_PAGE || page.lastId === null) return moved;
        afterId = page.lastId;
      }
    },
  };
}

export interface WebhookWorkerOptions {
  /** The fallback poll; a seal notification wakes the worker at once. */
  pollMs?: number;
  policy?: Partial<DeliveryPolicy>;
}

export interface WebhookWorker {
  start(): void;
  stop(): Promise<void>;
  /** Fans out and delivers until nothing is due (tests, and each tick of the loop). */
  runOnce(): Promise<{ fannedOut: number; attempted: number }>;
}

export function createWebhookWorker(deps: ModuleDeps, options: WebhookWorkerOptions = {}): WebhookWorker {
  const deliverer = createDeliverer(deps, { ...defaultDeliveryPolicy, ...options.policy });
  const log = deps.log.child({ component: 'webhook-worker' });
  const pollMs = options.pollMs ?? 5_000;
  const woken = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;
  let unsubscribe: (() => void) | null = null;

  async function fanOutAll(orgId: string | null) {
    let fannedOut = 0;
    for (let pass = 0; pass < 20; pass++) {
      const moved = await deliverer.fanOut(orgId);
      fannedOut += moved;
      if (moved === 0) break;
    }
    return fannedOut;
  }

  async function deliverAllDue() {
    let attempted = 0;
    for (let pass = 0; pass < 50; pass++) {
      const n = await deliverer.deliverDue();
      attempted += n;
      if (n === 0) break;
    }
    return attempted;
  }

  async function runOnce() {
    const fannedOut = await fanOutAll(null);
    return { fannedOut, attempted: await deliverAllDue() };
  }

  /** A seal notification names the org: fan out just its endpoints; the poll looks at all. */
  async function tick(poll: boolean) {
    const orgs = [...woken];
    woken.clear();
    if (poll) return runOnce();
    for (const orgId of orgs) await fanOutAll(orgId);
    return deliverAllDue();
  }

  function schedule(delay: number, poll = true) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      running = tick(poll)
        .catch((error: unknown) => log.error({ err: error }, 'webhook worker tick failed'))
        .finally(() => {
          running = null;
          if (woken.size > 0) schedule(0, false);
          else schedule(pollMs);
        });
    }, delay);
    timer.unref();
  }

  return {
    start() {
      stopped = false;
      unsubscribe = deps.changes.subscribe(SEALED_TOPIC, (orgId) => {
        woken.add(orgId);
        if (!running) schedule(0, false);
      });
      schedule(0);
    },
    async stop() {
      stopped = true;
      unsubscribe?.();
      if (timer) clearTimeout(timer);
      await running;
    },
    runOnce,
  };
}
