import type { Principal, Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { sealSecret } from '../../kernel/crypto.ts';
import { isUniqueViolation, type Queryable, type Tx } from '../../kernel/db/index.ts';
import { EgressRefused, egressProblem } from '../../kernel/egress.ts';
import { newId } from '../../kernel/ids.ts';
import { decodeCursor, encodeCursor, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import { enqueue } from '../../kernel/outbox.ts';
import type { ModuleDeps } from '../deps.ts';
import { CHANNEL_TOPIC, createChannelSender, webhookUrlAad } from './channel-delivery.ts';
import type { ChannelTestResult, CreateChannelInput, NotificationChannelView, NotificationField, UpdateChannelInput } from './channel-schemas.ts';
import * as store from './channel-store.ts';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function channelView(row: store.ChannelWithState): NotificationChannelView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    kind: row.kind,
    recipients: row.kind === 'email' ? row.recipients : [],
    webhookHost: row.webhook_host,
    enabled: row.enabled,
    lastSentAt: iso(row.last_sent_at),
    lastError: row.last_error,
    createdBy: row.created_by,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    version: row.version,
  };
}

/** What the audit log keeps of a channel: no webhook URL (sealed, and not in the view anyway). */
function auditView(view: NotificationChannelView) {
  const { lastSentAt: _s, lastError: _e, ...rest } = view;
  return rest;
}

// ---- notify(): the service other modules call ----

export interface NotifyInput {
  orgId: string;
  /** Channels of `orgId` to send to; unknown, other orgs' and disabled ones are skipped (and reported). */
  channelIds: readonly string[];
  /**
   * Identifies the alert, not the attempt: the same key on the same channel sends once,
   * however often it is asked (e.g. `budget:<id>:2026-11:80`).
   */
  dedupKey: string;
  subject: string;
  text: string;
  fields?: readonly NotificationField[];
}

export interface NotifyResult {
  /** Channels a message was queued for (sent after the caller's transaction commits). */
  queued: string[];
  /** Channels that already had this dedup key: nothing new was queued. */
  duplicates: string[];
  /** Channels that do not exist in the org or are disabled. */
  skipped: string[];
}

const MAX_KEY = 500;

/**
 * Queues a notification in the caller's transaction: it leaves only if that transaction
 * commits, once per (channel, dedup key), and the outbox retries it until it is delivered.
 */
export async function notify(tx: Queryable, input: NotifyInput): Promise<NotifyResult> {
  if (!input.dedupKey || input.dedupKey.length > MAX_KEY) throw new Error(`notify: dedupKey must be 1-${MAX_KEY} characters`);
  if (!input.subject.trim()) throw new Error('notify: subject is empty');
  const wanted = [...new Set(input.channelIds)];
  const channels = await store.enabledChannels(tx, input.orgId, wanted);
  const result: NotifyResult = { queued: [], duplicates: [], skipped: wanted.filter((id) => !channels.some((c) => c.id === id)) };
  for (const channel of channels) {
    const sendId = await store.insertSendOnce(tx, {
      id: newId('notificationSend'),
      org_id: input.orgId,
      channel_id: channel.id,
      dedup_key: input.dedupKey,
      subject: input.subject.slice(0, 200),
      body: input.text.slice(0, 10_000),
      fields: (input.fields ?? []).slice(0, 50).map((f) => ({ label: f.label.slice(0, 100), value: f.value.slice(0, 1000) })),
    });
    if (sendId === null) {
      result.duplicates.push(channel.id);
      continue;
    }
    await enqueue(tx, CHANNEL_TOPIC, { sendId }, input.orgId);
    result.queued.push(channel.id);
  }
  return result;
}

/** The ids among `channelIds` that are not channels of the org (for modules that store channel references). */
export async function missingChannels(db: Queryable, orgId: string, channelIds: readonly string[]): Promise<string[]> {
  const found = new Set(await store.existingChannelIds(db, orgId, channelIds));
  return [...new Set(channelIds)].filter((id) => !found.has(id));
}

// ---- the CRUD and test use cases ----

function orgResource(orgId: string): Resource {
  return { type: 'organization', id: orgId, orgId };
}

function channelResource(row: store.ChannelRow): Resource {
  return { type: 'notification-channel', id: row.id, orgId: row.org_id, attrs: { name: row.name, kind: row.kind } };
}

export type ChannelService = ReturnType<typeof createChannelService>;

