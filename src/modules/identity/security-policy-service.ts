import type { FastifyRequest } from 'fastify';
import { newPrincipal, type AuthzGuard, type Principal } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import type { Tx } from '../../kernel/db/index.ts';
import { Problem, problems } from '../../kernel/http/problems.ts';
import type { OrgGate } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import { BoundedCache } from './bounded-cache.ts';
import type { SecurityPolicyView } from './mfa-schemas.ts';
import * as mfaStore from './mfa-store.ts';
import { iso } from './session-service.ts';
import { defaultSecurityPolicy, ipAllowed, needsStepUp, type SecurityPolicy } from './security-policy.ts';

export const SECURITY_POLICY_TOPIC = 'identity.security-policy';

export const securityProblems = {
  ipNotAllowed: (ip: string | null) =>
    new Problem(403, 'ip-not-allowed', 'Address not allowed', `This organization does not accept requests from ${ip ?? 'an unknown address'}.`),
  mfaEnrolmentRequired: () =>
    new Problem(403, 'mfa-enrolment-required', 'Set up MFA first', 'This organization requires multi-factor authentication: enrol a factor under /api/v1/me/mfa, then try again.'),
  stepUpRequired: (maxAgeSeconds: number) =>
    new Problem(403, 'step-up-required', 'Verify a second factor', `This needs a second factor proved in the last ${Math.round(maxAgeSeconds / 60)} minutes: POST /api/v1/me/step-up, then try again.`, { maxAgeSeconds }),
};

export type SecurityPolicyService = ReturnType<typeof createSecurityPolicyService>;

