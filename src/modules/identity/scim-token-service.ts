import type { FastifyRequest } from 'fastify';
import { newPrincipal, type Principal, type Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { randomToken, sha256Hex } from '../../kernel/crypto.ts';
import type { Tx } from '../../kernel/db/index.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import type { Authenticated } from '../../kernel/http/server.ts';
import { newId } from '../../kernel/ids.ts';
import type { ModuleDeps } from '../deps.ts';
import { secretOpensKey } from './api-key-tokens.ts';
import { BoundedCache } from './bounded-cache.ts';
import type { ScimTokenView } from './scim-schemas.ts';
import * as store from './scim-store.ts';
import { iso } from './session-service.ts';

/**
 * SCIM tokens are `hxs_<tokenId>_<secret>`: a different prefix from API keys (`hxp_`), so a
 * token is recognised by its shape and can be refused everywhere except the SCIM API.
 */
const TOKEN_PATTERN = /^hxs_(stk_[0-9a-z]{26})_([A-Za-z0-9_-]{43})$/;
export const SCIM_TOKEN_PREFIX = 'hxs_';
export const SCIM_TOKEN_TOPIC = 'scim-token';
export const SCIM_BASE_PATH = '/scim/v2';

export function parseScimToken(token: string): { tokenId: string; secret: string } | null {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { tokenId: match[1]!, secret: match[2]! } : null;
}

interface CachedToken {
  id: string;
  orgId: string;
  name: string;
  status: 'active' | 'revoked';
  secretHash: string;
  previousSecretHash: string | null;
  previousExpiresAt: Date | null;
}

const date = (d: Date | string | null) => (d === null ? null : new Date(d));

function cachedOf(row: store.ScimTokenRow): CachedToken {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    status: row.status,
    secretHash: row.secret_hash,
    previousSecretHash: row.previous_secret_hash,
    previousExpiresAt: date(row.previous_expires_at),
  };
}

function tokenResource(row: store.ScimTokenRow): Resource {
  return { type: 'scim-token', id: row.id, orgId: row.org_id, attrs: { name: row.name } };
}

export type ScimTokenService = ReturnType<typeof createScimTokenService>;

