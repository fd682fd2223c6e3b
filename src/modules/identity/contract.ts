import type { Tx } from '../../kernel/db/index.ts';

/** What other modules may ask of identity. Implemented by identity's service. */
export interface UserSummary {
  id: string;
  email: string;
  displayName: string;
  status: 'active' | 'suspended';
}

export interface IdentityContract {
  findUsers(ids: string[]): Promise<UserSummary[]>;
  findUserByEmail(email: string): Promise<UserSummary | undefined>;
  /**
   * Creates a local user; throws a 400/409 Problem for a weak password or a taken e-mail. With
   * `orgId` (the organization the user joins), its security policy's password length applies too.
   */
  createLocalUser(tx: Tx, input: { email: string; displayName: string; password: string; orgId?: string }): Promise<UserSummary>;
  /** The ids of the groups a user belongs to in an organization. */
  groupsOfUser(orgId: string, userId: string): Promise<string[]>;
  /** Ends a user's sessions and API keys in an organization (member removed). */
  revokeAccessInOrg(tx: Tx, orgId: string, userId: string): Promise<void>;
}
