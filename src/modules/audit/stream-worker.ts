import { randomUUID } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { openSecret } from '../../kernel/crypto.ts';
import type { ModuleDeps } from '../deps.ts';
import { SEALED_TOPIC } from './sealer.ts';
import { passesFilters, type SiemEvent } from './siem-formats.ts';
import type { StreamSecrets } from './stream-schemas.ts';
import { createSink, type Egress, type Sink } from './stream-sinks.ts';
import * as store from './stream-store.ts';

/**
 * The SIEM stream worker (ADR 0007). Every replica may run one: it claims due streams with a
 * lease (SKIP LOCKED), reads the org's sealed events after the stream's cursor, filters them,
 * delivers the rest as one batch and only then moves the cursor. A failure keeps the cursor,
 * backs off (exponential, full jitter, capped) and after `max_attempts` in a row parks the
 * stream in dead_letter. It wakes on the sealer's notification and polls as a fallback.
 */

export interface StreamWorkerOptions {
  pollMs?: number;
  /** Streams delivered at the same time by this worker. */
  concurrency?: number;
  leaseMs?: number;
  /** Per request / connection. */
  timeoutMs?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  egress?: Egress;
}

export interface StreamWorker {
  start(): void;
  stop(): Promise<void>;
  /** One pass: claims due streams and delivers a batch of each; returns how many moved on. */
  runOnce(): Promise<number>;
}

/** AAD of a stream's sealed secrets: they do not open on another row. */
export const secretsAad = (streamId: string) => `audit-stream:${streamId}`;

export function sinkHostname(deps: Pick<ModuleDeps, 'config'>): string {
  return new URL(deps.config.publicUrl).hostname;
}

export function fileRootOf(deps: Pick<ModuleDeps, 'config'>): string {
  return deps.config.auditFileSinkDir ?? `${deps.config.dataDir}/siem`;
}

/** The sink of a stream row, its secrets opened. */
export async function openStreamSink(deps: ModuleDeps, row: store.StreamRow, options: { timeoutMs: number; egress?: Egress | undefined }): Promise<Sink> {
  const secrets: StreamSecrets = row.secrets_sealed ? (JSON.parse(await openSecret(deps.keys, row.secrets_sealed, secretsAad(row.id))) as StreamSecrets) : {};
  return createSink(row.destination, secrets, {
    streamId: row.id,
    hostname: sinkHostname(deps),
    fileRoot: fileRootOf(deps),
    timeoutMs: options.timeoutMs,
    // The kernel's egress guard unless a caller (a test) brings its own.
    egress: options.egress ?? { lookup: deps.egress.lookup },
  });
}

/** Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2^n)]. */
export function backoffDelay(failuresBefore: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(failuresBefore, 30));
  return Math.max(1, Math.floor(random() * ceiling));
}

/** The stream's confirmed batches still inside the sink's settle window at `now`. */
export function unsettledBatches(unsettled: store.UnsettledBatch[], settleMs: number, now: number): store.UnsettledBatch[] {
  return settleMs > 0 ? unsettled.filter((batch) => batch.at > now - settleMs) : [];
}

/** Where a failure sends the cursor back to: the start of the oldest batch still in doubt. */
export function rewindCursor(unsettled: store.UnsettledBatch[]): number | null {
  return unsettled.length > 0 ? Math.min(...unsettled.map((batch) => batch.from)) : null;
}

/** Error text for the health view: one line, bounded, and it never carries request bodies. */
function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  return `${typeof code === 'string' ? `${code}: ` : ''}${message}`.replace(/\s+/g, ' ').slice(0, 500);
}

