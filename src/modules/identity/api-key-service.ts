import type { FastifyRequest } from 'fastify';
import type { KeyGrant, Principal, Resource } from '../../kernel/authz.ts';
import { recordAudit, recordDenied } from '../../kernel/audit.ts';
import { sha256Hex } from '../../kernel/crypto.ts';
import type { Queryable, Tx } from '../../kernel/db/index.ts';
import type { Authenticated } from '../../kernel/http/server.ts';
import { newId } from '../../kernel/ids.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { Problem, problems } from '../../kernel/http/problems.ts';
import type { ModuleDeps } from '../deps.ts';
import { formatApiKeyToken, keyState, newApiKeySecret, parseApiKeyToken, secretOpensKey, type KeySecrets, type KeyState } from './api-key-tokens.ts';
import { BoundedCache } from './bounded-cache.ts';
import { KeyUsageBatch } from './key-usage.ts';
import type { ApiKeyView, CreateApiKeyInput } from './schemas.ts';
import { iso } from './session-service.ts';
import * as store from './store.ts';

/** What authentication needs of a key, kept in memory so a known key costs no query. */
interface CachedKey extends KeySecrets {
  id: string;
  orgId: string;
  name: string;
  grant: KeyGrant;
  rateLimitPerMinute: number;
}

const CACHE_ENTRIES = 10_000;
// A safety net only: revocation and rotation invalidate at once through `changes`.
const CACHE_TTL_MS = 60_000;
const USAGE_FLUSH_MS = 5_000;
export const API_KEY_TOPIC = 'api-key';

const date = (d: Date | string | null) => (d === null ? null : new Date(d));

function cachedKeyOf(row: store.ApiKeyRow): CachedKey {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    grant: grantOfRow(row),
    rateLimitPerMinute: row.rate_limit_per_minute,
    status: row.status,
    expiresAt: date(row.expires_at),
    secretHash: row.secret_hash,
    previousSecretHash: row.previous_secret_hash,
    previousExpiresAt: date(row.previous_expires_at),
  };
}

function grantOfRow(row: store.ApiKeyRow): KeyGrant {
  return { workspaceId: row.workspace_id, roleId: row.role_id, actions: row.actions };
}

/** A key acts with a role or with an explicit list of actions: exactly one of the two. */
export function grantOfInput(input: Pick<CreateApiKeyInput, 'workspaceId' | 'roleId' | 'actions'>): KeyGrant {
  if ((input.roleId === undefined) === (input.actions === undefined)) {
    const message = 'send either roleId or actions, not both and not neither';
    throw problems.validation([{ field: input.roleId === undefined ? 'roleId' : 'actions', message }]);
  }
  return {
    workspaceId: input.workspaceId ?? null,
    roleId: input.roleId ?? null,
    actions: input.actions ? [...new Set(input.actions)] : null,
  };
}

function keyResource(row: store.ApiKeyRow): Resource {
  return { type: 'api-key', id: row.id, orgId: row.org_id, workspaceId: row.workspace_id, attrs: { name: row.name } };
}

const suspendedAsRevoked = (s: KeyState) => (s === 'suspended' ? 'revoked' : s);

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

