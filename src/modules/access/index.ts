import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import { accessActions } from './actions.ts';
import { createEngine } from './engine.ts';
import { registerAccessRoutes } from './routes.ts';
import { createAccessService, type AccessService } from './service.ts';

export type { AccessService } from './service.ts';
export type { AccessContract, IdentityForAccess, ScopeType, Visibility } from './contract.ts';
export { builtInRoles } from './roles.ts';

export function register(app: App, deps: ModuleDeps): AccessService {
  deps.authz.registerActions(accessActions);
  const engine = createEngine(deps);
  deps.authz.useEngine(engine);
  const service = createAccessService(deps, engine);
  registerAccessRoutes(app, service);
  return service;
}
