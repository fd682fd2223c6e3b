import { useQuery } from '@tanstack/react-query';
import { api, call, ifMatch, type BodyOf } from './client.ts';
import { allPages, orgKey, useApiMutation, usePagedQuery } from './query.ts';
import type { AccessChange, Role, ScopeType } from './types.ts';

export function useActions(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'actions'),
    queryFn: () => allPages((cursor) => call(api.GET('/api/v1/orgs/{orgId}/actions', { params: { path: { orgId }, query: { cursor, limit: 200 } } }))),
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
    queryFn: () => allPages((cursor) => call(api.GET('/api/v1/orgs/{orgId}/roles', { params: { path: { orgId }, query: { cursor, limit: 200 } } }))),
  });
}

export type RoleInput = BodyOf<'/api/v1/orgs/{orgId}/roles', 'post'>;

export function useCreateRole(orgId: string) {
  return useApiMutation((body: RoleInput) => call(api.POST('/api/v1/orgs/{orgId}/roles', { params: { path: { orgId } }, body })), [orgKey(orgId, 'roles')]);
}

export function useUpdateRole(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: { id: string; version: number; changes: BodyOf<'/api/v1/orgs/{orgId}/roles/{roleId}', 'patch'> }) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/roles/{roleId}', { params: { path: { orgId, roleId: id } }, body: changes, ...ifMatch(version) })),
    [orgKey(orgId, 'roles'), orgKey(orgId, 'role-bindings')],
  );
}

export function useDeleteRole(orgId: string) {
  return useApiMutation((roleId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/roles/{roleId}', { params: { path: { orgId, roleId } } })), [orgKey(orgId, 'roles')]);
}

// ---- role bindings ----

export interface BindingFilters {
  subjectId?: string;
  scopeId?: string;
  roleId?: string;
}

export function useRoleBindings(orgId: string, filters: BindingFilters = {}) {
  return usePagedQuery(orgKey(orgId, 'role-bindings', filters), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/role-bindings', { params: { path: { orgId }, query: { ...filters, cursor, limit: 100 } } })),
  );
}

export type BindingInput = BodyOf<'/api/v1/orgs/{orgId}/role-bindings', 'post'>;

export function useCreateBinding(orgId: string) {
  return useApiMutation(
    (body: BindingInput) => call(api.POST('/api/v1/orgs/{orgId}/role-bindings', { params: { path: { orgId } }, body })),
    [orgKey(orgId, 'role-bindings')],
  );
}

export function useDeleteBinding(orgId: string) {
  return useApiMutation(
    (bindingId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/role-bindings/{bindingId}', { params: { path: { orgId, bindingId } } })),
    [orgKey(orgId, 'role-bindings')],
  );
}

// ---- policies ----

export function usePolicies(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'policies', 'list'),
    queryFn: () => allPages((cursor) => call(api.GET('/api/v1/orgs/{orgId}/policies', { params: { path: { orgId }, query: { cursor, limit: 200 } } }))),
  });
}

export type PolicyInput = BodyOf<'/api/v1/orgs/{orgId}/policies', 'post'>;

export function useCreatePolicy(orgId: string) {
  return useApiMutation((body: PolicyInput) => call(api.POST('/api/v1/orgs/{orgId}/policies', { params: { path: { orgId } }, body })), [orgKey(orgId, 'policies', 'list')]);
}

export function useUpdatePolicy(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: { id: string; version: number; changes: BodyOf<'/api/v1/orgs/{orgId}/policies/{policyId}', 'patch'> }) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/policies/{policyId}', { params: { path: { orgId, policyId: id } }, body: changes, ...ifMatch(version) })),
    [orgKey(orgId, 'policies', 'list')],
  );
}

export function useDeletePolicy(orgId: string) {
  return useApiMutation(
    (policyId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/policies/{policyId}', { params: { path: { orgId, policyId } } })),
    [orgKey(orgId, 'policies', 'list')],
  );
}

export function usePolicySchema(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'policies', 'schema'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/policies/schema', { params: { path: { orgId } } })),
    staleTime: 10 * 60_000,
  });
}

/** Validates policy text; the caller debounces. Keyed by text so repeats come from cache. */
export function usePolicyValidation(orgId: string, text: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'policies', 'validate', text),
    queryFn: () => call(api.POST('/api/v1/orgs/{orgId}/policies/validate', { params: { path: { orgId } }, body: { text } })),
    enabled: text.trim().length > 0,
    staleTime: Infinity,
  });
}

// ---- decisions ----

export type CheckInput = BodyOf<'/api/v1/orgs/{orgId}/authz/check', 'post'>;

export function useAccessCheck(orgId: string) {
  return useApiMutation((body: CheckInput) => call(api.POST('/api/v1/orgs/{orgId}/authz/check', { params: { path: { orgId } }, body })), []);
}

export function useWhoCan(orgId: string) {
  return useApiMutation(
    (body: BodyOf<'/api/v1/orgs/{orgId}/authz/who-can', 'post'>) => call(api.POST('/api/v1/orgs/{orgId}/authz/who-can', { params: { path: { orgId } }, body })),
    [],
  );
}

export function useWhatIf(orgId: string) {
  return useApiMutation(
    (change: AccessChange) => call(api.POST('/api/v1/orgs/{orgId}/authz/what-if', { params: { path: { orgId } }, body: { change } })),
    [],
  );
}