export function createApiKeyService(deps: ModuleDeps) {
  const { db, authz, changes } = deps;
  const now = () => deps.clock.now();
  const tx = <T>(work: (t: Tx) => Promise<T>) => db.transaction().execute(work);
  const cache = new BoundedCache<CachedKey>(CACHE_ENTRIES, CACHE_TTL_MS);
  const usage = new KeyUsageBatch();
  changes.subscribe(API_KEY_TOPIC, (keyId) => cache.delete(keyId));

  function view(row: store.ApiKeyRow): ApiKeyView {
    const pending = usage.peek(row.id);
    const stored = date(row.last_used_at);
    const lastUse = pending && (!stored || pending.at > stored) ? pending : { at: stored, ip: row.last_used_ip };
    const previousExpiresAt = date(row.previous_expires_at);
    return {
      id: row.id,
      orgId: row.org_id,
      name: row.name,
      workspaceId: row.workspace_id,
      roleId: row.role_id,
      actions: row.actions,
      status: keyState({ status: row.status, expiresAt: date(row.expires_at) }, now()),
      createdBy: row.created_by,
      createdAt: iso(row.created_at),
      expiresAt: row.expires_at ? iso(row.expires_at) : null,
      lastUsedAt: lastUse.at ? iso(lastUse.at) : null,
      lastUsedIp: lastUse.ip,
      rotatedAt: row.rotated_at ? iso(row.rotated_at) : null,
      previousSecretExpiresAt: previousExpiresAt && previousExpiresAt > now() ? iso(previousExpiresAt) : null,
      rateLimitPerMinute: row.rate_limit_per_minute,
      version: row.version,
    };
  }

  async function requireKey(orgId: string, keyId: string) {
    const row = await store.findApiKey(db, orgId, keyId);
    if (!row) throw problems.notFound('API key', keyId);
    return row;
  }

  async function assertWorkspaceInOrg(orgId: string, workspaceId: string | null) {
    if (workspaceId && !(await deps.services.tenancy.findWorkspace(orgId, workspaceId))) {
      throw problems.validation([{ field: 'workspaceId', message: `no workspace ${workspaceId} in this organization` }]);
    }
  }

  /** Publishes in the transaction (other replicas drop the key once it commits). */
  async function announce(t: Queryable, keyIds: string[]) {
    for (const keyId of keyIds) await changes.publish(t, API_KEY_TOPIC, keyId);
  }

  async function flushUsage() {
    const batch = usage.take();
    if (batch.length === 0) return;
    try {
      await store.recordKeyUsage(db, batch);
    } catch (error) {
      usage.putBack(batch);
      deps.log.warn({ err: error, keys: batch.length }, 'could not record API key usage; will retry');
    }
  }

  const flushTimer = setInterval(() => void flushUsage(), USAGE_FLUSH_MS);
  flushTimer.unref();

  /** A refused delegation is a denial like any other: it goes to the audit log. */
  async function requireDelegation(p: Principal, orgId: string, action: string, grant: KeyGrant, target: Resource) {
    try {
      await deps.services.access.assertCanDelegate(p, orgId, grant);
    } catch (error) {
      if (error instanceof Problem && error.status === 403) await recordDenied(deps.db, p, action, target, error.detail);
      throw error;
    }
  }

  return {
    async createApiKey(p: Principal, orgId: string, input: CreateApiKeyInput) {
      await authz.require(p, 'api-key:create', { type: 'organization', id: orgId, orgId, workspaceId: input.workspaceId ?? null });
      const grant = grantOfInput(input);
      await assertWorkspaceInOrg(orgId, grant.workspaceId);
      await requireDelegation(p, orgId, 'api-key:create', grant, { type: 'organization', id: orgId, orgId, workspaceId: grant.workspaceId });
      const id = newId('apiKey');
      const secret = newApiKeySecret();
      const at = now();
      return tx(async (t) => {
        const row = await store.insertApiKey(t, {
          id,
          org_id: orgId,
          name: input.name,
          workspace_id: grant.workspaceId,
          role_id: grant.roleId,
          actions: grant.actions ? JSON.stringify(grant.actions) : null,
          secret_hash: sha256Hex(secret),
          expires_at: input.expiresInDays ? new Date(at.getTime() + input.expiresInDays * 86_400_000) : null,
          rate_limit_per_minute: input.rateLimitPerMinute ?? deps.config.apiKeyRateLimitPerMinute,
          created_by: p.id,
          created_at: at,
        });
        const apiKey = view(row);
        await recordAudit(t, p, { action: 'api-key:create', orgId, workspaceId: row.workspace_id, target: { type: 'api-key', id, name: row.name }, after: apiKey });
        return { apiKey, secret: formatApiKeyToken(id, secret) };
      });
    },

    async listApiKeys(p: Principal, orgId: string, page: PageQuery): Promise<Page<ApiKeyView>> {
      await authz.require(p, 'api-key:read', { type: 'organization', id: orgId, orgId });
      const rows = await store.listApiKeys(db, orgId, decodeCursor(page.cursor), page.limit);
      const result = toPage(rows, page.limit);
      return { items: result.items.map(view), nextCursor: result.nextCursor };
    },

    async getApiKey(p: Principal, orgId: string, keyId: string) {
      const row = await requireKey(orgId, keyId);
      await authz.require(p, 'api-key:read', keyResource(row));
      return view(row);
    },

    /**
     * A new secret for the same key. Whoever rotates must hold what the key holds: otherwise
     * rotation would hand a more powerful secret to someone who could not create that key.
     */
    async rotateApiKey(p: Principal, orgId: string, keyId: string, expectedVersion: number | undefined, input: { overlapMinutes: number }) {
      const before = await requireKey(orgId, keyId);
      await authz.require(p, 'api-key:rotate', keyResource(before));
      const state = keyState({ status: before.status, expiresAt: date(before.expires_at) }, now());
      if (state !== 'active') throw problems.conflict('api-key-not-active', `The API key is ${state}; create a new one instead.`);
      await requireDelegation(p, orgId, 'api-key:rotate', grantOfRow(before), keyResource(before));
      const secret = newApiKeySecret();
      const at = now();
      const result = await tx(async (t) => {
        const row = await store.rotateApiKey(t, orgId, keyId, expectedVersion, {
          secretHash: sha256Hex(secret),
          previousExpiresAt: input.overlapMinutes > 0 ? new Date(at.getTime() + input.overlapMinutes * 60_000) : null,
          rotatedAt: at,
        });
        if (!row) throw expectedVersion === undefined ? problems.conflict('api-key-not-active', 'The API key was revoked.') : problems.preconditionFailed();
        const apiKey = view(row);
        await recordAudit(t, p, {
          action: 'api-key:rotate',
          orgId,
          workspaceId: row.workspace_id,
          target: { type: 'api-key', id: keyId, name: row.name },
          before: view(before),
          after: apiKey,
        });
        await announce(t, [keyId]);
        return { apiKey, secret: formatApiKeyToken(keyId, secret) };
      });
      cache.delete(keyId);
      return result;
    },

    async revokeApiKey(p: Principal, orgId: string, keyId: string, expectedVersion: number | undefined) {
      const before = await requireKey(orgId, keyId);
      await authz.require(p, 'api-key:revoke', keyResource(before));
      const apiKey = await tx(async (t) => {
        const row = await store.revokeApiKey(t, orgId, keyId, expectedVersion, now());
        if (!row) {
          if (before.status === 'revoked') throw problems.conflict('api-key-revoked', 'The API key is already revoked.');
          throw expectedVersion === undefined ? problems.conflict('api-key-revoked', 'The API key was revoked.') : problems.preconditionFailed();
        }
        const after = view(row);
        await recordAudit(t, p, { action: 'api-key:revoke', orgId, workspaceId: row.workspace_id, target: { type: 'api-key', id: keyId, name: row.name }, before: view(before), after });
        await announce(t, [keyId]);
        return after;
      });
      cache.delete(keyId);
      return apiKey;
    },

    /** Every key of the organization with its grant and state (access: who-can, checks for a key). */
    async listApiKeyGrants(orgId: string) {
      const at = now();
      return (await store.listAllApiKeys(db, orgId)).map((row) => ({
        id: row.id,
        name: row.name,
        // A suspended key acts no more than a revoked one; access only asks whether a key can act.
        status: suspendedAsRevoked(keyState({ status: row.status, expiresAt: date(row.expires_at) }, at)),
        ...grantOfRow(row),
      }));
    },

    /** Member removed: the keys they created in the organization stop working (caller audits). */
    async revokeKeysCreatedBy(t: Tx, orgId: string, userId: string) {
      const ids = await store.revokeApiKeysCreatedBy(t, orgId, userId, now());
      await announce(t, ids);
      // The caller owns the transaction; dropping here too covers a replica without a listener.
      for (const id of ids) cache.delete(id);
    },

    /** SCIM deactivation: the user's active keys in the organization stop working; returns their ids. */
    async suspendKeysCreatedBy(t: Tx, orgId: string, userId: string): Promise<string[]> {
      const ids = await store.setKeysSuspended(t, orgId, userId, now());
      await announce(t, ids);
      for (const id of ids) cache.delete(id);
      return ids;
    },

    /** SCIM reactivation: the keys that deactivation suspended work again (revoked ones stay revoked). */
    async restoreKeysCreatedBy(t: Tx, orgId: string, userId: string): Promise<string[]> {
      const ids = await store.setKeysSuspended(t, orgId, userId, null);
      await announce(t, ids);
      for (const id of ids) cache.delete(id);
      return ids;
    },

    /**
     * The API key half of the authentication port. The hot path for a key seen in the last
     * minute is one SHA-256 and two constant-time comparisons, with no database query.
     */
    async authenticateApiKey(token: string, request: FastifyRequest): Promise<Authenticated | null> {
      const parsed = parseApiKeyToken(token);
      if (!parsed) return null;
      const presentedHash = sha256Hex(parsed.secret);
      const at = now();
      let key = cache.get(parsed.keyId, at.getTime());
      if (key) {
        if (!secretOpensKey(key, presentedHash, at)) return null;
      } else {
        const epoch = cache.epoch;
        const row = await store.findApiKeyById(db, parsed.keyId);
        if (!row) return null;
        key = cachedKeyOf(row);
        if (!secretOpensKey(key, presentedHash, at)) return null;
        // Only keys that someone proved they hold take cache room.
        cache.set(key.id, key, at.getTime(), epoch);
      }
      usage.record(key.id, at, request.ip);
      return {
        principal: {
          kind: 'apiKey',
          id: key.id,
          orgId: key.orgId,
          displayName: key.name,
          platformAdmin: false,
          sessionId: null,
          apiKeyId: key.id,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          requestId: request.id,
          mfaAt: null,
          keyGrant: { ...key.grant, actions: key.grant.actions ? [...key.grant.actions] : null },
        },
        via: 'apiKey',
        rateLimitPerMinute: key.rateLimitPerMinute,
      };
    },

    /** Writes pending last-use records now (on shutdown, and in tests). */
    flushKeyUsage: flushUsage,

    async closeApiKeys() {
      clearInterval(flushTimer);
      await flushUsage();
    },
  };
}
