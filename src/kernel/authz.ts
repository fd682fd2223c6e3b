import type { Queryable } from './db/index.ts';
import { problems, type Problem } from './http/problems.ts';

export type PrincipalKind = 'user' | 'apiKey' | 'scim' | 'system';

/** Who is asking, resolved once per request by authentication and tenant resolution. */
export interface Principal {
  kind: PrincipalKind;
  /** The user id, API key id, SCIM token id, or `system`. */
  id: string;
  /** The organization this request acts in; null before a tenant is resolved. */
  orgId: string | null;
  displayName: string;
  /** Platform administrators may create organizations; nothing else follows from it. */
  platformAdmin: boolean;
  sessionId: string | null;
  apiKeyId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** When the principal last proved a second factor; null if never in this session. */
  mfaAt: Date | null;
  /** For API keys: what the key was granted when it was created. */
  keyGrant?: KeyGrant;
}

/** A principal with everything not given left empty: for system actors and built-in flows. */
export function newPrincipal(fields: Pick<Principal, 'kind' | 'id' | 'displayName'> & Partial<Principal>): Principal {
  return {
    orgId: null,
    platformAdmin: false,
    sessionId: null,
    apiKeyId: null,
    ip: null,
    userAgent: null,
    requestId: null,
    mfaAt: null,
    ...fields,
  };
}

/** An API key acts with a role or an explicit action list, in its org or one workspace. */
export interface KeyGrant {
  workspaceId: string | null;
  roleId: string | null;
  actions: string[] | null;
}

/** What an action is done to. Scope ids let role bindings at each level apply. */
export interface Resource {
  type: string;
  id: string | null;
  orgId: string;
  workspaceId?: string | null;
  projectId?: string | null;
  /** Attributes that Cedar conditions may read (name, labels, ...). */
  attrs?: Record<string, unknown>;
}

export interface Decision {
  allowed: boolean;
  /** Why: the role or policy that allowed it, or what was missing. */
  reason: string;
}

/** The access module implements this; the kernel only routes calls to it. */
export interface AuthzEngine {
  decide(principal: Principal, action: string, resource: Resource): Promise<Decision>;
}

export interface ActionInfo {
  /** `noun:verb`, e.g. `workspace:create`. */
  name: string;
  /** The narrowest scope a binding can grant it at. */
  scope: 'platform' | 'organization' | 'workspace' | 'project';
  description: string;
}

/**
 * A condition beyond permission that an allowed action must also meet (a recent second
 * factor for sensitive actions): null to let it pass, or the refusal. Guards run in `require`
 * only, after the decision allowed the action; their refusal is audited like a denial.
 */
export type AuthzGuard = (principal: Principal, action: string, resource: Resource) => Promise<{ problem: Problem; reason: string } | null>;

export type DeniedAuditWriter = (
  db: Queryable,
  principal: Principal,
  action: string,
  resource: Resource,
  reason: string,
) => Promise<void>;

/**
 * `authz.decide(principal, action, resource)` is the one gate every route passes.
 * `require` is decide-or-throw, and writes the denial to the audit log.
 */
export class Authz {
  private engine: AuthzEngine | null = null;
  private readonly actions = new Map<string, ActionInfo>();
  private readonly guards: AuthzGuard[] = [];

  constructor(
    private readonly db: Queryable,
    private readonly auditDenied: DeniedAuditWriter,
  ) {}

  useEngine(engine: AuthzEngine): void {
    this.engine = engine;
  }

  addGuard(guard: AuthzGuard): void {
    this.guards.push(guard);
  }

  registerActions(actions: readonly ActionInfo[]): void {
    for (const a of actions) {
      if (!/^[a-z][a-z-]*:[a-z][a-z-]*$/.test(a.name)) throw new Error(`action ${a.name} is not noun:verb`);
      this.actions.set(a.name, a);
    }
  }

  listActions(): ActionInfo[] {
    return [...this.actions.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  isAction(name: string): boolean {
    return this.actions.has(name);
  }

  async decide(principal: Principal, action: string, resource: Resource): Promise<Decision> {
    if (!this.actions.has(action)) return { allowed: false, reason: `unknown action ${action}` };
    if (!this.engine) return { allowed: false, reason: 'no authorization engine' };
    return this.engine.decide(principal, action, resource);
  }

  async require(principal: Principal, action: string, resource: Resource): Promise<void> {
    const decision = await this.decide(principal, action, resource);
    if (!decision.allowed) {
      await this.auditDenied(this.db, principal, action, resource, decision.reason);
      throw problems.forbidden(action.replace(':', ' '), `You are not allowed to ${action} here: ${decision.reason}.`);
    }
    for (const guard of this.guards) {
      const refusal = await guard(principal, action, resource);
      if (refusal) {
        await this.auditDenied(this.db, principal, action, resource, refusal.reason);
        throw refusal.problem;
      }
    }
  }
}
