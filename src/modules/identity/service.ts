import type { Tx } from '../../kernel/db/index.ts';
import type { IdentityForAccess } from '../access/index.ts';
import type { ModuleDeps } from '../deps.ts';
import { createApiKeyService } from './api-key-service.ts';
import type { IdentityContract } from './contract.ts';
import { createGroupService } from './group-service.ts';
import { createScimService } from './scim-service.ts';
import { createScimTokenService } from './scim-token-service.ts';
import { createMfaService, type MfaService } from './mfa-service.ts';
import { createSecurityPolicyService } from './security-policy-service.ts';
import { createSessionService } from './session-service.ts';
import { createSsoService } from './sso-service.ts';

export type IdentityService = ReturnType<typeof createIdentityService>;

/** The identity use cases: users and sessions, API keys, groups, SCIM; and the contract others call. */
export function createIdentityService(deps: ModuleDeps) {
  // MFA and security policies hook into sign-in, and sign-in into MFA: bound late.
  let mfa: MfaService | null = null;
  const policies = createSecurityPolicyService(deps, { hasFactors: (userId) => mfa!.hasFactors(userId) });
  const sso = createSsoService(deps, { policiesFor: (userId, orgId) => policies.policiesFor(userId, orgId) });
  const sessions = createSessionService(
    deps,
    {
      secondFactor: (user, meta) => mfa!.secondFactor(user, meta),
      policiesOf: (userId) => policies.policiesOf(userId),
      policiesFor: (userId, orgId) => policies.policiesFor(userId, orgId),
    },
    { passwordSignInRefusal: sso.passwordSignInRefusal },
  );
  mfa = createMfaService(deps, sessions, policies);
  const apiKeys = createApiKeyService(deps);
  const groups = createGroupService(deps);
  const scimTokens = createScimTokenService(deps);
  const scim = createScimService(deps, { groups, apiKeys });

  const contract: IdentityContract = {
    findUsers: sessions.findUsers,
    findUserByEmail: sessions.findUserByEmail,
    createLocalUser: sessions.createLocalUser,
    groupsOfUser: groups.groupsOfUser,
    /**
     * Sessions belong to no organization, so none is ended here: the tenant gate stops the
     * user entering this organization once tenancy publishes the membership change.
     */
    async revokeAccessInOrg(t: Tx, orgId: string, userId: string) {
      await apiKeys.revokeKeysCreatedBy(t, orgId, userId);
      await groups.removeFromAllGroups(t, orgId, userId);
    },
  };

  const forAccess: IdentityForAccess = {
    findGroups: groups.findGroups,
    listApiKeyGrants: apiKeys.listApiKeyGrants,
  };

  return { ...sessions, ...apiKeys, ...groups, ...scimTokens, scim, ...contract, ...forAccess, ...mfa, ...policies, sso };
}
