import { useQuery } from '@tanstack/react-query';
import { api, call, ifMatch, type BodyOf } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';

// ---- organizations ----

export function useOrganizations(enabled = true) {
  return useQuery({
    queryKey: ['orgs'],
    queryFn: () => call(api.GET('/api/v1/orgs', { params: { query: { limit: 200 } } })),
    enabled,
  });
}

export type OrganizationInput = BodyOf<'/api/v1/orgs', 'post'>;

export function useCreateOrganization() {
  return useApiMutation((body: OrganizationInput) => call(api.POST('/api/v1/orgs', { body })), [['orgs']]);
}

// ---- workspaces ----

export interface WorkspaceFilters {
  q?: string;
  label?: string;
}

export function useWorkspaces(orgId: string, filters: WorkspaceFilters = {}) {
  return usePagedQuery(orgKey(orgId, 'workspaces', 'list', filters), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/workspaces', { params: { path: { orgId }, query: { ...filters, cursor, limit: 100 } } })),
  );
}

/** Every workspace (up to 200), for pickers. */
export function useWorkspaceOptions(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'workspaces', 'all'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/workspaces', { params: { path: { orgId }, query: { limit: 200 } } })),
    select: (page) => page.items,
  });
}

export function useWorkspace(orgId: string, workspaceId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'workspaces', 'one', workspaceId),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/workspaces/{workspaceId}', { params: { path: { orgId, workspaceId } } })),
  });
}

export type WorkspaceInput = BodyOf<'/api/v1/orgs/{orgId}/workspaces', 'post'>;

export function useCreateWorkspace(orgId: string) {
  return useApiMutation(
    (body: WorkspaceInput) => call(api.POST('/api/v1/orgs/{orgId}/workspaces', { params: { path: { orgId } }, body })),
    [orgKey(orgId, 'workspaces')],
  );
}

export interface WorkspaceChange {
  id: string;
  version: number;
  changes: BodyOf<'/api/v1/orgs/{orgId}/workspaces/{workspaceId}', 'patch'>;
}

export function useUpdateWorkspace(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: WorkspaceChange) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/workspaces/{workspaceId}', { params: { path: { orgId, workspaceId: id } }, body: changes, ...ifMatch(version) })),
    [orgKey(orgId, 'workspaces')],
  );
}

export interface QuotaChange {
  id: string;
  version: number;
  quota: BodyOf<'/api/v1/orgs/{orgId}/workspaces/{workspaceId}/quota', 'put'>;
}

export function useSetWorkspaceQuota(orgId: string) {
  return useApiMutation(
    ({ id, version, quota }: QuotaChange) =>
      call(api.PUT('/api/v1/orgs/{orgId}/workspaces/{workspaceId}/quota', { params: { path: { orgId, workspaceId: id } }, body: quota, ...ifMatch(version) })),
    [orgKey(orgId, 'workspaces')],
  );
}

export function useDeleteWorkspace(orgId: string) {
  return useApiMutation(
    (workspaceId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/workspaces/{workspaceId}', { params: { path: { orgId, workspaceId } } })),
    [orgKey(orgId, 'workspaces')],
  );
}

// ---- projects ----

export function useProjects(orgId: string, workspaceId?: string) {
  return usePagedQuery(orgKey(orgId, 'projects', 'list', workspaceId ?? null), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/projects', { params: { path: { orgId }, query: { workspaceId, cursor, limit: 100 } } })),
  );
}

/** Every project (up to 200), for pickers. */
export function useProjectOptions(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'projects', 'all'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/projects', { params: { path: { orgId }, query: { limit: 200 } } })),
    select: (page) => page.items,
  });
}

export type ProjectInput = BodyOf<'/api/v1/orgs/{orgId}/projects', 'post'>;

export function useCreateProject(orgId: string) {
  return useApiMutation((body: ProjectInput) => call(api.POST('/api/v1/orgs/{orgId}/projects', { params: { path: { orgId } }, body })), [orgKey(orgId, 'projects')]);
}

export function useUpdateProject(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: WorkspaceChange) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/projects/{projectId}', { params: { path: { orgId, projectId: id } }, body: changes, ...ifMatch(version) })),
    [orgKey(orgId, 'projects')],
  );
}

export function useSetProjectQuota(orgId: string) {
  return useApiMutation(
    ({ id, version, quota }: QuotaChange) =>
      call(api.PUT('/api/v1/orgs/{orgId}/projects/{projectId}/quota', { params: { path: { orgId, projectId: id } }, body: quota, ...ifMatch(version) })),
    [orgKey(orgId, 'projects')],
  );
}

export function useDeleteProject(orgId: string) {
  return useApiMutation(
    (projectId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/projects/{projectId}', { params: { path: { orgId, projectId } } })),
    [orgKey(orgId, 'projects')],
  );
}

// ---- members and invitations ----

export function useMembers(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'members', 'list'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/members', { params: { path: { orgId }, query: { cursor, limit: 100 } } })),
  );
}

/** Members (first 200), to show names instead of ids. */
export function useMemberDirectory(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'members', 'all'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/members', { params: { path: { orgId }, query: { limit: 200 } } })),
    select: (page) => page.items,
    staleTime: 60_000,
  });
}

export function useRemoveMember(orgId: string) {
  return useApiMutation((userId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/members/{userId}', { params: { path: { orgId, userId } } })), [
    orgKey(orgId, 'members'),
    orgKey(orgId, 'role-bindings'),
  ]);
}

export function useInvitations(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'invitations', 'list'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/invitations', { params: { path: { orgId }, query: { cursor, limit: 100 } } })),
  );
}

export type InvitationInput = BodyOf<'/api/v1/orgs/{orgId}/invitations', 'post'>;

export function useCreateInvitation(orgId: string) {
  return useApiMutation(
    (body: InvitationInput) => call(api.POST('/api/v1/orgs/{orgId}/invitations', { params: { path: { orgId } }, body })),
    [orgKey(orgId, 'invitations')],
  );
}

export function useRevokeInvitation(orgId: string) {
  return useApiMutation(
    (invitationId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/invitations/{invitationId}', { params: { path: { orgId, invitationId } } })),
    [orgKey(orgId, 'invitations')],
  );
}

export function useAcceptInvitation() {
  return useApiMutation((body: BodyOf<'/api/v1/invitations/accept', 'post'>) => call(api.POST('/api/v1/invitations/accept', { body })), [['orgs']]);
}
