import { useQuery } from '@tanstack/react-query';
import { request, seg } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';
import type { CreatedInvitation, Invitation, Member, Organization, Page, Project, Quota, Workspace } from './types.ts';

const orgs = (orgId: string) => `/api/v1/orgs/${seg(orgId)}`;

// ---- organizations ----

export function useOrganizations(enabled = true) {
  return useQuery({
    queryKey: ['orgs'],
    queryFn: () => request<Page<Organization>>('GET', '/api/v1/orgs', { query: { limit: 200 } }),
    enabled,
  });
}

export interface OrganizationInput {
  name: string;
  slug: string;
  timeZone: string;
  currency: string;
}

export function useCreateOrganization() {
  return useApiMutation((body: OrganizationInput) => request<Organization>('POST', '/api/v1/orgs', { body }), [['orgs']]);
}

// ---- workspaces ----

export interface WorkspaceFilters {
  q?: string;
  label?: string;
}

export function useWorkspaces(orgId: string, filters: WorkspaceFilters = {}) {
  return usePagedQuery(orgKey(orgId, 'workspaces', 'list', filters), (cursor) =>
    request<Page<Workspace>>('GET', `${orgs(orgId)}/workspaces`, { query: { ...filters, cursor, limit: 100 } }),
  );
}

/** Every workspace (up to 200), for pickers. */
export function useWorkspaceOptions(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'workspaces', 'all'),
    queryFn: () => request<Page<Workspace>>('GET', `${orgs(orgId)}/workspaces`, { query: { limit: 200 } }),
    select: (page) => page.items,
  });
}

export function useWorkspace(orgId: string, workspaceId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'workspaces', 'one', workspaceId),
    queryFn: () => request<Workspace>('GET', `${orgs(orgId)}/workspaces/${seg(workspaceId)}`),
  });
}

export interface WorkspaceInput {
  name: string;
  slug: string;
  description: string;
  labels: Record<string, string>;
  quota?: Partial<Quota>;
}

export function useCreateWorkspace(orgId: string) {
  return useApiMutation(
    (body: WorkspaceInput) => request<Workspace>('POST', `${orgs(orgId)}/workspaces`, { body }),
    [orgKey(orgId, 'workspaces')],
  );
}

export interface WorkspaceChange {
  id: string;
  version: number;
  changes: { name?: string; description?: string; labels?: Record<string, string> };
}

export function useUpdateWorkspace(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: WorkspaceChange) =>
      request<Workspace>('PATCH', `${orgs(orgId)}/workspaces/${seg(id)}`, { body: changes, ifMatch: version }),
    [orgKey(orgId, 'workspaces')],
  );
}

export interface QuotaChange {
  id: string;
  version: number;
  quota: Partial<Quota>;
}

export function useSetWorkspaceQuota(orgId: string) {
  return useApiMutation(
    ({ id, version, quota }: QuotaChange) => request<Workspace>('PUT', `${orgs(orgId)}/workspaces/${seg(id)}/quota`, { body: quota, ifMatch: version }),
    [orgKey(orgId, 'workspaces')],
  );
}

export function useDeleteWorkspace(orgId: string) {
  return useApiMutation((id: string) => request<void>('DELETE', `${orgs(orgId)}/workspaces/${seg(id)}`), [orgKey(orgId, 'workspaces')]);
}

// ---- projects ----

export function useProjects(orgId: string, workspaceId?: string) {
  return usePagedQuery(orgKey(orgId, 'projects', 'list', workspaceId ?? null), (cursor) =>
    request<Page<Project>>('GET', `${orgs(orgId)}/projects`, { query: { workspaceId, cursor, limit: 100 } }),
  );
}

/** Every project (up to 200), for pickers. */
export function useProjectOptions(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'projects', 'all'),
    queryFn: () => request<Page<Project>>('GET', `${orgs(orgId)}/projects`, { query: { limit: 200 } }),
    select: (page) => page.items,
  });
}

export interface ProjectInput extends WorkspaceInput {
  workspaceId: string;
}

export function useCreateProject(orgId: string) {
  return useApiMutation((body: ProjectInput) => request<Project>('POST', `${orgs(orgId)}/projects`, { body }), [orgKey(orgId, 'projects')]);
}

export function useUpdateProject(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: WorkspaceChange) => request<Project>('PATCH', `${orgs(orgId)}/projects/${seg(id)}`, { body: changes, ifMatch: version }),
    [orgKey(orgId, 'projects')],
  );
}

export function useSetProjectQuota(orgId: string) {
  return useApiMutation(
    ({ id, version, quota }: QuotaChange) => request<Project>('PUT', `${orgs(orgId)}/projects/${seg(id)}/quota`, { body: quota, ifMatch: version }),
    [orgKey(orgId, 'projects')],
  );
}

export function useDeleteProject(orgId: string) {
  return useApiMutation((id: string) => request<void>('DELETE', `${orgs(orgId)}/projects/${seg(id)}`), [orgKey(orgId, 'projects')]);
}

// ---- members and invitations ----

export function useMembers(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'members', 'list'), (cursor) =>
    request<Page<Member>>('GET', `${orgs(orgId)}/members`, { query: { cursor, limit: 100 } }),
  );
}

/** Members by user id (first 200), to show names instead of ids. */
export function useMemberDirectory(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'members', 'all'),
    queryFn: () => request<Page<Member>>('GET', `${orgs(orgId)}/members`, { query: { limit: 200 } }),
    select: (page) => page.items,
    staleTime: 60_000,
  });
}

export function useRemoveMember(orgId: string) {
  return useApiMutation((userId: string) => request<void>('DELETE', `${orgs(orgId)}/members/${seg(userId)}`), [
    orgKey(orgId, 'members'),
    orgKey(orgId, 'role-bindings'),
  ]);
}

export function useInvitations(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'invitations', 'list'), (cursor) =>
    request<Page<Invitation>>('GET', `${orgs(orgId)}/invitations`, { query: { cursor, limit: 100 } }),
  );
}

export interface InvitationInput {
  email: string;
  roleId: string;
  workspaceId?: string;
  expiresInHours: number;
}

export function useCreateInvitation(orgId: string) {
  return useApiMutation(
    (body: InvitationInput) => request<CreatedInvitation>('POST', `${orgs(orgId)}/invitations`, { body }),
    [orgKey(orgId, 'invitations')],
  );
}

export function useRevokeInvitation(orgId: string) {
  return useApiMutation(
    (invitationId: string) => request<Invitation>('DELETE', `${orgs(orgId)}/invitations/${seg(invitationId)}`),
    [orgKey(orgId, 'invitations')],
  );
}

export interface AcceptInput {
  token: string;
  displayName?: string;
  password?: string;
}

export function useAcceptInvitation() {
  return useApiMutation(
    (body: AcceptInput) => request<{ orgId: string; userId: string; email: string }>('POST', '/api/v1/invitations/accept', { body }),
    [['orgs']],
  );
}
