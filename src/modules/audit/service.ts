import type { Principal } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { decodeCursor, encodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import type { ModuleDeps } from '../deps.ts';
import { inclusionRanges, consistencyRanges, nodesFor, rangeHash, type LeafRange, type NodeLookup } from './merkle.ts';
import { newId } from '../../kernel/ids.ts';
import type {
  AuditEventView,
  AuditQuery,
  SavedSearchView,
  TimelineQuery,
  TimelineView,
  CheckpointView,
  ConsistencyProofView,
  InclusionProofView,
  PublicKeyView,
} from './schemas.ts';
import { checkpointText, eventLeafHash, leafData, type AuditLeafRow, type SignedCheckpoint } from './sealing.ts';
import * as store from './store.ts';

export interface SealedAuditEvent {
  seq: number;
  event: AuditEventView;
}

export function auditEventView(row: store.AuditEventRow | AuditLeafRow): AuditEventView {
  return {
    id: row.id,
    orgId: row.org_id,
    workspaceId: row.workspace_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
    actor: {
      kind: row.actor_kind,
      id: row.actor_id,
      name: row.actor_name,
      ip: row.actor_ip,
      userAgent: row.actor_user_agent,
      sessionId: row.session_id,
      apiKeyId: row.api_key_id,
    },
    action: row.action,
    target: { type: row.target_type, id: row.target_id, name: row.target_name },
    outcome: row.outcome,
    reason: row.reason,
    requestId: row.request_id,
    before: row.before ?? null,
    after: row.after ?? null,
  };
}

export function signedCheckpointOf(row: store.CheckpointRow): SignedCheckpoint {
  return {
    orgId: row.org_id,
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    signedAt: new Date(row.signed_at),
    keyId: row.key_id,
    signature: row.signature,
  };
}

export function checkpointView(row: store.CheckpointRow): CheckpointView {
  const c = signedCheckpointOf(row);
  return {
    orgId: c.orgId,
    treeSize: c.treeSize,
    rootHash: c.rootHash.toString('base64'),
    signedAt: c.signedAt.toISOString(),
    keyId: c.keyId,
    signature: c.signature.toString('base64'),
    signedText: checkpointText(c),
  };
}

function publicKeyView(row: Pick<store.SigningKeyRow, 'key_id' | 'public_key' | 'created_at' | 'retired_at'>): PublicKeyView {
  return {
    keyId: row.key_id,
    algorithm: 'Ed25519',
    publicKey: row.public_key,
    createdAt: new Date(row.created_at).toISOString(),
    retiredAt: row.retired_at ? new Date(row.retired_at).toISOString() : null,
  };
}

/** A checkpoint cursor carries the tree size of the last checkpoint seen. */
function decodeSizeCursor(cursor: string | undefined): number | null {
  const after = decodeCursor(cursor);
  if (after === null) return null;
  if (!/^[1-9][0-9]{0,15}$/.test(after)) throw problems.badRequest('invalid-cursor', 'cursor is not a cursor this API returned.', 'query.cursor');
  return Number(after);
}

/** The hashes of the given ranges, read from the stored perfect nodes in one query. */
async function rangeHashes(db: ModuleDeps['db'], orgId: string, ranges: LeafRange[]): Promise<string[]> {
  const nodes = await store.findNodes(db, orgId, nodesFor(ranges));
  const lookup: NodeLookup = ({ level, index }) => {
    const hash = nodes.get(`${level}:${index}`);
    if (!hash) throw new Error(`audit tree of ${orgId} lacks node ${level}:${index}`);
    return hash;
  };
  return ranges.map((r) => rangeHash(r, lookup).toString('base64'));
}

export type AuditService = ReturnType<typeof createAuditService>;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MAX_TIMELINE_BUCKETS = 1_000;

function savedSearchView(row: store.SavedSearchRow): SavedSearchView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    filters: row.filters,
    shared: row.shared,
    ownerId: row.owner_id,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    version: row.version,
  };
}

