/** Resource shapes, straight from the generated OpenAPI types (src/sdk/schema.d.ts, `npm run sdk`). */
import type { components, paths } from '../../../src/sdk/index.ts';

export type Schemas = components['schemas'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Organization = Schemas['Organization'];
export type Workspace = Schemas['Workspace'];
export type Quota = Workspace['quota'];
export type Project = Schemas['Project'];
export type Member = Schemas['Member'];
export type Invitation = Schemas['Invitation'];
export type InvitationStatus = Invitation['status'];
export type CreatedInvitation = Schemas['CreatedInvitation'];

export type User = Schemas['CurrentUser'];
export type Me = Schemas['Me'];
export type SignedIn = Schemas['SignInResult'];
export type Session = Schemas['Session'];

export type ApiKey = Schemas['ApiKey'];
export type ApiKeyStatus = ApiKey['status'];
export type ApiKeyWithSecret = Schemas['CreatedApiKey'];

export type Group = Schemas['Group'];
export type GroupMember = Schemas['GroupMember'];

export type ActionInfo = Schemas['Action'];
export type Role = Schemas['Role'];
export type ScopeType = Role['scope'];
export type RoleBinding = Schemas['RoleBinding'];
export type Subject = RoleBinding['subject'];
export type Scope = RoleBinding['scope'];
export type Policy = Schemas['Policy'];
export type PolicyValidation = Schemas['PolicyValidation'];
export type ResourceRef = paths['/api/v1/orgs/{orgId}/authz/check']['post']['requestBody']['content']['application/json']['resource'];
export type AccessCheck = Schemas['Decision'];
export type WhoCan = Schemas['WhoCan'];
export type AccessChangeEffect = Schemas['WhatIf'];
export type AccessChange = paths['/api/v1/orgs/{orgId}/authz/what-if']['post']['requestBody']['content']['application/json']['change'];

export type AuditEvent = Schemas['AuditEvent'];
export type AuditOutcome = AuditEvent['outcome'];

export type Cluster = Schemas['Cluster'];
export type Reconciliation = Schemas['WorkspaceReconciliation'];

export type PiiRule = Schemas['PiiRule'];
// ---- access log and retention (ADR 0009) ----
export type AccessLogEntry = Schemas['AccessLogEntry'];
export type AccessLogSummary = Schemas['AccessLogSummary'];
export type RetentionSettings = Schemas['RetentionSettings'];
export type LegalHold = Schemas['LegalHold'];
export type RetentionRun = Schemas['RetentionRun'];

// ---- MFA and organization security policy (ADR 0013) ----
export type MfaChallenge = Schemas['MfaChallenge'];
export type SignInResult = Schemas['SignInResult'];
export type SecurityPolicy = Schemas['SecurityPolicy'];
