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

/** The parts of an event a PII masker may rewrite before it is stored (and so sealed). */
export interface AuditMaskable {
  actorName: string | null;
  actorIp: string | null;
  targetName: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
}

/**
 * The at-write PII masking port (ADR 0010). The compliance module installs it; the kernel
 * imports no module. It may answer synchronously (rules cached) so the hot path stays cheap,
 * and reads rules with the given `db` (the business transaction) on a cache miss.
 */
export interface AuditWriteMasker {
  maskForWrite(db: Queryable, orgId: string, fields: AuditMaskable): AuditMaskable | Promise<AuditMaskable>;
}

let writeMasker: AuditWriteMasker | null = null;

/** Process-wide: every app in the process shares it (its caches key by org id, which are unique). */
export function setAuditWriteMasker(masker: AuditWriteMasker | null): void {
  writeMasker = masker;
}

async function maskedFields(db: Queryable, principal: Principal, entry: AuditEntry): Promise<AuditMaskable> {
  const fields: AuditMaskable = {
    actorName: principal.displayName,
    actorIp: principal.ip,
    targetName: entry.target.name ?? null,
    reason: entry.reason ?? null,
    before: entry.before === undefined ? undefined : redactSecrets(entry.before),
    after: entry.after === undefined ? undefined : redactSecrets(entry.after),
  };
  if (!writeMasker) return fields;
  const masked = writeMasker.maskForWrite(db, entry.orgId, fields);
  return masked instanceof Promise ? await masked : masked;
}

/**
 * Writes one audit event. Call it with the transaction that makes the change, so the
 * change and its record commit or roll back together.
 */
export async function recordAudit(db: Queryable, principal: Principal, entry: AuditEntry): Promise<string> {
  const id = newId('auditEvent');
  const f = await maskedFields(db, principal, entry);
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
      actor_name: f.actorName,
      actor_ip: f.actorIp,
      actor_user_agent: principal.userAgent,
      session_id: principal.sessionId,
      api_key_id: principal.apiKeyId,
      action: entry.action,
      target_type: entry.target.type,
      target_id: entry.target.id,
      target_name: f.targetName,
      outcome: entry.outcome ?? 'success',
      reason: f.reason,
      request_id: principal.requestId,
      before: f.before === undefined ? null : JSON.stringify(f.before),
      after: f.after === undefined ? null : JSON.stringify(f.after),
    } as never)
        .returning(['org_id', 'id', 'occurred_at']),
    )
    .insertInto('audit_unsealed')
    .columns(['org_id', 'event_id', 'occurred_at'])
    .expression((eb) => eb.selectFrom('event').select(['event.org_id', 'event.id', 'event.occurred_at']))
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
