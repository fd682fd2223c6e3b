import { EgressRefused, egressProblem } from '../../kernel/egress.ts';
import type { Principal, Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { sealSecret } from '../../kernel/crypto.ts';
import { isUniqueViolation, type Tx } from '../../kernel/db/index.ts';
import { newId } from '../../kernel/ids.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import type { ModuleDeps } from '../deps.ts';
import type { AuditEventView } from './schemas.ts';
import type {
  CreateStreamInput,
  DestinationConfig,
  DestinationInput,
  StreamSecrets,
  StreamView,
  UpdateStreamInput,
} from './stream-schemas.ts';
import { sinkDirectory } from './stream-sinks.ts';
import * as store from './stream-store.ts';
import { fileRootOf, openStreamSink, secretsAad } from './stream-worker.ts';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The secret fields of each kind, and the flag a view shows for each. */
const SECRET_FIELDS = { token: 'hasToken', apiKey: 'hasApiKey', hmacSecret: 'hasHmacSecret', clientKeyPem: 'hasClientKey' } as const;
type SecretField = keyof typeof SECRET_FIELDS;
const REQUIRED_SECRET: Partial<Record<DestinationInput['kind'], SecretField>> = { 'splunk-hec': 'token', datadog: 'apiKey', https: 'hmacSecret' };

function splitSecrets(input: DestinationInput): { config: DestinationConfig; secrets: StreamSecrets } {
  const config: Record<string, unknown> = {};
  const secrets: StreamSecrets = {};
  for (const [key, value] of Object.entries(input)) {
    if (key in SECRET_FIELDS) secrets[key as SecretField] = value as string;
    else config[key] = value;
  }
  return { config: config as DestinationConfig, secrets };
}

export function streamView(row: store.StreamRow, secretFlags: Partial<Record<SecretField, boolean>>): StreamView {
  const sealedCount = Number(row.sealed_count ?? 0);
  const cursor = Number(row.cursor);
  const flags: Record<string, boolean> = {};
  for (const [field, flag] of Object.entries(SECRET_FIELDS)) if (secretFlags[field as SecretField] !== undefined) flags[flag] = secretFlags[field as SecretField]!;
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    kind: row.kind,
    destination: { ...row.destination, ...flags },
    filters: row.filters,
    batch: { maxEvents: row.batch_max_events, maxWaitMs: row.batch_max_wait_ms },
    maxAttempts: row.max_attempts,
    status: row.status,
    health: {
      cursor,
      sealedCount,
      lag: Math.max(0, sealedCount - cursor),
      deliveredCount: Number(row.delivered_count),
      lastDeliveredAt: iso(row.last_delivered_at),
      lastError: row.last_error,
      lastErrorAt: iso(row.last_error_at),
      consecutiveFailures: row.consecutive_failures,
      nextAttemptAt: row.status === 'active' ? iso(row.next_attempt_at) : null,
    },
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    version: row.version,
  };
}

/**
 * Which secrets a stream holds is kept beside them in the destination config (`secretFields`),
 * so views need not open the sealed document.
 */
function storedFlags(row: store.StreamRow): Partial<Record<SecretField, boolean>> {
  const held = ((row.destination as { secretFields?: string[] }).secretFields ?? []) as SecretField[];
  const flags: Partial<Record<SecretField, boolean>> = {};
  if (row.kind === 'splunk-hec') flags.token = held.includes('token');
  if (row.kind === 'datadog') flags.apiKey = held.includes('apiKey');
  if (row.kind === 'https') flags.hmacSecret = held.includes('hmacSecret');
  if (row.kind === 'syslog') flags.clientKeyPem = held.includes('clientKeyPem');
  return flags;
}

function view(row: store.StreamRow): StreamView {
  const out = streamView(row, storedFlags(row));
  delete (out.destination as { secretFields?: unknown }).secretFields;
  return out;
}

/** What the audit log records of a stream: the view without health (it is not a change) and without secrets. */
function auditSnapshot(v: StreamView) {
  const { health: _health, ...rest } = v;
  return rest;
}

function orgResource(orgId: string): Resource {
  return { type: 'organization', id: orgId, orgId };
}

function streamResource(row: store.StreamRow): Resource {
  return { type: 'audit-stream', id: row.id, orgId: row.org_id, attrs: { name: row.name, kind: row.kind } };
}

/** The synthetic event a stream test sends: it is never in the log and names itself a test. */
function testEvent(p: Principal, orgId: string, streamId: string): AuditEventView {
  return {
    id: newId('auditEvent'),
    orgId,
    workspaceId: null,
    occurredAt: new Date().toISOString(),
    actor: { kind: p.kind, id: p.id, name: p.displayName, ip: p.ip, userAgent: p.userAgent, sessionId: p.sessionId, apiKeyId: p.apiKeyId },
    action: 'audit-stream:test',
    target: { type: 'audit-stream', id: streamId, name: null },
    outcome: 'success',
    reason: 'A test message from Hexaplane: not an audit event',
    requestId: p.requestId,
    before: null,
    after: null,
  };
}

