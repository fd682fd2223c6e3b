import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import { registerStreamRoutes } from './stream-routes.ts';
import { createStreamService } from './stream-service.ts';
import { createStreamWorker, registerStreamMetrics, type StreamWorker, type StreamWorkerOptions } from './stream-worker.ts';

export type { StreamWorker, StreamWorkerOptions } from './stream-worker.ts';

/** SIEM streams (ADR 0007): actions, routes and /metrics; the worker is started separately. */
export function registerStreams(app: App, deps: ModuleDeps): void {
  deps.authz.registerActions([
    { name: 'audit-stream:create', scope: 'organization', description: 'Stream the audit log to a SIEM' },
    { name: 'audit-stream:read', scope: 'organization', description: 'See SIEM streams and their health (never their credentials)' },
    { name: 'audit-stream:update', scope: 'organization', description: 'Change, pause, resume or test a SIEM stream' },
    { name: 'audit-stream:delete', scope: 'organization', description: 'Delete a SIEM stream' },
    { name: 'audit-stream:replay', scope: 'organization', description: 'Deliver a SIEM stream again from a sequence number' },
  ]);
  registerStreamRoutes(app, createStreamService(deps));
  registerStreamMetrics(deps);
}

/** Starts the SIEM stream worker (main.ts, next to the sealer; every replica may run one). */
export function startStreamWorker(deps: ModuleDeps, options: StreamWorkerOptions = {}): StreamWorker {
  const worker = createStreamWorker(deps, options);
  worker.start();
  return worker;
}
