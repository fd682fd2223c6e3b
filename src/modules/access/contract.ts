import type { Principal } from '../../kernel/authz.ts';
import type { Tx } from '../../kernel/db/index.ts';

export type ScopeType = 'organization' | 'workspace' | 'project';

export interface GrantInput {
  orgId: string;
  roleId: string;
  subject: { type: 'user' | 'group'; id: string };
  scope: { type: ScopeType; id: string };
}

/** Where a principal may do an action: everywhere in the org, or in these scopes only. */
export type Visibility = { all: true } | { all: false; workspaceIds: string[]; projectIds: string[] };

/** What other modules may ask of access. Implemented by access's service. */
export interface AccessContract {
  /** Makes a user the owner of a new organization (no authorization check: the caller did it). */
  bindOwner(tx: Tx, orgId: string, userId: string): Promise<void>;
  /** Throws a 400 Problem unless the role exists in the org and can be granted at this scope type. */
  assertGrantable(orgId: string, roleId: string, scopeType: ScopeType): Promise<void>;
  /**
   * Grants a role without an authorization check (invitation acceptance: the inviter was checked).
   * True when a binding was created, false when the subject already held it.
   */
  grantUnchecked(tx: Tx, principal: Principal, input: GrantInput): Promise<boolean>;
  /** Removes the one binding matching a grant, without an authorization check (SSO mappings). */
  revokeGrantUnchecked(tx: Tx, input: GrantInput): Promise<void>;
  /** Removes every binding of a subject in an organization. */
  revokeSubject(tx: Tx, orgId: string, subject: { type: 'user' | 'group'; id: string }): Promise<void>;
  /** Removes the bindings at a workspace (and its projects) or a project that is being deleted. */
  revokeScope(tx: Tx, orgId: string, scope: { type: 'workspace' | 'project'; id: string }): Promise<void>;
  /**
   * Throws a 403 Problem unless the principal itself holds every action it would hand to an
   * API key with this grant (no privilege escalation through keys), and a 400 Problem when
   * the role or an action does not exist or does not fit the scope.
   */
  assertCanDelegate(principal: Principal, orgId: string, grant: { workspaceId: string | null; roleId: string | null; actions: string[] | null }): Promise<void>;
  /** The list filter for `action`: list routes turn it into SQL instead of filtering rows. */
  visibility(principal: Principal, action: string): Promise<Visibility>;
}

/** What access needs from identity beyond `IdentityContract` (identity's service implements it). */
export interface IdentityForAccess {
  /** The groups of the organization among these ids (to bind a group, and to check it exists). */
  findGroups(orgId: string, ids: string[]): Promise<Array<{ id: string; name: string }>>;
  /** The organization's API keys with their grants (who-can, and checks on behalf of a key). */
  listApiKeyGrants(orgId: string): Promise<
    Array<{ id: string; name: string; status: 'active' | 'expired' | 'revoked'; workspaceId: string | null; roleId: string | null; actions: string[] | null }>
  >;
}
