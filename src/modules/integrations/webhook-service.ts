import { randomBytes } from 'node:crypto';
import type { Principal, Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { sealSecret } from '../../kernel/crypto.ts';
import { isUniqueViolation, type Tx } from '../../kernel/db/index.ts';
import { EgressRefused, egressProblem } from '../../kernel/egress.ts';
import { newId } from '../../kernel/ids.ts';
import { decodeCursor, encodeCursor, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import type { ModuleDeps } from '../deps.ts';
import { PING_EVENT_TYPE, webhookEventTypes, type WebhookEventType } from './webhook-events.ts';
import type {
  CreateWebhookInput,
  DeliveryStatus,
  UpdateWebhookInput,
  WebhookDeliveryDetailView,
  WebhookDeliveryView,
  WebhookView,
} from './webhook-schemas.ts';
import * as store from './webhook-store.ts';
import { createDeliverer, defaultDeliveryPolicy, secretAad } from './webhook-worker.ts';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function webhookView(row: store.EndpointRow): WebhookView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    url: row.url,
    eventTypes: row.event_types,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    rotatedAt: iso(row.rotated_at),
    previousSecretExpiresAt: iso(row.previous_secret_expires_at),
    createdBy: row.created_by,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    version: row.version,
  };
}

export function deliveryView(row: store.DeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    webhookId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    latencyMs: row.latency_ms,
    nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    deliveredAt: iso(row.delivered_at),
    createdAt: iso(row.created_at)!,
  };
}

function attemptView(row: store.AttemptRow) {
  return {
    attemptedAt: iso(row.attempted_at)!,
    url: row.url,
    statusCode: row.status_code,
    error: row.error,
    durationMs: row.duration_ms,
    responseBody: row.response_body,
  };
}