export type StreamService = ReturnType<typeof createStreamService>;

export function createStreamService(deps: ModuleDeps) {
  const { db, authz, keys } = deps;

  function tx<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return db.transaction().execute(work);
  }

  async function requireStream(orgId: string, streamId: string): Promise<store.StreamRow> {
    const row = await store.findStream(db, orgId, streamId);
    if (!row) throw problems.notFound('audit stream', streamId);
    return row;
  }

  function nameTaken(name: string) {
    return problems.conflict('name-taken', `An audit stream named ${name} exists in this organization.`, 'name');
  }

  function checkDirectory(config: DestinationConfig): void {
    if (config.kind !== 'ocsf-file') return;
    try {
      sinkDirectory(fileRootOf(deps), config.directory);
    } catch {
      throw problems.validation([{ field: 'destination.directory', message: 'must stay under the operator\'s SIEM file root' }]);
    }
  }

  /** The egress guard decides at the API too (ADR 0008): a refused destination is never stored. */
  async function checkDestination(config: DestinationConfig): Promise<void> {
    if (config.kind === 'ocsf-file') return;
    const [target, field] = config.kind === 'syslog' ? [`https://${config.host.includes(':') ? `[${config.host}]` : config.host}/`, 'destination.host'] : [config.url, 'destination.url'];
    try {
      await deps.egress.checkUrl(target);
    } catch (error) {
      if (error instanceof EgressRefused) throw egressProblem(error, field);
      throw error;
    }
  }

  /** Seals the secrets with the stream id as AAD; the config remembers which fields are held. */
  async function sealed(streamId: string, config: DestinationConfig, secrets: StreamSecrets) {
    const fields = Object.keys(secrets).filter((k) => secrets[k as SecretField] !== undefined);
    const stored = { ...config, ...(fields.length ? { secretFields: fields } : {}) } as DestinationConfig;
    return { stored, sealedSecrets: fields.length ? await sealSecret(keys, JSON.stringify(secrets), secretsAad(streamId)) : null };
  }

  return {
    async createStream(p: Principal, orgId: string, input: CreateStreamInput): Promise<StreamView> {
      await authz.require(p, 'audit-stream:create', orgResource(orgId));
      const { config, secrets } = splitSecrets(input.destination);
      const required = REQUIRED_SECRET[config.kind];
      if (required && !secrets[required]) throw problems.validation([{ field: `destination.${required}`, message: `is required for a ${config.kind} stream` }]);
      checkDirectory(config);
      await checkDestination(config);
      const id = newId('auditStream');
      const { stored, sealedSecrets } = await sealed(id, config, secrets);
      return tx(async (t) => {
        let row: store.StreamRow;
        try {
          row = await store.insertStream(t, {
            id,
            org_id: orgId,
            name: input.name,
            kind: config.kind,
            destination: stored,
            secrets_sealed: sealedSecrets,
            filters: input.filters,
            batch_max_events: input.batch.maxEvents,
            batch_max_wait_ms: input.batch.maxWaitMs,
            max_attempts: input.maxAttempts,
            cursor: await store.treeSize(t, orgId),
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name);
          throw error;
        }
        const v = view(row);
        await recordAudit(t, p, { action: 'audit-stream:create', orgId, target: { type: 'audit-stream', id, name: row.name }, after: auditSnapshot(v) });
        return v;
      });
    },

    async listStreams(p: Principal, orgId: string, page: PageQuery): Promise<Page<StreamView>> {
      await authz.require(p, 'audit-stream:read', orgResource(orgId));
      const rows = await store.listStreams(db, orgId, decodeCursor(page.cursor), page.limit);
      const result = toPage(rows, page.limit);
      return { items: result.items.map(view), nextCursor: result.nextCursor };
    },

    async getStream(p: Principal, orgId: string, streamId: string): Promise<StreamView> {
      const row = await requireStream(orgId, streamId);
      await authz.require(p, 'audit-stream:read', streamResource(row));
      return view(row);
    },

    async updateStream(p: Principal, orgId: string, streamId: string, expectedVersion: number | undefined, input: UpdateStreamInput): Promise<StreamView> {
      const before = await requireStream(orgId, streamId);
      await authz.require(p, 'audit-stream:update', streamResource(before));
      let destination: { stored: DestinationConfig; sealedSecrets: Awaited<ReturnType<typeof sealed>>['sealedSecrets'] } | undefined;
      let secretsReplaced = false;
      if (input.destination) {
        if (input.destination.kind !== before.kind) {
          throw problems.validation([{ field: 'destination.kind', message: `must stay ${before.kind}; create another stream for another kind` }]);
        }
        const { config, secrets } = splitSecrets(input.destination);
        checkDirectory(config);
        await checkDestination(config);
        secretsReplaced = Object.values(secrets).some((v) => v !== undefined);
        if (secretsReplaced) {
          destination = await sealed(streamId, config, secrets);
        } else {
          // Omitted secrets are kept, and so is the record of which fields they are.
          const held = (before.destination as { secretFields?: string[] }).secretFields;
          destination = { stored: { ...config, ...(held ? { secretFields: held } : {}) } as DestinationConfig, sealedSecrets: before.secrets_sealed };
        }
      }
      if (input.status === 'active' && before.status === 'dead_letter') {
        throw problems.conflict('dead-letter', 'The stream is in dead_letter; resume it (POST …/resume) to restart delivery.', 'status');
      }
      return tx(async (t) => {
        let row: store.StreamRow | undefined;
        try {
          row = await store.updateStream(t, orgId, streamId, expectedVersion, {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(destination ? { destination: destination.stored, secrets_sealed: destination.sealedSecrets } : {}),
            ...(input.filters ? { filters: input.filters } : {}),
            ...(input.batch ? { batch_max_events: input.batch.maxEvents, batch_max_wait_ms: input.batch.maxWaitMs } : {}),
            ...(input.maxAttempts !== undefined ? { max_attempts: input.maxAttempts } : {}),
            ...(input.status !== undefined && before.status !== 'dead_letter' ? { status: input.status } : {}),
          }, { resetFailures: input.status === 'active' || destination !== undefined });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name ?? before.name);
          throw error;
        }
        if (!row) throw expectedVersion === undefined ? problems.notFound('audit stream', streamId) : problems.preconditionFailed();
        const v = view(row);
        await recordAudit(t, p, {
          action: 'audit-stream:update',
          orgId,
          target: { type: 'audit-stream', id: streamId, name: row.name },
          before: auditSnapshot(view(before)),
          after: { ...auditSnapshot(v), ...(secretsReplaced ? { credentialsReplaced: true } : {}) },
        });
        return v;
      });
    },

    async deleteStream(p: Principal, orgId: string, streamId: string): Promise<void> {
      const before = await requireStream(orgId, streamId);
      await authz.require(p, 'audit-stream:delete', streamResource(before));
      await tx(async (t) => {
        if (!(await store.deleteStream(t, orgId, streamId))) throw problems.notFound('audit stream', streamId);
        await recordAudit(t, p, { action: 'audit-stream:delete', orgId, target: { type: 'audit-stream', id: streamId, name: before.name }, before: auditSnapshot(view(before)) });
      });
    },

    /** Sets the cursor back (or forward) so delivery continues with `fromSeq`. */
    async replayStream(p: Principal, orgId: string, streamId: string, fromSeq: number): Promise<StreamView> {
      const before = await requireStream(orgId, streamId);
      await authz.require(p, 'audit-stream:replay', streamResource(before));
      const sealedCount = Number(before.sealed_count ?? 0);
      if (fromSeq > sealedCount + 1) {
        throw problems.validation([{ field: 'fromSeq', message: `must be at most ${sealedCount + 1} (the organization has ${sealedCount} sealed events)` }]);
      }
      return tx(async (t) => {
        const row = await store.updateStream(t, orgId, streamId, undefined, {}, { cursor: fromSeq - 1, resetFailures: true });
        if (!row) throw problems.notFound('audit stream', streamId);
        await recordAudit(t, p, {
          action: 'audit-stream:replay',
          orgId,
          target: { type: 'audit-stream', id: streamId, name: row.name },
          before: { cursor: Number(before.cursor) },
          after: { cursor: Number(row.cursor), fromSeq },
        });
        return view(row);
      });
    },

    /** Takes a stream out of dead_letter (or pause): delivery restarts at its cursor, failures forgotten. */
    async resumeStream(p: Principal, orgId: string, streamId: string): Promise<StreamView> {
      const before = await requireStream(orgId, streamId);
      await authz.require(p, 'audit-stream:update', streamResource(before));
      return tx(async (t) => {
        const row = await store.updateStream(t, orgId, streamId, undefined, { status: 'active' }, { resetFailures: true });
        if (!row) throw problems.notFound('audit stream', streamId);
        await recordAudit(t, p, {
          action: 'audit-stream:update',
          orgId,
          target: { type: 'audit-stream', id: streamId, name: row.name },
          before: { status: before.status, consecutiveFailures: before.consecutive_failures },
          after: { status: row.status, consecutiveFailures: 0 },
        });
        return view(row);
      });
    },

    /** Sends one synthetic message now and reports how it went; the cursor and health stay as they are. */
    async testStream(p: Principal, orgId: string, streamId: string): Promise<{ ok: boolean; durationMs: number; error: string | null }> {
      const row = await requireStream(orgId, streamId);
      await authz.require(p, 'audit-stream:update', streamResource(row));
      const started = performance.now();
      try {
        const sink = await openStreamSink(deps, row, { timeoutMs: 5000 });
        await sink.deliver([{ seq: 0, event: testEvent(p, orgId, streamId) }]);
        return { ok: true, durationMs: Math.round(performance.now() - started), error: null };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, durationMs: Math.round(performance.now() - started), error: message.slice(0, 500) };
      }
    },
  };
}
