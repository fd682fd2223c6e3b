import type { Principal, Resource } from './authz.ts';
import type { Queryable } from './db/index.ts';
import { newId } from './ids.ts';

export type AuditOutcome = 'success' | 'denied' | 'failed';

export interface AuditTarget {
  type: string;
  id: string | null;
  name?: string | null;
}

export interface AuditEntry {
  action: string;
  orgId: string;
  workspaceId?: string | null;
  target: AuditTarget;
  outcome?: AuditOutcome;
  reason?: string | null;
  before?: unknown;
  after?: unknown;
}

const SECRET_KEY = /secret|password|passwd|token|hash|private|credential|^key$|ca_?data|apikey/i;
// When a secret expires or changed is not itself secret (previousSecretExpiresAt, passwordChangedAt).
const TIMESTAMP_KEY = /(At|_at)$/;

/** Removes secret-looking fields, at any depth, from a before/after snapshot. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && !TIMESTAMP_KEY.test(k) ? '[redacted]' : redactSecrets(v);
    }
    return out;
  }
  return value;
}

/**
 * Writes one audit event. Call it with the transaction that makes the change, so the
 * change and its record commit or roll back together.
 */
export async function recordAudit(db: Queryable, principal: Principal, entry: AuditEntry): Promise<string> {
  const id = newId('auditEvent');
  // One statement writes the event and queues it for the sealer: no extra round trip.
  await db
    .with('event', (qb) =>
      qb
        .insertInto('audit_events')
        .values({
      id,
      org_id: entry.orgId,
      workspace_id: entry.workspaceId ?? null,
      actor_kind: principal.kind,
      actor_id: principal.id,
      actor_name: principal.displayName,
      actor_ip: principal.ip,
      actor_user_agent: principal.userAgent,
      session_id: principal.sessionId,
      api_key_id: principal.apiKeyId,
      action: entry.action,
      target_type: entry.target.type,
      target_id: entry.target.id,
      target_name: entry.target.name ?? null,
      outcome: entry.outcome ?? 'success',
      reason: entry.reason ?? null,
      request_id: principal.requestId,
      before: entry.before === undefined ? null : JSON.stringify(redactSecrets(entry.before)),
      after: entry.after === undefined ? null : JSON.stringify(redactSecrets(entry.after)),
    } as never)
        .returning(['org_id', 'id']),
    )
    .insertInto('audit_unsealed')
    .columns(['org_id', 'event_id'])
    .expression((eb) => eb.selectFrom('event').select(['event.org_id', 'event.id']))
    .execute();
  return id;
}

/** The denial record `authz.require` writes, outside any business transaction. */
export async function recordDenied(
  db: Queryable,
  principal: Principal,
  action: string,
  resource: Resource,
  reason: string,
): Promise<void> {
  await recordAudit(db, principal, {
    action,
    orgId: resource.orgId,
    workspaceId: resource.workspaceId ?? null,
    target: { type: resource.type, id: resource.id },
    outcome: 'denied',
    reason,
  });
}
