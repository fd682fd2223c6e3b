import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import type { Kernel } from '../../kernel/index.ts';
import { registerAuditExportRoutes } from './export-routes.ts';
import { createAuditExportService } from './export-service.ts';
import { registerAccessLogAndRetention } from './access-log-and-retention.ts';
import { registerAuditRoutes } from './routes.ts';
import { createSealer, type Sealer } from './sealer.ts';

export { rotateSigningKey, sealPending, SEALED_TOPIC } from './sealer.ts';
import { createAuditService, type AuditService } from './service.ts';
import { registerStreams } from './streams.ts';
export { startStreamWorker, type StreamWorker } from './streams.ts';

export type { AuditService, SealedAuditEvent } from './service.ts';
export type { AuditEventView } from './schemas.ts';
export type { Sealer } from './sealer.ts';
export { verifyEventsAgainstCheckpoint } from './sealing.ts';
export { verifyExportBundle, type ExportManifest, type ExportProof, type ExportVerdict } from './export-bundle.ts';

export { accessLogWriterOf, runRetention, startAccessLogWriter, startRetentionWorker } from './access-log-and-retention.ts';
export type { AccessLogWriter } from './access-log-writer.ts';
export type { RetentionReport, RetentionWorker } from './retention-worker.ts';

/**
 * Starts the audit sealer (main.ts calls it with the workers; every replica may run one). An
 * idle sealer looks for new events every `auditSealIntervalMs` (default 250 ms: SIEM lag is
 * bounded below by it, ADR 0007); a busy one seals batch after batch.
 */
export function startSealer(deps: Pick<Kernel, 'db' | 'keys' | 'clock' | 'log' | 'changes' | 'config'>): Sealer {
  const sealer = createSealer({ ...deps, log: deps.log.child({ component: 'audit-sealer' }) }, { intervalMs: deps.config.auditSealIntervalMs });
  sealer.start();
  return sealer;
}

export function register(app: App, deps: ModuleDeps): AuditService {
  deps.authz.registerActions([
    { name: 'audit:read', scope: 'organization', description: 'Search and read the audit log' },
    { name: 'audit:export', scope: 'organization', description: 'Export the audit log with a signed manifest' },
    { name: 'audit-search:create', scope: 'organization', description: 'Save an audit search' },
    { name: 'audit-search:update', scope: 'organization', description: 'Change one\'s own saved audit searches' },
    { name: 'audit-search:delete', scope: 'organization', description: 'Delete one\'s own saved audit searches' },
    { name: 'audit-search:manage', scope: 'organization', description: 'Change or delete saved audit searches others shared' },
  ]);
  const service = createAuditService(deps);
  registerAuditRoutes(app, service);
  registerAuditExportRoutes(app, createAuditExportService(deps));
  registerAccessLogAndRetention(app, deps);
  registerStreams(app, deps); // SIEM streams (ADR 0007)
  return service;
}