export function createAuditService(deps: ModuleDeps) {
  const { db, authz } = deps;

  /** Someone else's private search does not exist for the caller; someone else's shared one needs audit-search:manage. */
  async function requireOwnSearch(p: Principal, orgId: string, searchId: string, action: string): Promise<SavedSearchView> {
    const org = { type: 'organization', id: orgId, orgId };
    await authz.require(p, action, org);
    const row = await store.findSavedSearch(db, orgId, searchId);
    if (!row || (row.owner_id !== p.id && !row.shared)) throw problems.notFound('saved search', searchId);
    if (row.owner_id !== p.id) await authz.require(p, 'audit-search:manage', org);
    return savedSearchView(row);
  }

  /**
   * Reading stored values past read-time PII masking (ADR 0010): needs audit:read-unmasked
   * (a refusal is audited by require), and the read itself is recorded, one event per request.
   */
  async function requireUnmasked(p: Principal, orgId: string): Promise<void> {
    await authz.require(p, 'audit:read-unmasked', { type: 'organization', id: orgId, orgId });
  }

  async function recordUnmaskedRead(p: Principal, orgId: string, eventIds: string[]): Promise<void> {
    await recordAudit(db, p, {
      action: 'audit:read-unmasked',
      orgId,
      target: { type: 'audit-event', id: eventIds.length === 1 ? eventIds[0]! : null },
      after: { eventIds },
    });
  }

  async function shown(p: Principal, orgId: string, events: AuditEventView[], unmasked: boolean): Promise<AuditEventView[]> {
    if (unmasked) {
      await recordUnmaskedRead(p, orgId, events.map((e) => e.id));
      return events;
    }
    return deps.services.compliance.maskAuditEvents(orgId, events, { unmasked: false });
  }

  return {
    async listEvents(p: Principal, orgId: string, query: PageQuery & AuditQuery, unmasked = false): Promise<Page<AuditEventView>> {
      await authz.require(p, 'audit:read', { type: 'organization', id: orgId, orgId });
      if (unmasked) await requireUnmasked(p, orgId);
      if (query.from && query.to && new Date(query.from) >= new Date(query.to)) {
        throw problems.validation([{ field: 'query.to', message: 'must be after from' }]);
      }
      const rows = await store.listEvents(db, orgId, query, decodeCursor(query.cursor), query.limit);
      const page = toPage(rows, query.limit);
      return { items: await shown(p, orgId, page.items.map(auditEventView), unmasked), nextCursor: page.nextCursor };
    },

    async getEvent(p: Principal, orgId: string, eventId: string, unmasked = false): Promise<AuditEventView> {
      await authz.require(p, 'audit:read', { type: 'organization', id: orgId, orgId });
      if (unmasked) await requireUnmasked(p, orgId);
      const row = await store.findEvent(db, orgId, eventId);
      if (!row) throw problems.notFound('audit event', eventId);
      const [event] = await shown(p, orgId, [auditEventView(row)], unmasked);
      return event!;
    },

    async listCheckpoints(p: Principal, orgId: string, query: PageQuery): Promise<Page<CheckpointView>> {
      await authz.require(p, 'audit:read', { type: 'organization', id: orgId, orgId });
      const rows = await store.listCheckpoints(db, orgId, decodeSizeCursor(query.cursor), query.limit + 1);
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      return { items: items.map(checkpointView), nextCursor: rows.length > query.limit && last ? encodeCursor(String(last.tree_size)) : null };
    },

    async latestCheckpoint(p: Principal, orgId: string): Promise<CheckpointView> {
      await authz.require(p, 'audit:read', { type: 'organization', id: orgId, orgId });
      const row = await store.latestCheckpoint(db, orgId);
      if (!row) throw problems.notFound('audit checkpoint');
      return checkpointView(row);
    },

    /**
     * leafData is the stored bytes, so read-time masking cannot apply to it: a masked reader
     * gets it only when the org's read rules would change nothing in this event, and null
     * otherwise (the proof still verifies against leafHash); `unmasked` gives it, audited.
     */
    async inclusionProof(p: Principal, orgId: string, eventId: string, treeSize: number | undefined, unmasked = false): Promise<InclusionProofView> {
      await authz.require(p, 'audit:read', { type: 'organization', id: orgId, orgId });
      if (unmasked) await requireUnmasked(p, orgId);
      const event = await store.findSealedEvent(db, orgId, eventId);
      if (!event) throw problems.notFound('audit event', eventId);
      const checkpoint = treeSize === undefined ? await store.latestCheckpoint(db, orgId) : await store.findCheckpoint(db, orgId, treeSize);
      if (!checkpoint) throw problems.notFound('audit checkpoint', treeSize === undefined ? undefined : `of tree size ${treeSize}`);
      const size = Number(checkpoint.tree_size);
      if (event.seq === null || event.seq > size) {
        throw problems.conflict('not-sealed', `Event ${eventId} is not in the tree of size ${size} yet; ask again after the next checkpoint.`);
      }
      const index = event.seq - 1;
      let data: string | null = leafData(event);
      if (unmasked) {
        await recordUnmaskedRead(p, orgId, [eventId]);
      } else {
        const view = auditEventView(event);
        const masker = await deps.services.compliance.readMasker(orgId);
        if (masker.maskEvent(view) !== view) data = null;
      }
      return {
        eventId,
        leafIndex: index,
        treeSize: size,
        leafData: data,
        leafHash: eventLeafHash(event).toString('base64'),
        auditPath: await rangeHashes(db, orgId, inclusionRanges(index, size)),
        checkpoint: checkpointView(checkpoint),
      };
    },

    async consistencyProof(p: Principal, orgId: string, fromSize: number, toSize: number): Promise<ConsistencyProofView> {
      await authz.require(p, 'audit:read', { type: 'organization', id: orgId, orgId });
      if (fromSize > toSize) throw problems.validation([{ field: 'query.from', message: 'must not be greater than to' }]);
      const [from, to] = await Promise.all([store.findCheckpoint(db, orgId, fromSize), store.findCheckpoint(db, orgId, toSize)]);
      if (!from) throw problems.notFound('audit checkpoint', `of tree size ${fromSize}`);
      if (!to) throw problems.notFound('audit checkpoint', `of tree size ${toSize}`);
      return {
        fromSize,
        toSize,
        proof: await rangeHashes(db, orgId, consistencyRanges(fromSize, toSize)),
        from: checkpointView(from),
        to: checkpointView(to),
      };
    },

    async timeline(p: Principal, orgId: string, query: TimelineQuery): Promise<TimelineView> {
      await authz.require(p, 'audit:read', { type: 'organization', id: orgId, orgId });
      const { bucket, ...filter } = query;
      const to = filter.to ? new Date(filter.to) : deps.clock.now();
      const from = filter.from ? new Date(filter.from) : new Date(to.getTime() - (bucket === 'hour' ? DAY_MS : 30 * DAY_MS));
      if (from >= to) throw problems.validation([{ field: 'query.to', message: 'must be after from' }]);
      if ((to.getTime() - from.getTime()) / (bucket === 'hour' ? HOUR_MS : DAY_MS) > MAX_TIMELINE_BUCKETS) {
        throw problems.validation([{ field: 'query.bucket', message: `the window spans more than ${MAX_TIMELINE_BUCKETS} ${bucket}s; use a wider bucket or a shorter window` }]);
      }
      const rows = await store.timeline(db, orgId, { ...filter, from: undefined, to: undefined }, bucket, from, to);
      return {
        bucket,
        from: from.toISOString(),
        to: to.toISOString(),
        buckets: rows.map((r) => ({ start: new Date(r.start).toISOString(), success: Number(r.success), denied: Number(r.denied), failed: Number(r.failed) })),
      };
    },

    // ---- saved searches ----

    async createSavedSearch(p: Principal, orgId: string, input: { name: string; filters: AuditQuery; shared: boolean }): Promise<SavedSearchView> {
      await authz.require(p, 'audit-search:create', { type: 'organization', id: orgId, orgId });
      return db.transaction().execute(async (tx) => {
        const view = savedSearchView(await store.insertSavedSearch(tx, { id: newId('auditSearch'), orgId, ownerId: p.id, ...input }));
        await recordAudit(tx, p, { action: 'audit-search:create', orgId, target: { type: 'audit-search', id: view.id, name: view.name }, after: view });
        return view;
      });
    },

    async listSavedSearches(p: Principal, orgId: string, query: PageQuery): Promise<Page<SavedSearchView>> {
      await authz.require(p, 'audit:read', { type: 'organization', id: orgId, orgId });
      const page = toPage(await store.listSavedSearches(db, orgId, p.id, decodeCursor(query.cursor), query.limit), query.limit);
      return { items: page.items.map(savedSearchView), nextCursor: page.nextCursor };
    },

    async updateSavedSearch(
      p: Principal, orgId: string, searchId: string, expectedVersion: number | undefined,
      input: { name?: string; filters?: AuditQuery; shared?: boolean },
    ): Promise<SavedSearchView> {
      const before = await requireOwnSearch(p, orgId, searchId, 'audit-search:update');
      return db.transaction().execute(async (tx) => {
        const row = await store.updateSavedSearch(tx, orgId, searchId, expectedVersion, input);
        if (!row) throw problems.preconditionFailed();
        const view = savedSearchView(row);
        await recordAudit(tx, p, { action: 'audit-search:update', orgId, target: { type: 'audit-search', id: searchId, name: view.name }, before, after: view });
        return view;
      });
    },

    async deleteSavedSearch(p: Principal, orgId: string, searchId: string): Promise<void> {
      const before = await requireOwnSearch(p, orgId, searchId, 'audit-search:delete');
      await db.transaction().execute(async (tx) => {
        await store.deleteSavedSearch(tx, orgId, searchId);
        await recordAudit(tx, p, { action: 'audit-search:delete', orgId, target: { type: 'audit-search', id: searchId, name: before.name }, before });
      });
    },

    /**
     * The audit log read as an event stream, for system workers (SIEM streams, webhooks): an
     * org's sealed events with seq in (afterSeq, afterSeq + limit], in seq order. seq is dense
     * and final once sealed, so a reader's cursor is the last seq it finished.
     */
    async sealedEventsAfter(orgId: string, afterSeq: number, limit: number): Promise<SealedAuditEvent[]> {
      const rows = await store.sealedEvents(db, orgId, afterSeq + 1, afterSeq + limit);
      return rows.map((row) => ({ seq: row.seq ?? 0, event: auditEventView(row) }));
    },

    /** How many of an org's events are sealed (its tree size): a stream's lag is this minus its cursor. */
    async sealedCount(orgId: string): Promise<number> {
      return store.treeSize(db, orgId);
    },

    /** Public: every signing key ever used, so old checkpoints stay verifiable after rotation. */
    async listPublicKeys(query: PageQuery): Promise<Page<PublicKeyView>> {
      const rows = await store.listSigningKeys(db, decodeCursor(query.cursor), query.limit);
      const page = toPage(rows.map((r) => ({ ...r, id: r.key_id })), query.limit);
      return { items: page.items.map(publicKeyView), nextCursor: page.nextCursor };
    },
  };
}
