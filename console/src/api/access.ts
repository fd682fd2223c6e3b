import { useQuery } from '@tanstack/react-query';
import { request, seg } from './client.ts';
import { itemsOf, orgKey, useApiMutation, usePagedQuery } from './query.ts';
import type {
  AccessChangeEffect,
  AccessCheck,
  ActionInfo,
  Page,
  Policy,
  PolicyValidation,
  ResourceRef,
  Role,
  RoleBinding,
  Scope,
  ScopeType,
  Subject,
  WhoCan,
} from './types.ts';

const orgs = (orgId: string) => `/api/v1/orgs/${seg(orgId)}`;

export function useActions(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'actions'),
    queryFn: async () => itemsOf(await request<ActionInfo[] | Page<ActionInfo>>('GET', `${orgs(orgId)}/actions`)),
    staleTime: 10 * 60_000,
  });
}

// ---- roles ----

const scopeRank: Record<ScopeType, number> = { organization: 0, workspace: 1, project: 2 };

/** Roles that can be bound at `at`: a role binds at its own scope or above it. Grouped for a Select. */
export function grantableRoleOptions(roles: Role[], at: ScopeType) {
  const fits = roles.filter((r) => scopeRank[r.scope] >= scopeRank[at]);
  const option = (r: Role) => ({ value: r.id, label: `${r.name} (${r.scope})` });
  const custom = fits.filter((r) => !r.builtIn).map(option);
  const builtIn = fits.filter((r) => r.builtIn).map(option);
  return [...(custom.length ? [{ group: 'Custom roles', items: custom }] : []), ...(builtIn.length ? [{ group: 'Built-in roles', items: builtIn }] : [])];
}

export function useRoles(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'roles'),
    queryFn: async () => itemsOf(await request<Role[] | Page<Role>>('GET', `${orgs(orgId)}/roles`, { query: { limit: 200 } })),
  });
}

export interface RoleInput {
  name: string;
  description: string;
  scope: ScopeType;
  actions: string[];
}

export function useCreateRole(orgId: string) {
  return useApiMutation((body: RoleInput) => request<Role>('POST', `${orgs(orgId)}/roles`, { body }), [orgKey(orgId, 'roles')]);
}

export function useUpdateRole(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: { id: string; version: number; changes: Partial<Omit<RoleInput, 'scope'>> }) =>
      request<Role>('PATCH', `${orgs(orgId)}/roles/${seg(id)}`, { body: changes, ifMatch: version }),
    [orgKey(orgId, 'roles'), orgKey(orgId, 'role-bindings')],
  );
}

export function useDeleteRole(orgId: string) {
  return useApiMutation((id: string) => request<void>('DELETE', `${orgs(orgId)}/roles/${seg(id)}`), [orgKey(orgId, 'roles')]);
}

// ---- role bindings ----

export interface BindingFilters {
  subjectId?: string;
  scopeId?: string;
  roleId?: string;
}

export function useRoleBindings(orgId: string, filters: BindingFilters = {}) {
  return usePagedQuery(orgKey(orgId, 'role-bindings', filters), (cursor) =>
    request<Page<RoleBinding>>('GET', `${orgs(orgId)}/role-bindings`, { query: { ...filters, cursor, limit: 100 } }),
  );
}

export interface BindingInput {
  roleId: string;
  subject: Subject;
  scope: Scope;
}

export function useCreateBinding(orgId: string) {
  return useApiMutation(
    (body: BindingInput) => request<RoleBinding>('POST', `${orgs(orgId)}/role-bindings`, { body }),
    [orgKey(orgId, 'role-bindings')],
  );
}

export function useDeleteBinding(orgId: string) {
  return useApiMutation((id: string) => request<void>('DELETE', `${orgs(orgId)}/role-bindings/${seg(id)}`), [orgKey(orgId, 'role-bindings')]);
}

// ---- policies ----

export function usePolicies(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'policies'),
    queryFn: async () => itemsOf(await request<Policy[] | Page<Policy>>('GET', `${orgs(orgId)}/policies`, { query: { limit: 200 } })),
  });
}

export interface PolicyInput {
  name: string;
  description: string;
  text: string;
  enabled: boolean;
}

export function useCreatePolicy(orgId: string) {
  return useApiMutation((body: PolicyInput) => request<Policy>('POST', `${orgs(orgId)}/policies`, { body }), [orgKey(orgId, 'policies')]);
}

export function useUpdatePolicy(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: { id: string; version: number; changes: Partial<PolicyInput> }) =>
      request<Policy>('PATCH', `${orgs(orgId)}/policies/${seg(id)}`, { body: changes, ifMatch: version }),
    [orgKey(orgId, 'policies')],
  );
}

export function useDeletePolicy(orgId: string) {
  return useApiMutation((id: string) => request<void>('DELETE', `${orgs(orgId)}/policies/${seg(id)}`), [orgKey(orgId, 'policies')]);
}

export interface PolicySchema {
  cedarSchema: string;
  entityTypes: unknown;
  actions: unknown;
}

export function usePolicySchema(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'policies', 'schema'),
    queryFn: () => request<PolicySchema>('GET', `${orgs(orgId)}/policies/schema`),
    staleTime: 10 * 60_000,
  });
}

/** Validates policy text; the caller debounces. Keyed by text so repeats come from cache. */
export function usePolicyValidation(orgId: string, text: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'policies', 'validate', text),
    queryFn: () => request<PolicyValidation>('POST', `${orgs(orgId)}/policies/validate`, { body: { text } }),
    enabled: text.trim().length > 0,
    staleTime: Infinity,
  });
}

// ---- decisions ----

export interface CheckInput {
  action: string;
  resource: ResourceRef;
  principal?: { type: 'user' | 'apiKey'; id: string };
}

export function useAccessCheck(orgId: string) {
  return useApiMutation((body: CheckInput) => request<AccessCheck>('POST', `${orgs(orgId)}/authz/check`, { body }), []);
}

export function useWhoCan(orgId: string) {
  return useApiMutation(
    (body: { action: string; resource: ResourceRef }) => request<WhoCan>('POST', `${orgs(orgId)}/authz/who-can`, { body }),
    [],
  );
}

export type AccessChange =
  | { kind: 'addBinding'; roleId: string; subject: Subject; scope: Scope }
  | { kind: 'removeBinding'; bindingId: string }
  | { kind: 'updateRole'; roleId: string; actions: string[] }
  | { kind: 'deleteRole'; roleId: string }
  | { kind: 'putPolicy'; policyId?: string; text: string }
  | { kind: 'deletePolicy'; policyId: string };

export function useWhatIf(orgId: string) {
  return useApiMutation(
    (change: AccessChange) => request<AccessChangeEffect>('POST', `${orgs(orgId)}/authz/what-if`, { body: { change } }),
    [],
  );
}
