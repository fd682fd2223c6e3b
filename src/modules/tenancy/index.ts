import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import { tenancyActions } from './actions.ts';
import { registerTenancyRoutes } from './routes.ts';
import { createTenancyService, type TenancyService } from './service.ts';

export type { TenancyService } from './service.ts';
export type { WorkspaceView, ProjectView, OrganizationView } from './schemas.ts';
export { formatBytes, formatCpu, type Quota } from './quantity.ts';

export function register(app: App, deps: ModuleDeps): TenancyService {
  deps.authz.registerActions(tenancyActions);
  const service = createTenancyService(deps);
  deps.ports.tenants = service;
  registerTenancyRoutes(app, service);
  return service;
}
