import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import { registerAuditRoutes } from './routes.ts';
import { createAuditService, type AuditService } from './service.ts';

export type { AuditService } from './service.ts';
export type { AuditEventView } from './schemas.ts';

export function register(app: App, deps: ModuleDeps): AuditService {
  deps.authz.registerActions([{ name: 'audit:read', scope: 'organization', description: 'Search and read the audit log' }]);
  const service = createAuditService(deps);
  registerAuditRoutes(app, service);
  return service;
}
