import type { App } from '../../kernel/http/server.ts';
import type { Kernel } from '../../kernel/index.ts';
import type { ModuleDeps } from '../deps.ts';
import { registerAccessLogRoutes } from './access-log-routes.ts';
import { createAccessLogService } from './access-log-service.ts';
import { createAccessLogWriter, type AccessLogWriter } from './access-log-writer.ts';
import { registerRetentionRoutes } from './retention-routes.ts';
import { createRetentionService } from './retention-service.ts';
import { createRetentionWorker, type RetentionWorker } from './retention-worker.ts';

export { runRetention } from './retention-worker.ts';

/** The access log and retention (ADR 0009), wired into the audit module by `register`. */

const writers = new WeakMap<Kernel['ports'], AccessLogWriter>();

export function registerAccessLogAndRetention(app: App, deps: ModuleDeps): void {
  deps.authz.registerActions([
    { name: 'access-log:read', scope: 'organization', description: 'Search the access log (every API request)' },
    { name: 'retention:read', scope: 'organization', description: 'See retention settings and retention runs' },
    { name: 'retention:update', scope: 'organization', description: 'Change how long audit events and the access log are kept' },
    { name: 'legal-hold:read', scope: 'organization', description: 'See legal holds' },
    { name: 'legal-hold:create', scope: 'organization', description: 'Place a legal hold, stopping deletion in its scope' },
    { name: 'legal-hold:release', scope: 'organization', description: 'Release a legal hold' },
  ]);
  const writer = createAccessLogWriter({ db: deps.db, log: deps.log.child({ component: 'access-log' }), metrics: deps.metrics });
  writers.set(deps.ports, writer);
  deps.ports.accessLog = writer;
  registerAccessLogRoutes(app, createAccessLogService(deps));
  registerRetentionRoutes(app, createRetentionService(deps));
}

/** The app's access log writer (tests flush it by hand; the server starts it). */
export function accessLogWriterOf(deps: Pick<Kernel, 'ports'>): AccessLogWriter {
  const writer = writers.get(deps.ports);
  if (!writer) throw new Error('the audit module is not registered on this app');
  return writer;
}

/** main.ts: flush the access log every second from now on. */
export function startAccessLogWriter(deps: Pick<Kernel, 'ports'>): AccessLogWriter {
  const writer = accessLogWriterOf(deps);
  writer.start();
  return writer;
}

/** main.ts: the daily retention worker (one replica runs each run, by advisory lock). */
export function startRetentionWorker(deps: Pick<Kernel, 'db' | 'clock' | 'log' | 'config'>): RetentionWorker {
  const worker = createRetentionWorker(
    { db: deps.db, clock: deps.clock, log: deps.log.child({ component: 'retention' }) },
    { intervalMs: deps.config.retentionIntervalMinutes * 60_000 },
  );
  worker.start();
  return worker;
}
