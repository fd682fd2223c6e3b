/**
 * Resource shapes of the REST surface. Provisional: these mirror the brief until
 * src/sdk/schema.d.ts is generated with identity and access, then become aliases of it.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Organization {
  id: string;
  name: string;
  slug: string;
  timeZone: string;
  currency: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Quota {
  cpu: string | null;
  memory: string | null;
  storage: string | null;
  pods: number | null;
}

export interface Workspace {
  id: string;
  orgId: string;
  name: string;
  slug: string;
  description: string;
  labels: Record<string, string>;
  quota: Quota;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Project extends Workspace {
  workspaceId: string;
}

export interface Member {
  userId: string;
  email: string;
  displayName: string;
  joinedAt: string;
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface Invitation {
  id: string;
  orgId: string;
  email: string;
  roleId: string;
  workspaceId: string | null;
  status: InvitationStatus;
  invitedBy: string;
  expiresAt: string;
  createdAt: string;
  acceptedAt: string | null;
}

export interface CreatedInvitation extends Invitation {
  acceptUrl: string;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  platformAdmin: boolean;
}

export interface Me {
  /** Null when the caller is an API key; the console always has a user. */
  user: User | null;
  apiKey: { id: string; orgId: string; name: string } | null;
  sessionId: string | null;
  csrfToken: string | null;
  authenticatedVia: 'session' | 'apiKey' | 'scim' | 'oidc';
}

export interface SignedIn {
  user: User;
  csrfToken: string;
  expiresAt: string;
}

export interface Session {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  idleExpiresAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

export type ApiKeyStatus = 'active' | 'expired' | 'revoked';

export interface ApiKey {
  id: string;
  orgId: string;
  name: string;
  workspaceId: string | null;
  roleId: string | null;
  actions: string[] | null;
  status: ApiKeyStatus;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  rotatedAt: string | null;
  previousSecretExpiresAt: string | null;
  rateLimitPerMinute: number;
  version: number;
}

export interface ApiKeyWithSecret {
  apiKey: ApiKey;
  secret: string;
}

export interface Group {
  id: string;
  orgId: string;
  name: string;
  description: string;
  memberCount: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface GroupMember {
  userId: string;
  email: string;
  displayName: string;
  addedAt: string;
}

export type ScopeType = 'organization' | 'workspace' | 'project';

export interface ActionInfo {
  name: string;
  scope: string;
  description: string;
}

export interface Role {
  id: string;
  orgId: string | null;
  name: string;
  description: string;
  scope: ScopeType;
  /** Action patterns as written. */
  actions: string[];
  /** The catalog actions the patterns grant today. */
  effectiveActions: string[];
  builtIn: boolean;
  version: number;
}

export interface Subject {
  type: 'user' | 'group';
  id: string;
}

export interface Scope {
  type: ScopeType;
  id: string;
}

export interface RoleBinding {
  id: string;
  orgId: string;
  roleId: string;
  roleName: string;
  subject: Subject;
  scope: Scope;
  createdAt: string;
  createdBy: string;
}

export interface Policy {
  id: string;
  orgId: string;
  name: string;
  description: string;
  text: string;
  enabled: boolean;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface PolicyValidation {
  valid: boolean;
  errors: { message: string; line?: number | null; column?: number | null }[];
}

export interface ResourceRef {
  type: ScopeType;
  id: string;
}

export interface AccessCheck {
  allowed: boolean;
  reason: string;
}

export interface WhoCan {
  subjects: { type: 'user' | 'apiKey'; id: string; name: string; via: string }[];
}

interface NamedRef {
  type: string;
  id: string;
  name: string;
}

export interface AccessChangeEffect {
  gained: { subject: NamedRef; action: string; resource: NamedRef; reason: string }[];
  lost: { subject: NamedRef; action: string; resource: NamedRef; reason: string }[];
  evaluations: number;
  truncated: boolean;
}

export type AuditOutcome = 'success' | 'denied' | 'failed';

export interface AuditEvent {
  id: string;
  orgId: string;
  workspaceId: string | null;
  occurredAt: string;
  actor: {
    kind: string;
    id: string;
    name: string | null;
    ip: string | null;
    userAgent: string | null;
    sessionId: string | null;
    apiKeyId: string | null;
  };
  action: string;
  target: { type: string; id: string | null; name: string | null };
  outcome: AuditOutcome;
  reason: string | null;
  requestId: string | null;
  before: unknown;
  after: unknown;
}

/** Placement and reconciliation status, from the integrations module. */
export type Reconciliation = Record<string, unknown>;