export function createChannelService(deps: ModuleDeps) {
  const { db, authz, keys } = deps;
  const send = createChannelSender(deps);

  function tx<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return db.transaction().execute(work);
  }

  async function requireChannel(orgId: string, channelId: string) {
    const row = await store.findChannel(db, orgId, channelId);
    if (!row) throw problems.notFound('notification channel', channelId);
    return row;
  }

  /** Checked by the egress guard before it is stored; returns the sealed URL and its host. */
  async function sealedWebhook(channelId: string, url: string) {
    let checked;
    try {
      checked = await deps.egress.checkUrl(url);
    } catch (error) {
      if (error instanceof EgressRefused) throw egressProblem(new EgressRefused(error.reason, 'the webhook URL', null), 'body.webhookUrl');
      throw error;
    }
    return { sealed: await sealSecret(keys, checked.url.toString(), webhookUrlAad(channelId)), host: checked.url.host };
  }

  function nameTaken(name: string) {
    return problems.conflict('name-taken', `A notification channel named ${name} exists in this organization.`, 'name');
  }

  return {
    async createChannel(p: Principal, orgId: string, input: CreateChannelInput): Promise<NotificationChannelView> {
      await authz.require(p, 'notification-channel:create', orgResource(orgId));
      const id = newId('notificationChannel');
      const webhook = input.kind === 'slack' ? await sealedWebhook(id, input.webhookUrl!) : null;
      return tx(async (t) => {
        try {
          await store.insertChannel(t, {
            id,
            org_id: orgId,
            name: input.name,
            kind: input.kind,
            recipients: input.kind === 'email' ? input.recipients! : [],
            webhook_url_sealed: webhook?.sealed ?? null,
            webhook_host: webhook?.host ?? null,
            enabled: input.enabled,
            created_by: p.id,
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name);
          throw error;
        }
        const view = channelView((await store.findChannel(t, orgId, id))!);
        await recordAudit(t, p, { action: 'notification-channel:create', orgId, target: { type: 'notification-channel', id, name: view.name }, after: auditView(view) });
        return view;
      });
    },

    async listChannels(p: Principal, orgId: string, page: PageQuery): Promise<Page<NotificationChannelView>> {
      await authz.require(p, 'notification-channel:read', orgResource(orgId));
      const rows = await store.listChannels(db, orgId, decodeCursor(page.cursor), page.limit);
      const items = rows.slice(0, page.limit);
      return { items: items.map(channelView), nextCursor: rows.length > page.limit ? encodeCursor(items[items.length - 1]!.id) : null };
    },

    async getChannel(p: Principal, orgId: string, channelId: string): Promise<NotificationChannelView> {
      const row = await requireChannel(orgId, channelId);
      await authz.require(p, 'notification-channel:read', channelResource(row));
      return channelView(row);
    },

    async updateChannel(p: Principal, orgId: string, channelId: string, expectedVersion: number | undefined, input: UpdateChannelInput): Promise<NotificationChannelView> {
      const before = await requireChannel(orgId, channelId);
      await authz.require(p, 'notification-channel:update', channelResource(before));
      if (input.recipients !== undefined && before.kind !== 'email') throw problems.badRequest('wrong-channel-kind', 'Only an e-mail channel has recipients.', 'body.recipients');
      if (input.webhookUrl !== undefined && before.kind !== 'slack') throw problems.badRequest('wrong-channel-kind', 'Only a slack channel has a webhook URL.', 'body.webhookUrl');
      const webhook = input.webhookUrl !== undefined ? await sealedWebhook(channelId, input.webhookUrl) : null;
      return tx(async (t) => {
        let updated;
        try {
          updated = await store.updateChannel(t, orgId, channelId, expectedVersion, {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.recipients !== undefined ? { recipients: input.recipients } : {}),
            ...(webhook ? { webhook_url_sealed: webhook.sealed, webhook_host: webhook.host } : {}),
            ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name ?? before.name);
          throw error;
        }
        if (!updated) throw expectedVersion === undefined ? problems.notFound('notification channel', channelId) : problems.preconditionFailed();
        const view = channelView((await store.findChannel(t, orgId, channelId))!);
        await recordAudit(t, p, {
          action: 'notification-channel:update',
          orgId,
          target: { type: 'notification-channel', id: channelId, name: view.name },
          before: auditView(channelView(before)),
          // A new URL is recorded as changed, never as itself.
          after: { ...auditView(view), ...(webhook ? { webhookUrlChanged: true } : {}) },
        });
        return view;
      });
    },

    async deleteChannel(p: Principal, orgId: string, channelId: string): Promise<void> {
      const before = await requireChannel(orgId, channelId);
      await authz.require(p, 'notification-channel:delete', channelResource(before));
      await tx(async (t) => {
        if (!(await store.deleteChannel(t, orgId, channelId))) throw problems.notFound('notification channel', channelId);
        await recordAudit(t, p, { action: 'notification-channel:delete', orgId, target: { type: 'notification-channel', id: channelId, name: before.name }, before: auditView(channelView(before)) });
      });
    },

    /**
     * Sends a test message now, outside the outbox, and says how it went: the point is
     * the answer. The attempt is audited (who made the channel post, and the outcome).
     */
    async testChannel(p: Principal, orgId: string, channelId: string): Promise<ChannelTestResult> {
      const channel = await requireChannel(orgId, channelId);
      await authz.require(p, 'notification-channel:test', channelResource(channel));
      const started = Date.now();
      let error: string | null = null;
      try {
        await send(channel, {
          subject: 'Hexaplane test notification',
          text: `This is a test of the notification channel "${channel.name}", sent by ${p.displayName}. Alerts sent to this channel will look like this.`,
          fields: [
            { label: 'Channel', value: channel.name },
            { label: 'Sent at', value: deps.clock.now().toISOString() },
          ],
          messageId: newId('notificationSend'),
        });
      } catch (e) {
        error = (e as Error).message;
      }
      const result = { delivered: error === null, error, durationMs: Date.now() - started };
      await tx((t) =>
        recordAudit(t, p, {
          action: 'notification-channel:test',
          orgId,
          target: { type: 'notification-channel', id: channelId, name: channel.name },
          // The use case (send a test) succeeded either way; whether the peer took it is its result.
          after: { delivered: result.delivered, error },
        }),
      );
      return result;
    },
  };
}
