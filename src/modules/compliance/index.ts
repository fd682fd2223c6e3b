import { setAuditWriteMasker } from '../../kernel/audit.ts';
import type { App } from '../../kernel/http/server.ts';
import { setLogTextMasker } from '../../kernel/logger.ts';
import type { ModuleDeps } from '../deps.ts';
import { complianceActions } from './actions.ts';
import { logRules, maskText } from './pii.ts';
import { registerComplianceRoutes } from './routes.ts';
import { auditWriteMasker, createComplianceService, registerKeyProvider, type ComplianceService } from './service.ts';

export type { ComplianceService, ReadMasker } from './service.ts';
export type { PiiRuleView } from './schemas.ts';
export { PII_RULES_TOPIC } from './service.ts';

/** The process-wide log masker: e-mail addresses, card numbers and phone numbers, whatever the org. */
export const maskLogText = (text: string): string => maskText(text, logRules);

export function register(app: App, deps: ModuleDeps): ComplianceService {
  deps.authz.registerActions(complianceActions);
  registerKeyProvider(deps.keys);
  // Both ports are process-wide and idempotent: every app in a process installs the same ones.
  setAuditWriteMasker(auditWriteMasker);
  setLogTextMasker(maskLogText);
  const service = createComplianceService(deps);
  registerComplianceRoutes(app, service);
  return service;
}