export function createStreamWorker(deps: ModuleDeps, options: StreamWorkerOptions = {}): StreamWorker {
  const pollMs = options.pollMs ?? deps.config.auditStreamPollMs;
  const concurrency = options.concurrency ?? 8;
  const leaseMs = options.leaseMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const baseMs = options.backoffBaseMs ?? 1000;
  const capMs = options.backoffCapMs ?? 300_000;
  const owner = randomUUID();
  const log = deps.log.child({ component: 'audit-streams' });
  // Sinks by stream id and version: a changed destination or secret gets a new one.
  const sinks = new Map<string, Sink>();

  let stopped = true;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let wakeRequested = false;
  let unsubscribe: (() => void) | null = null;
  /** The earliest time a stream this worker put off becomes due (a partial batch, a retry). */
  let earliestDue = Infinity;

  async function sinkFor(row: store.StreamRow): Promise<Sink> {
    const key = `${row.id}:${row.version}`;
    let sink = sinks.get(key);
    if (!sink) {
      sink = await openStreamSink(deps, row, { timeoutMs, egress: options.egress });
      for (const k of sinks.keys()) if (k.startsWith(`${row.id}:`)) sinks.delete(k);
      sinks.set(key, sink);
    }
    return sink;
  }

  function putOff(row: store.StreamRow, until: number): Promise<void> {
    earliestDue = Math.min(earliestDue, until);
    return store.releaseLease(deps.db, row.id, owner, new Date(until));
  }

  /** Delivers one batch of a claimed stream; true when its cursor moved. */
  async function deliverBatch(row: store.StreamRow): Promise<boolean> {
    const from = Number(row.cursor);
    const batch: SiemEvent[] = await deps.services.audit.sealedEventsAfter(row.org_id, from, row.batch_max_events);
    if (batch.length === 0) {
      await putOff(row, Date.now() + pollMs);
      return false;
    }
    // A partial batch waits up to maxWaitMs (from its oldest event) for more events.
    if (batch.length < row.batch_max_events && row.batch_max_wait_ms > 0) {
      const readyAt = Date.parse(batch[0]!.event.occurredAt) + row.batch_max_wait_ms;
      if (readyAt > Date.now()) {
        await putOff(row, readyAt);
        return false;
      }
    }
    const matching = batch.filter((item) => passesFilters(item.event, row.filters));
    const to = batch[batch.length - 1]!.seq;
    const sink = await sinkFor(row);
    let unsettled = unsettledBatches(row.unsettled, sink.settleMs, Date.now());
    if (matching.length > 0) {
      try {
        await sink.deliver(matching);
      } catch (error) {
        const delay = backoffDelay(row.consecutive_failures, baseMs, capMs);
        earliestDue = Math.min(earliestDue, Date.now() + delay);
        const rewindTo = rewindCursor(unsettledBatches(row.unsettled, sink.settleMs, Date.now()));
        const status = await store.recordFailure(deps.db, row.id, owner, errorText(error), new Date(Date.now() + delay), rewindTo);
        log.warn({ streamId: row.id, orgId: row.org_id, err: errorText(error), retryInMs: delay, rewindTo, status }, 'audit stream delivery failed');
        return false;
      }
      if (sink.settleMs > 0) unsettled = [...unsettled, { from, at: Date.now() }];
    }
    const moved = await store.recordProgress(deps.db, row.id, owner, from, to, matching.length, unsettled);
    if (!moved) log.info({ streamId: row.id }, 'audit stream changed during delivery (replayed or lease lost); the batch may repeat');
    return moved;
  }

  async function runOnce(): Promise<number> {
    const claimed = await store.claimDueStreams(deps.db, owner, leaseMs, concurrency);
    const results = await Promise.all(
      claimed.map((row) =>
        deliverBatch(row).catch((error: unknown) => {
          log.error({ err: error, streamId: row.id }, 'audit stream pass failed');
          return false;
        }),
      ),
    );
    return results.filter(Boolean).length;
  }

  function schedule(delay: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(loop, Math.max(0, delay));
    timer.unref();
  }

  function loop(): void {
    timer = null;
    if (running) {
      wakeRequested = true;
      return;
    }
    wakeRequested = false;
    earliestDue = Infinity;
    running = runOnce()
      .catch((error: unknown) => {
        log.error({ err: error }, 'audit stream worker pass failed');
        return 0;
      })
      .then((moved) => {
        running = null;
        if (moved > 0 || wakeRequested) return schedule(0);
        schedule(Math.min(pollMs, earliestDue - Date.now()));
      });
  }

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      unsubscribe = deps.changes.subscribe(SEALED_TOPIC, () => {
        if (running) wakeRequested = true;
        else schedule(0);
      });
      schedule(0);
    },
    async stop() {
      stopped = true;
      unsubscribe?.();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** Stream health on /metrics, read from the database, so every replica reports every stream. */
export function registerStreamMetrics(deps: Pick<ModuleDeps, 'db' | 'metrics'>): void {
  const labelNames = ['stream_id', 'org_id'] as const;
  let snapshot: { at: number; rows: Promise<Awaited<ReturnType<typeof store.streamMetrics>>> } | null = null;
  // One query per scrape, shared by the four metrics.
  const rows = () => {
    if (!snapshot || Date.now() - snapshot.at > 1000) snapshot = { at: Date.now(), rows: store.streamMetrics(deps.db) };
    return snapshot.rows;
  };
  const labels = (r: { id: string; org_id: string }) => ({ stream_id: r.id, org_id: r.org_id });
  new Gauge({
    name: 'hexaplane_audit_stream_lag_events', help: 'Sealed audit events not yet delivered (or skipped) by the stream', labelNames, registers: [deps.metrics],
    async collect() {
      this.reset();
      for (const r of await rows()) this.set(labels(r), Number(r.lag));
    },
  });
  new Counter({
    name: 'hexaplane_audit_stream_delivered_events_total', help: 'Audit events delivered by the stream', labelNames, registers: [deps.metrics],
    async collect() {
      this.reset();
      for (const r of await rows()) this.inc(labels(r), Number(r.delivered_count));
    },
  });
  new Counter({
    name: 'hexaplane_audit_stream_failures_total', help: 'Failed delivery attempts of the stream', labelNames, registers: [deps.metrics],
    async collect() {
      this.reset();
      for (const r of await rows()) this.inc(labels(r), Number(r.failure_count));
    },
  });
  new Gauge({
    name: 'hexaplane_audit_stream_last_success_timestamp_seconds', help: 'When the stream last delivered (Unix time)', labelNames, registers: [deps.metrics],
    async collect() {
      this.reset();
      for (const r of await rows()) if (r.last_delivered_at) this.set(labels(r), new Date(r.last_delivered_at).getTime() / 1000);
    },
  });
  new Gauge({
    name: 'hexaplane_audit_stream_dead_letter', help: '1 when the stream stopped after too many failures', labelNames, registers: [deps.metrics],
    async collect() {
      this.reset();
      for (const r of await rows()) this.set(labels(r), r.status === 'dead_letter' ? 1 : 0);
    },
  });
}
