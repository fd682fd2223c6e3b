import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import { identityActions } from './actions.ts';
import { createAuthenticator } from './authenticator.ts';
import { registerMfaRoutes } from './mfa-routes.ts';
import { registerIdentityRoutes } from './routes.ts';
import { registerScimRoutes } from './scim-routes.ts';
import { createIdentityService, type IdentityService } from './service.ts';
import { ssoActions } from './sso-actions.ts';
import { registerSsoRoutes } from './sso-routes.ts';

export type { IdentityService } from './service.ts';
export type { IdentityContract, UserSummary } from './contract.ts';
export type { ApiKeyView, GroupView, CurrentUser } from './schemas.ts';
export { bootstrapAdministrator, resetPasswordByOperator } from './session-service.ts';
export { resetMfaByOperator } from './mfa-service.ts';
export { API_KEY_TOPIC } from './api-key-service.ts';
export { GROUP_MEMBERSHIP_TOPIC } from './group-service.ts';

export function register(app: App, deps: ModuleDeps): IdentityService {
  deps.authz.registerActions(identityActions);
  deps.authz.registerActions(ssoActions);
  const service = createIdentityService(deps);
  deps.ports.authenticator = createAuthenticator(service);
  registerIdentityRoutes(app, service, { secureCookies: deps.config.publicUrl.startsWith('https:') });
  registerScimRoutes(app, service);
  // MFA and organization security policy (ADR 0013).
  registerMfaRoutes(app, service, { secureCookies: deps.config.publicUrl.startsWith('https:') });
  deps.ports.orgGate = service.gate;
  deps.authz.addGuard(service.stepUpGuard);
  registerSsoRoutes(app, service.sso, { secureCookies: deps.config.publicUrl.startsWith('https:') });
  // Pending API key last-use times are written before the database goes away.
  app.addHook('onClose', async () => service.closeApiKeys());
  return service;
}
