import type { Kernel } from '../kernel/index.ts';
import type { AccessService } from './access/index.ts';
import type { AuditService } from './audit/index.ts';
import type { ComplianceService } from './compliance/index.ts';
import type { CostService } from './cost/index.ts';
import type { IdentityService } from './identity/index.ts';
import type { TenancyService } from './tenancy/index.ts';

/** The services modules may call on each other, filled in as modules register. */
export interface Services {
  tenancy: TenancyService;
  identity: IdentityService;
  access: AccessService;
  audit: AuditService;
  compliance: ComplianceService;
  cost: CostService;
}

export interface ModuleDeps extends Kernel {
  services: Services;
}
