import type { Registry } from 'prom-client';
import { Counter } from 'prom-client';
import type { Db } from '../../kernel/db/index.ts';
import type { AccessLogEntry, AccessLogRecorder } from '../../kernel/http/server.ts';
import type { Logger } from '../../kernel/logger.ts';
import * as store from './access-log-store.ts';

/**
 * The access log writer (ADR 0009): the HTTP pipeline hands it every response; it buffers in
 * memory and writes one multi-row INSERT per flush, every `flushIntervalMs` or as soon as
 * `batchSize` entries wait. The request path never waits for the database.
 *
 * The access log is telemetry, not evidence: a crash loses at most the entries of one flush
 * interval, and when the database cannot keep up the buffer is bounded (`maxBuffered`) and
 * newer entries are counted and dropped (`hexaplane_access_log_dropped_total`).
 */
export interface AccessLogWriter extends AccessLogRecorder {
  /** Writes what is buffered now; resolves with how many entries it wrote. */
  flush(): Promise<number>;
  start(): void;
  /** Stops the timer and writes what is left. */
  stop(): Promise<void>;
  /** Entries waiting. */
  pending(): number;
}

export interface AccessLogWriterOptions {
  flushIntervalMs?: number;
  batchSize?: number;
  maxBuffered?: number;
}

export function createAccessLogWriter(
  deps: { db: Db; log: Logger; metrics: Registry },
  options: AccessLogWriterOptions = {},
): AccessLogWriter {
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  const batchSize = options.batchSize ?? 500;
  const maxBuffered = options.maxBuffered ?? 20_000;
  const dropped = metricOnce(deps.metrics, 'hexaplane_access_log_dropped_total', 'Access log entries dropped because the buffer was full or a write failed');
  const written = metricOnce(deps.metrics, 'hexaplane_access_log_written_total', 'Access log entries written');

  let buffer: AccessLogEntry[] = [];
  let timer: NodeJS.Timeout | null = null;
  let started = false;
  let writing: Promise<number> = Promise.resolve(0);

  async function writeBatches(entries: AccessLogEntry[]): Promise<number> {
    let count = 0;
    for (let i = 0; i < entries.length; i += batchSize) {
      const batch = entries.slice(i, i + batchSize);
      try {
        await store.insertEntries(deps.db, batch);
        count += batch.length;
      } catch (error) {
        dropped.inc(batch.length);
        deps.log.warn({ err: error, entries: batch.length }, 'writing the access log failed; entries dropped');
      }
    }
    written.inc(count);
    return count;
  }

  function flush(): Promise<number> {
    // Flushes run one after another, so entries are written in the order they came.
    writing = writing.then(() => {
      const entries = buffer;
      buffer = [];
      return writeBatches(entries);
    });
    return writing;
  }

  return {
    record(entry) {
      if (buffer.length >= maxBuffered) {
        dropped.inc();
        return;
      }
      buffer.push(entry);
      if (started && buffer.length === batchSize) void flush();
    },
    flush,
    pending: () => buffer.length,
    start() {
      if (started) return;
      started = true;
      timer = setInterval(() => {
        if (buffer.length) void flush();
      }, flushIntervalMs);
      timer.unref();
    },
    async stop() {
      started = false;
      if (timer) clearInterval(timer);
      timer = null;
      await flush();
    },
  };
}

function metricOnce(registry: Registry, name: string, help: string): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter;
  return new Counter({ name, help, registers: [registry] });
}