/** Organization security policies: reading and changing them, and enforcing them on requests. */
export function createSecurityPolicyService(deps: ModuleDeps, factors: { hasFactors(userId: string): Promise<boolean> }) {
  const { db, authz, changes } = deps;
  const now = () => deps.clock.now();
  // Every request into an organization reads its policy; changes are rare.
  const cache = new BoundedCache<SecurityPolicy | null>(20_000, 60_000);
  changes.subscribe(SECURITY_POLICY_TOPIC, (orgId) => cache.delete(orgId));

  async function policyOf(orgId: string): Promise<SecurityPolicy | null> {
    const at = Date.now();
    const hit = cache.get(orgId, at);
    if (hit !== undefined) return hit;
    const epoch = cache.epoch;
    const row = await mfaStore.findPolicy(db, orgId);
    const policy = row ? (row.policy as SecurityPolicy) : null;
    cache.set(orgId, policy, at, epoch);
    return policy;
  }

  async function policiesOf(userId: string): Promise<Array<SecurityPolicy & { orgId: string }>> {
    const orgIds = await deps.services.tenancy.organizationsOfUser(userId);
    const rows = await mfaStore.findPolicies(db, orgIds);
    return rows.map((r) => ({ ...(r.policy as SecurityPolicy), orgId: r.org_id }));
  }

  /** "Admins" are those who may change the organization's security policy. */
  async function isAdmin(userId: string, orgId: string): Promise<boolean> {
    const principal = newPrincipal({ kind: 'user', id: userId, displayName: userId, orgId });
    const decision = await authz.decide(principal, 'security-policy:update', { type: 'organization', id: orgId, orgId });
    return decision.allowed;
  }

  async function mfaRequiredIn(policy: SecurityPolicy | null, userId: string, orgId: string): Promise<boolean> {
    if (!policy || policy.mfa.required === 'off') return false;
    return policy.mfa.required === 'everyone' || isAdmin(userId, orgId);
  }

  function view(orgId: string, row: mfaStore.PolicyRow | undefined): SecurityPolicyView {
    const policy = row ? (row.policy as SecurityPolicy) : defaultSecurityPolicy;
    return { ...policy, orgId, version: row?.version ?? 0, updatedAt: row ? iso(row.updated_at) : null, updatedBy: row?.updated_by ?? null };
  }

  function assertWithinPlatform(policy: SecurityPolicy): void {
    const errors = [];
    if (policy.sessions.idleMinutes !== null && policy.sessions.idleMinutes > deps.config.sessionIdleMinutes) {
      errors.push({ field: 'sessions.idleMinutes', message: `must be at most the platform's ${deps.config.sessionIdleMinutes}` });
    }
    if (policy.sessions.absoluteHours !== null && policy.sessions.absoluteHours > deps.config.sessionAbsoluteHours) {
      errors.push({ field: 'sessions.absoluteHours', message: `must be at most the platform's ${deps.config.sessionAbsoluteHours}` });
    }
    if (errors.length > 0) throw problems.validation(errors);
  }

  /** An allow-list that would refuse the administrator saving it is almost always a mistake. */
  function assertKeepsCallerIn(p: Principal, policy: SecurityPolicy): void {
    if (p.kind !== 'user' || policy.ipAllowList.breakGlassUserIds.includes(p.id)) return;
    if (!ipAllowed(p.ip, policy.ipAllowList.console)) {
      throw problems.unprocessable('would-lock-you-out', `Your address ${p.ip ?? '(unknown)'} is not in the console allow-list: add it, or make yourself a break-glass user.`, 'ipAllowList.console');
    }
  }

  const gate: OrgGate = {
    async admit(request: FastifyRequest, principal: Principal, orgId: string) {
      const policy = await policyOf(orgId);
      if (!policy) return;
      const list = principal.kind === 'user' ? policy.ipAllowList.console : policy.ipAllowList.api;
      if (!policy.ipAllowList.breakGlassUserIds.includes(principal.id) && !ipAllowed(request.ip, list)) {
        await recordAudit(db, principal, {
          action: 'org:enter',
          orgId,
          target: { type: 'organization', id: orgId },
          outcome: 'denied',
          reason: `ip-not-allowed: ${request.ip} is not in the ${principal.kind === 'user' ? 'console' : 'API'} allow-list`,
        });
        throw securityProblems.ipNotAllowed(request.ip);
      }
      if (principal.kind !== 'user' || principal.mfaAt) return;
      if (!(await mfaRequiredIn(policy, principal.id, orgId))) return;
      if (await factors.hasFactors(principal.id)) throw securityProblems.stepUpRequired(policy.mfa.stepUpMinutes * 60);
      throw securityProblems.mfaEnrolmentRequired();
    },
  };

  /** Sensitive actions need a recent second factor wherever the organization requires MFA. */
  const stepUpGuard: AuthzGuard = async (principal, action, resource) => {
    if (principal.kind !== 'user' || !needsStepUp(action)) return null;
    const policy = await policyOf(resource.orgId);
    if (!policy || policy.mfa.required === 'off') return null;
    const maxAgeSeconds = policy.mfa.stepUpMinutes * 60;
    const age = principal.mfaAt ? (now().getTime() - principal.mfaAt.getTime()) / 1000 : Infinity;
    if (age <= maxAgeSeconds) return null;
    const reason = principal.mfaAt ? `step-up-required: second factor ${Math.floor(age)} s old, at most ${maxAgeSeconds} s allowed` : 'step-up-required: no second factor in this session';
    return { problem: securityProblems.stepUpRequired(maxAgeSeconds), reason };
  };

  return {
    gate,
    stepUpGuard,
    policiesOf,

    /** The user's organizations' policies (none for a user not created yet) and this organization's. */
    async policiesFor(userId: string | null, orgId: string): Promise<SecurityPolicy[]> {
      const mine = userId ? await policiesOf(userId) : [];
      if (mine.some((p) => p.orgId === orgId)) return mine;
      const policy = await policyOf(orgId);
      return policy ? [...mine, policy] : mine;
    },

    /** The organizations of the user whose policy requires the user to use MFA. */
    async mfaRequiredBy(userId: string): Promise<string[]> {
      const policies = await policiesOf(userId);
      const required: string[] = [];
      for (const p of policies) if (await mfaRequiredIn(p, userId, p.orgId)) required.push(p.orgId);
      return required;
    },

    async getSecurityPolicy(p: Principal, orgId: string): Promise<SecurityPolicyView> {
      await authz.require(p, 'security-policy:read', { type: 'organization', id: orgId, orgId });
      return view(orgId, await mfaStore.findPolicy(db, orgId));
    },

    async putSecurityPolicy(p: Principal, orgId: string, ifMatch: number | undefined, input: SecurityPolicy): Promise<SecurityPolicyView> {
      await authz.require(p, 'security-policy:update', { type: 'organization', id: orgId, orgId });
      assertWithinPlatform(input);
      assertKeepsCallerIn(p, input);
      const row = await db.transaction().execute(async (t: Tx) => {
        const current = await mfaStore.findPolicy(t, orgId);
        if (ifMatch !== undefined && ifMatch !== (current?.version ?? 0)) throw problems.preconditionFailed();
        const written = await mfaStore.putPolicy(t, orgId, input, current ? current.version : null, now(), p.id);
        if (!written) throw problems.preconditionFailed();
        await recordAudit(t, p, {
          action: 'security-policy:update',
          orgId,
          target: { type: 'security-policy', id: orgId },
          before: current ? current.policy : defaultSecurityPolicy,
          after: input,
        });
        await changes.publish(t, SECURITY_POLICY_TOPIC, orgId);
        return written;
      });
      cache.delete(orgId);
      return view(orgId, row);
    },
  };
}