export function createScimTokenService(deps: ModuleDeps) {
  const { db, authz, changes } = deps;
  const now = () => deps.clock.now();
  const tx = <T>(work: (t: Tx) => Promise<T>) => db.transaction().execute(work);
  const cache = new BoundedCache<CachedToken>(1_000, 60_000);
  changes.subscribe(SCIM_TOKEN_TOPIC, (id) => cache.delete(id));
  const baseUrl = () => `${deps.config.publicUrl}${SCIM_BASE_PATH}`;

  function view(row: store.ScimTokenRow): ScimTokenView {
    const previousExpiresAt = date(row.previous_expires_at);
    return {
      id: row.id,
      orgId: row.org_id,
      name: row.name,
      status: row.status,
      createdBy: row.created_by,
      createdAt: iso(row.created_at),
      lastUsedAt: row.last_used_at ? iso(row.last_used_at) : null,
      rotatedAt: row.rotated_at ? iso(row.rotated_at) : null,
      previousSecretExpiresAt: previousExpiresAt && previousExpiresAt > now() ? iso(previousExpiresAt) : null,
      version: row.version,
    };
  }

  async function requireToken(orgId: string, tokenId: string) {
    const row = await store.findToken(db, orgId, tokenId);
    if (!row) throw problems.notFound('SCIM token', tokenId);
    return row;
  }

  const format = (id: string, secret: string) => `${SCIM_TOKEN_PREFIX}${id}_${secret}`;

  return {
    scimBaseUrl: baseUrl,

    async createScimToken(p: Principal, orgId: string, input: { name: string }) {
      await authz.require(p, 'scim-token:create', { type: 'organization', id: orgId, orgId });
      const id = newId('scimToken');
      const secret = randomToken(32);
      return tx(async (t) => {
        const row = await store.insertToken(t, { id, org_id: orgId, name: input.name, secret_hash: sha256Hex(secret), created_by: p.id, created_at: now() });
        const scimToken = view(row);
        await recordAudit(t, p, { action: 'scim-token:create', orgId, target: { type: 'scim-token', id, name: row.name }, after: scimToken });
        return { scimToken, token: format(id, secret), baseUrl: baseUrl() };
      });
    },

    async listScimTokens(p: Principal, orgId: string, page: PageQuery): Promise<Page<ScimTokenView>> {
      await authz.require(p, 'scim-token:read', { type: 'organization', id: orgId, orgId });
      const rows = await store.listTokens(db, orgId, decodeCursor(page.cursor), page.limit);
      const result = toPage(rows, page.limit);
      return { items: result.items.map(view), nextCursor: result.nextCursor };
    },

    async rotateScimToken(p: Principal, orgId: string, tokenId: string, expectedVersion: number | undefined, input: { overlapMinutes: number }) {
      const before = await requireToken(orgId, tokenId);
      await authz.require(p, 'scim-token:rotate', tokenResource(before));
      if (before.status !== 'active') throw problems.conflict('scim-token-revoked', 'The SCIM token is revoked; create a new one.');
      const secret = randomToken(32);
      const at = now();
      const result = await tx(async (t) => {
        const row = await store.rotateToken(t, orgId, tokenId, expectedVersion, {
          secretHash: sha256Hex(secret),
          previousExpiresAt: input.overlapMinutes > 0 ? new Date(at.getTime() + input.overlapMinutes * 60_000) : null,
          rotatedAt: at,
        });
        if (!row) throw expectedVersion === undefined ? problems.conflict('scim-token-revoked', 'The SCIM token was revoked.') : problems.preconditionFailed();
        const scimToken = view(row);
        await recordAudit(t, p, { action: 'scim-token:rotate', orgId, target: { type: 'scim-token', id: tokenId, name: row.name }, before: view(before), after: scimToken });
        await changes.publish(t, SCIM_TOKEN_TOPIC, tokenId);
        return { scimToken, token: format(tokenId, secret), baseUrl: baseUrl() };
      });
      cache.delete(tokenId);
      return result;
    },

    async revokeScimToken(p: Principal, orgId: string, tokenId: string, expectedVersion: number | undefined) {
      const before = await requireToken(orgId, tokenId);
      await authz.require(p, 'scim-token:revoke', tokenResource(before));
      const result = await tx(async (t) => {
        const row = await store.revokeToken(t, orgId, tokenId, expectedVersion, now());
        if (!row) {
          if (before.status === 'revoked') throw problems.conflict('scim-token-revoked', 'The SCIM token is already revoked.');
          throw expectedVersion === undefined ? problems.conflict('scim-token-revoked', 'The SCIM token was revoked.') : problems.preconditionFailed();
        }
        const after = view(row);
        await recordAudit(t, p, { action: 'scim-token:revoke', orgId, target: { type: 'scim-token', id: tokenId, name: row.name }, before: view(before), after });
        await changes.publish(t, SCIM_TOKEN_TOPIC, tokenId);
        return after;
      });
      cache.delete(tokenId);
      return result;
    },

    /**
     * The SCIM half of the authentication port: a principal of kind `scim` bound to the token's
     * organization. The caller only asks for requests to the SCIM API.
     */
    async authenticateScimToken(token: string, request: FastifyRequest): Promise<Authenticated | null> {
      const parsed = parseScimToken(token);
      if (!parsed) return null;
      const presented = sha256Hex(parsed.secret);
      const at = now();
      let entry = cache.get(parsed.tokenId, at.getTime());
      if (!entry) {
        const epoch = cache.epoch;
        const row = await store.findTokenById(db, parsed.tokenId);
        if (!row) return null;
        entry = cachedOf(row);
        if (!secretOpensKey({ ...entry, expiresAt: null }, presented, at)) return null;
        cache.set(entry.id, entry, at.getTime(), epoch);
        await store.touchToken(db, entry.id, at);
      } else if (!secretOpensKey({ ...entry, expiresAt: null }, presented, at)) {
        return null;
      }
      return {
        principal: newPrincipal({
          kind: 'scim',
          id: entry.id,
          orgId: entry.orgId,
          displayName: `SCIM: ${entry.name}`,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          requestId: request.id,
        }),
        via: 'scim',
        // An IdP's first sync sends a request per user and group; it is bounded by the IdP, not us.
        rateLimitPerMinute: 100_000,
      };
    },
  };
}