/** Standard Webhooks secrets: `whsec_` and base64 of 32 random bytes. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function orgResource(orgId: string): Resource {
  return { type: 'organization', id: orgId, orgId };
}

function webhookResource(row: store.EndpointRow): Resource {
  return { type: 'webhook', id: row.id, orgId: row.org_id, attrs: { name: row.name, url: row.url } };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

export function createWebhookService(deps: ModuleDeps) {
  const { db, authz, keys } = deps;
  const deliverer = createDeliverer(deps, defaultDeliveryPolicy);

  function tx<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return db.transaction().execute(work);
  }

  async function requireWebhook(orgId: string, webhookId: string) {
    const row = await store.findEndpoint(db, orgId, webhookId);
    if (!row) throw problems.notFound('webhook', webhookId);
    return row;
  }

  /** The egress guard decides at the API too, so a refused URL is never stored. */
  async function checkedUrl(url: string): Promise<string> {
    try {
      return (await deps.egress.checkUrl(url)).url.toString();
    } catch (error) {
      if (error instanceof EgressRefused) throw egressProblem(error, 'body.url');
      throw error;
    }
  }

  function nameTaken(name: string) {
    return problems.conflict('name-taken', `A webhook named ${name} exists in this organization.`, 'name');
  }

  return {
    async listEventTypes(p: Principal, orgId: string, page: PageQuery): Promise<Page<WebhookEventType>> {
      await authz.require(p, 'webhook:read', orgResource(orgId));
      const after = decodeCursor(page.cursor);
      const items = webhookEventTypes.filter((e) => after === null || e.type > after);
      const slice = items.slice(0, page.limit);
      return { items: slice, nextCursor: items.length > page.limit ? encodeCursor(slice[slice.length - 1]!.type) : null };
    },

    async createWebhook(p: Principal, orgId: string, input: CreateWebhookInput) {
      await authz.require(p, 'webhook:create', orgResource(orgId));
      const url = await checkedUrl(input.url);
      const id = newId('webhook');
      const secret = newSecret();
      const sealed = await sealSecret(keys, secret, secretAad(id));
      // Subscribers receive what happens from now on, not the org's history.
      const cursor = await deps.services.audit.sealedCount(orgId);
      const webhook = await tx(async (t) => {
        let row: store.EndpointRow;
        try {
          row = await store.insertEndpoint(t, {
            id,
            org_id: orgId,
            name: input.name,
            description: input.description,
            url,
            event_types: input.eventTypes,
            enabled: input.enabled,
            secret_sealed: sealed,
            cursor_seq: cursor,
            created_by: p.id,
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name);
          throw error;
        }
        const view = webhookView(row);
        await recordAudit(t, p, { action: 'webhook:create', orgId, target: { type: 'webhook', id, name: row.name }, after: view });
        return view;
      });
      return { webhook, secret };
    },

    async listWebhooks(p: Principal, orgId: string, page: PageQuery): Promise<Page<WebhookView>> {
      await authz.require(p, 'webhook:read', orgResource(orgId));
      const rows = await store.listEndpoints(db, orgId, decodeCursor(page.cursor), page.limit);
      const items = rows.slice(0, page.limit);
      return { items: items.map(webhookView), nextCursor: rows.length > page.limit ? encodeCursor(items[items.length - 1]!.id) : null };
    },

    async getWebhook(p: Principal, orgId: string, webhookId: string): Promise<WebhookView> {
      const row = await requireWebhook(orgId, webhookId);
      await authz.require(p, 'webhook:read', webhookResource(row));
      return webhookView(row);
    },

    async updateWebhook(p: Principal, orgId: string, webhookId: string, expectedVersion: number | undefined, input: UpdateWebhookInput) {
      const before = await requireWebhook(orgId, webhookId);
      await authz.require(p, 'webhook:update', webhookResource(before));
      const url = input.url !== undefined ? await checkedUrl(input.url) : undefined;
      // Turned back on, an endpoint starts at the present: what happened while it was off is skipped.
      const reenabled = input.enabled === true && !before.enabled;
      const cursor = reenabled ? await deps.services.audit.sealedCount(orgId) : undefined;
      return tx(async (t) => {
        let row: store.EndpointRow | undefined;
        try {
          row = await store.updateEndpoint(t, orgId, webhookId, expectedVersion, {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(url !== undefined ? { url } : {}),
            ...(input.eventTypes !== undefined ? { event_types: input.eventTypes } : {}),
            ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
            ...(cursor !== undefined ? { cursor_seq: cursor } : {}),
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name ?? before.name);
          throw error;
        }
        if (!row) throw expectedVersion === undefined ? problems.notFound('webhook', webhookId) : problems.preconditionFailed();
        const view = webhookView(row);
        await recordAudit(t, p, { action: 'webhook:update', orgId, target: { type: 'webhook', id: webhookId, name: row.name }, before: webhookView(before), after: view });
        return view;
      });
    },

    async deleteWebhook(p: Principal, orgId: string, webhookId: string): Promise<void> {
      const before = await requireWebhook(orgId, webhookId);
      await authz.require(p, 'webhook:delete', webhookResource(before));
      await tx(async (t) => {
        if (!(await store.deleteEndpoint(t, orgId, webhookId))) throw problems.notFound('webhook', webhookId);
        await recordAudit(t, p, { action: 'webhook:delete', orgId, target: { type: 'webhook', id: webhookId, name: before.name }, before: webhookView(before) });
      });
    },

    /** A new secret; for `overlapMinutes` deliveries carry signatures with both. */
    async rotateSecret(p: Principal, orgId: string, webhookId: string, input: { overlapMinutes: number }) {
      const before = await requireWebhook(orgId, webhookId);
      await authz.require(p, 'webhook:rotate', webhookResource(before));
      const secret = newSecret();
      const sealed = await sealSecret(keys, secret, secretAad(webhookId));
      const overlapEnds = input.overlapMinutes > 0 ? new Date(deps.clock.now().getTime() + input.overlapMinutes * 60_000) : null;
      const webhook = await tx(async (t) => {
        const row = await store.rotateSecret(t, orgId, webhookId, sealed, overlapEnds ? before.secret_sealed : null, overlapEnds);
        if (!row) throw problems.notFound('webhook', webhookId);
        const view = webhookView(row);
        await recordAudit(t, p, {
          action: 'webhook:rotate',
          orgId,
          target: { type: 'webhook', id: webhookId, name: row.name },
          after: { rotatedAt: view.rotatedAt, previousSecretExpiresAt: view.previousSecretExpiresAt },
        });
        return view;
      });
      return { webhook, secret };
    },

    /** Sends a `webhook.ping` now (whatever the subscription) and returns its delivery. */
    async ping(p: Principal, orgId: string, webhookId: string): Promise<WebhookDeliveryView> {
      const endpoint = await requireWebhook(orgId, webhookId);
      await authz.require(p, 'webhook:redeliver', webhookResource(endpoint));
      const messageId = newId('webhookMessage');
      const payload = JSON.stringify({ type: PING_EVENT_TYPE, timestamp: deps.clock.now().toISOString(), data: { webhookId, orgId } });
      const created = await tx(async (t) => {
        const row = await store.insertDelivery(t, { id: newId('webhookDelivery'), org_id: orgId, endpoint_id: webhookId, event_id: messageId, event_type: PING_EVENT_TYPE, payload });
        await recordAudit(t, p, { action: 'webhook:redeliver', orgId, target: { type: 'webhook', id: webhookId, name: endpoint.name }, after: { deliveryId: row.id, eventType: PING_EVENT_TYPE } });
        return row;
      });
      return deliveryView((await deliverer.deliverNow(created.id)) ?? created);
    },

    async listDeliveries(p: Principal, orgId: string, webhookId: string, query: PageQuery & { status?: DeliveryStatus }): Promise<Page<WebhookDeliveryView>> {
      const endpoint = await requireWebhook(orgId, webhookId);
      await authz.require(p, 'webhook:read', webhookResource(endpoint));
      const rows = await store.listDeliveries(db, orgId, webhookId, query.status, decodeCursor(query.cursor), query.limit);
      const items = rows.slice(0, query.limit);
      return { items: items.map(deliveryView), nextCursor: rows.length > query.limit ? encodeCursor(items[items.length - 1]!.id) : null };
    },

    async getDelivery(p: Principal, orgId: string, webhookId: string, deliveryId: string): Promise<WebhookDeliveryDetailView> {
      const endpoint = await requireWebhook(orgId, webhookId);
      await authz.require(p, 'webhook:read', webhookResource(endpoint));
      const row = await store.findDelivery(db, orgId, webhookId, deliveryId);
      if (!row) throw problems.notFound('webhook delivery', deliveryId);
      const attempts = await store.listAttempts(db, deliveryId);
      return { ...deliveryView(row), payload: row.payload, attemptLog: attempts.map(attemptView) };
    },

    /** Queues the same delivery (same webhook-id) again with a fresh set of attempts. */
    async redeliver(p: Principal, orgId: string, webhookId: string, deliveryId: string): Promise<WebhookDeliveryView> {
      const endpoint = await requireWebhook(orgId, webhookId);
      await authz.require(p, 'webhook:redeliver', webhookResource(endpoint));
      const existing = await store.findDelivery(db, orgId, webhookId, deliveryId);
      if (!existing) throw problems.notFound('webhook delivery', deliveryId);
      return tx(async (t) => {
        const row = await store.resetDelivery(t, orgId, deliveryId);
        if (!row) throw problems.notFound('webhook delivery', deliveryId);
        await recordAudit(t, p, {
          action: 'webhook:redeliver',
          orgId,
          target: { type: 'webhook', id: webhookId, name: endpoint.name },
          before: { deliveryId, status: existing.status, attempts: existing.attempts },
          after: { deliveryId, status: row.status, eventId: row.event_id, eventType: row.event_type },
        });
        return deliveryView(row);
      });
    },
  };
}
