import { newPrincipal, type Principal, type Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { randomToken, sha256Hex } from '../../kernel/crypto.ts';
import { isUniqueViolation, type Tx } from '../../kernel/db/index.ts';
import { newId } from '../../kernel/ids.ts';
import { decodeCursor, encodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import { enqueue } from '../../kernel/outbox.ts';
import type { ModuleDeps } from '../deps.ts';
import { formatBytes, formatCpu, isUnlimited, parseBytes, parseCpuMillis, quotaOverflow, type Quota } from './quantity.ts';
import type {
  InvitationView,
  MemberView,
  OrganizationView,
  ProjectView,
  QuotaInput,
  WorkspaceView,
} from './schemas.ts';
import * as store from './store.ts';

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export function organizationView(row: store.OrganizationRow): OrganizationView {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    timeZone: row.time_zone,
    currency: row.currency,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function quotaView(quota: Quota) {
  return {
    cpu: quota.cpuMillis === null ? null : formatCpu(quota.cpuMillis),
    memory: quota.memoryBytes === null ? null : formatBytes(quota.memoryBytes),
    storage: quota.storageBytes === null ? null : formatBytes(quota.storageBytes),
    pods: quota.pods,
  };
}

export function workspaceView(row: store.WorkspaceRow): WorkspaceView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    labels: row.labels,
    quota: quotaView(store.quotaOf(row)),
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function projectView(row: store.ProjectRow): ProjectView {
  return {
    id: row.id,
    orgId: row.org_id,
    workspaceId: row.workspace_id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    labels: row.labels,
    quota: quotaView(store.quotaOf(row)),
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function invitationView(row: store.InvitationRow, now: Date): InvitationView {
  const expired = row.status === 'pending' && new Date(row.expires_at) <= now;
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    roleId: row.role_id,
    workspaceId: row.workspace_id,
    status: expired ? 'expired' : row.status,
    invitedBy: row.invited_by,
    expiresAt: iso(row.expires_at),
    createdAt: iso(row.created_at),
    acceptedAt: row.accepted_at ? iso(row.accepted_at) : null,
  };
}

export function toQuota(input: QuotaInput | undefined): Quota {
  return {
    cpuMillis: input?.cpu == null ? null : parseCpuMillis(input.cpu),
    memoryBytes: input?.memory == null ? null : parseBytes(input.memory),
    storageBytes: input?.storage == null ? null : parseBytes(input.storage),
    pods: input?.pods ?? null,
  };
}

const quotaFieldNames = { cpuMillis: 'cpu', memoryBytes: 'memory', storageBytes: 'storage', pods: 'pods' } as const;

function orgResource(orgId: string): Resource {
  return { type: 'organization', id: orgId, orgId };
}

function workspaceResource(ws: store.WorkspaceRow): Resource {
  return { type: 'workspace', id: ws.id, orgId: ws.org_id, workspaceId: ws.id, attrs: { name: ws.name, slug: ws.slug, labels: ws.labels } };
}

function projectResource(p: store.ProjectRow): Resource {
  return {
    type: 'project',
    id: p.id,
    orgId: p.org_id,
    workspaceId: p.workspace_id,
    projectId: p.id,
    attrs: { name: p.name, slug: p.slug, labels: p.labels },
  };
}

export type TenancyService = ReturnType<typeof createTenancyService>;

export function createTenancyService(deps: ModuleDeps) {
  const { db, authz, clock, changes } = deps;
  const memberCache = new Map<string, boolean>();
  changes.subscribe('membership', (key) => {
    for (const k of memberCache.keys()) if (k.startsWith(key)) memberCache.delete(k);
  });

  function tx<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return db.transaction().execute(work);
  }

  async function requireWorkspace(orgId: string, workspaceId: string) {
    const ws = await store.findWorkspace(db, orgId, workspaceId);
    if (!ws) throw problems.notFound('workspace', workspaceId);
    return ws;
  }

  async function requireProject(orgId: string, projectId: string) {
    const project = await store.findProject(db, orgId, projectId);
    if (!project) throw problems.notFound('project', projectId);
    return project;
  }

  /**
   * Locks the workspace row so concurrent quota changes in one workspace are checked one at
   * a time. A project without limits cannot overflow anything, so it takes no lock.
   */
  async function checkProjectQuotas(t: Tx, orgId: string, workspaceId: string, changed: { id: string; quota: Quota }) {
    if (isUnlimited(changed.quota)) return;
    const ws = await store.lockWorkspace(t, orgId, workspaceId);
    if (!ws) throw problems.notFound('workspace', workspaceId);
    const others = await store.sumProjectQuotas(t, orgId, workspaceId, changed.id);
    const overflow = quotaOverflow(store.quotaOf(ws), [others, changed.quota]);
    if (overflow) {
      const field = quotaFieldNames[overflow.resource];
      throw problems.unprocessable(
        'quota-exceeds-workspace',
        `Project quotas for ${field} would sum to more than the workspace allows.`,
        `quota.${field}`,
      );
    }
  }

  return {
    /** The tenant resolver port: users enter orgs they belong to; keys only their own org. */
    async canEnter(principal: Principal, orgId: string): Promise<boolean> {
      if (principal.kind === 'system') return true;
      if (principal.kind !== 'user') return principal.orgId === orgId;
      const key = `${orgId}:${principal.id}`;
      const cached = memberCache.get(key);
      if (cached !== undefined) return cached;
      const member = await store.isMember(db, orgId, principal.id);
      if (memberCache.size > 50_000) memberCache.clear();
      memberCache.set(key, member);
      return member;
    },

    // ---- organizations ----

    async createOrganization(p: Principal, input: { name: string; slug: string; timeZone: string; currency: string }) {
      if (p.kind !== 'user' || !p.platformAdmin) {
        throw problems.forbidden('organization:create', 'Only platform administrators can create organizations.');
      }
      return tx(async (t) => {
        const id = newId('organization');
        let row: store.OrganizationRow;
        try {
          row = await store.insertOrganization(t, { id, name: input.name, slug: input.slug, time_zone: input.timeZone, currency: input.currency });
        } catch (error) {
          if (isUniqueViolation(error)) throw problems.conflict('slug-taken', `The slug ${input.slug} is taken.`, 'slug');
          throw error;
        }
        await store.addMember(t, id, p.id);
        await deps.services.access.bindOwner(t, id, p.id);
        const view = organizationView(row);
        await recordAudit(t, p, { action: 'organization:create', orgId: id, target: { type: 'organization', id, name: row.name }, after: view });
        await changes.publish(t, 'membership', `${id}:${p.id}`);
        return view;
      });
    },

    async listOrganizations(p: Principal, page: PageQuery): Promise<Page<OrganizationView>> {
      if (p.kind !== 'user') {
        const org = p.orgId ? await store.findOrganization(db, p.orgId) : undefined;
        return { items: org ? [organizationView(org)] : [], nextCursor: null };
      }
      const rows = await store.listOrganizationsOfUser(db, p.id, decodeCursor(page.cursor), page.limit);
      const result = toPage(rows, page.limit);
      return { items: result.items.map(organizationView), nextCursor: result.nextCursor };
    },

    async getOrganization(p: Principal, orgId: string) {
      await authz.require(p, 'organization:read', orgResource(orgId));
      const row = await store.findOrganization(db, orgId);
      if (!row) throw problems.notFound('organization', orgId);
      return organizationView(row);
    },

    async updateOrganization(p: Principal, orgId: string, expectedVersion: number | undefined, input: { name?: string; timeZone?: string; currency?: string }) {
      await authz.require(p, 'organization:update', orgResource(orgId));
      return tx(async (t) => {
        const before = await store.findOrganization(t, orgId);
        if (!before) throw problems.notFound('organization', orgId);
        const row = await store.updateOrganization(t, orgId, expectedVersion, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.timeZone !== undefined ? { time_zone: input.timeZone } : {}),
          ...(input.currency !== undefined ? { currency: input.currency } : {}),
        });
        if (!row) throw problems.preconditionFailed();
        const view = organizationView(row);
        await recordAudit(t, p, { action: 'organization:update', orgId, target: { type: 'organization', id: orgId, name: row.name }, before: organizationView(before), after: view });
        return view;
      });
    },

    // ---- workspaces ----

    async createWorkspace(p: Principal, orgId: string, input: { name: string; slug: string; description: string; labels: Record<string, string>; quota?: QuotaInput }) {
      await authz.require(p, 'workspace:create', orgResource(orgId));
      if (input.quota) await authz.require(p, 'quota:update', orgResource(orgId));
      return tx(async (t) => {
        let row: store.WorkspaceRow;
        try {
          row = await store.insertWorkspace(t, {
            id: newId('workspace'),
            org_id: orgId,
            name: input.name,
            slug: input.slug,
            description: input.description,
            labels: JSON.stringify(input.labels),
            ...store.quotaColumns(toQuota(input.quota)),
          } as never);
        } catch (error) {
          if (isUniqueViolation(error)) throw problems.conflict('slug-taken', `A workspace with slug ${input.slug} exists.`, 'slug');
          throw error;
        }
        const view = workspaceView(row);
        await recordAudit(t, p, { action: 'workspace:create', orgId, workspaceId: row.id, target: { type: 'workspace', id: row.id, name: row.name }, after: view });
        await enqueue(t, 'workspace.reconcile', { orgId, workspaceId: row.id }, orgId);
        return view;
      });
    },

    async listWorkspaces(p: Principal, orgId: string, query: PageQuery & { label?: string; q?: string }): Promise<Page<WorkspaceView>> {
      const visibility = await deps.services.access.visibility(p, 'workspace:read');
      if (!visibility.all && visibility.workspaceIds.length === 0) {
        await authz.require(p, 'workspace:read', orgResource(orgId));
      }
      const label = query.label ? (query.label.split('=', 2) as [string, string]) : undefined;
      const rows = await store.listWorkspaces(
        db,
        orgId,
        { visible: visibility.all ? null : visibility.workspaceIds, ...(label ? { label } : {}), ...(query.q ? { text: query.q } : {}) },
        decodeCursor(query.cursor),
        query.limit,
      );
      const page = toPage(rows, query.limit);
      return { items: page.items.map(workspaceView), nextCursor: page.nextCursor };
    },

    async getWorkspace(p: Principal, orgId: string, workspaceId: string) {
      const ws = await requireWorkspace(orgId, workspaceId);
      await authz.require(p, 'workspace:read', workspaceResource(ws));
      return workspaceView(ws);
    },

    async updateWorkspace(p: Principal, orgId: string, workspaceId: string, expectedVersion: number | undefined, input: { name?: string; description?: string; labels?: Record<string, string> }) {
      const before = await requireWorkspace(orgId, workspaceId);
      await authz.require(p, 'workspace:update', workspaceResource(before));
      return tx(async (t) => {
        const row = await store.updateWorkspace(t, orgId, workspaceId, expectedVersion, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.labels !== undefined ? { labels: JSON.stringify(input.labels) } : {}),
        });
        if (!row) throw expectedVersion === undefined ? problems.notFound('workspace', workspaceId) : problems.preconditionFailed();
        const view = workspaceView(row);
        await recordAudit(t, p, { action: 'workspace:update', orgId, workspaceId, target: { type: 'workspace', id: workspaceId, name: row.name }, before: workspaceView(before), after: view });
        await enqueue(t, 'workspace.reconcile', { orgId, workspaceId }, orgId);
        return view;
      });
    },

    async setWorkspaceQuota(p: Principal, orgId: string, workspaceId: string, expectedVersion: number | undefined, input: QuotaInput) {
      const before = await requireWorkspace(orgId, workspaceId);
      // Raising a workspace's own ceiling is an organization-level decision.
      await authz.require(p, 'quota:update', orgResource(orgId));
      return tx(async (t) => {
        const quota = toQuota(input);
        await store.lockWorkspace(t, orgId, workspaceId);
        const overflow = quotaOverflow(quota, [await store.sumProjectQuotas(t, orgId, workspaceId, null)]);
        if (overflow) {
          const field = quotaFieldNames[overflow.resource];
          throw problems.unprocessable('quota-below-projects', `The workspace ${field} quota is below what its projects already hold.`, field);
        }
        const row = await store.updateWorkspace(t, orgId, workspaceId, expectedVersion, store.quotaColumns(quota));
        if (!row) throw problems.preconditionFailed();
        const view = workspaceView(row);
        await recordAudit(t, p, { action: 'quota:update', orgId, workspaceId, target: { type: 'workspace', id: workspaceId, name: row.name }, before: workspaceView(before).quota, after: view.quota });
        await enqueue(t, 'workspace.reconcile', { orgId, workspaceId }, orgId);
        return view;
      });
    },

    async deleteWorkspace(p: Principal, orgId: string, workspaceId: string) {
      const before = await requireWorkspace(orgId, workspaceId);
      await authz.require(p, 'workspace:delete', workspaceResource(before));
      await tx(async (t) => {
        if ((await store.countProjects(t, orgId, workspaceId)) > 0) {
          throw problems.conflict('workspace-not-empty', 'Delete the projects in this workspace first.');
        }
        if (!(await store.deleteWorkspace(t, orgId, workspaceId))) throw problems.notFound('workspace', workspaceId);
        await deps.services.access.revokeScope(t, orgId, { type: 'workspace', id: workspaceId });
        await recordAudit(t, p, { action: 'workspace:delete', orgId, workspaceId, target: { type: 'workspace', id: workspaceId, name: before.name }, before: workspaceView(before) });
        await enqueue(t, 'workspace.reconcile', { orgId, workspaceId, deleted: true, slug: before.slug }, orgId);
      });
    },

    // ---- projects ----

    async createProject(p: Principal, orgId: string, input: { workspaceId: string; name: string; slug: string; description: string; labels: Record<string, string>; quota?: QuotaInput }) {
      const ws = await requireWorkspace(orgId, input.workspaceId);
      await authz.require(p, 'project:create', workspaceResource(ws));
      if (input.quota) await authz.require(p, 'quota:update', workspaceResource(ws));
      return tx(async (t) => {
        const id = newId('project');
        const quota = toQuota(input.quota);
        await checkProjectQuotas(t, orgId, ws.id, { id, quota });
        let row: store.ProjectRow;
        try {
          row = await store.insertProject(t, {
            id,
            org_id: orgId,
            workspace_id: ws.id,
            name: input.name,
            slug: input.slug,
            description: input.description,
            labels: JSON.stringify(input.labels),
            ...store.quotaColumns(quota),
          } as never);
        } catch (error) {
          if (isUniqueViolation(error)) throw problems.conflict('slug-taken', `A project with slug ${input.slug} exists in this workspace.`, 'slug');
          throw error;
        }
        const view = projectView(row);
        await recordAudit(t, p, { action: 'project:create', orgId, workspaceId: ws.id, target: { type: 'project', id, name: row.name }, after: view });
        return view;
      });
    },

    async listProjects(p: Principal, orgId: string, query: PageQuery & { workspaceId?: string }): Promise<Page<ProjectView>> {
      const visibility = await deps.services.access.visibility(p, 'project:read');
      if (!visibility.all && visibility.workspaceIds.length === 0 && visibility.projectIds.length === 0) {
        await authz.require(p, 'project:read', orgResource(orgId));
      }
      const rows = await store.listProjects(
        db,
        orgId,
        {
          ...(query.workspaceId ? { workspaceId: query.workspaceId } : {}),
          visibleWorkspaces: visibility.all ? null : visibility.workspaceIds,
          visibleProjects: visibility.all ? null : visibility.projectIds,
        },
        decodeCursor(query.cursor),
        query.limit,
      );
      const page = toPage(rows, query.limit);
      return { items: page.items.map(projectView), nextCursor: page.nextCursor };
    },

    async getProject(p: Principal, orgId: string, projectId: string) {
      const project = await requireProject(orgId, projectId);
      await authz.require(p, 'project:read', projectResource(project));
      return projectView(project);
    },

    async updateProject(p: Principal, orgId: string, projectId: string, expectedVersion: number | undefined, input: { name?: string; description?: string; labels?: Record<string, string> }) {
      const before = await requireProject(orgId, projectId);
      await authz.require(p, 'project:update', projectResource(before));
      return tx(async (t) => {
        const row = await store.updateProject(t, orgId, projectId, expectedVersion, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.labels !== undefined ? { labels: JSON.stringify(input.labels) } : {}),
        });
        if (!row) throw expectedVersion === undefined ? problems.notFound('project', projectId) : problems.preconditionFailed();
        const view = projectView(row);
        await recordAudit(t, p, { action: 'project:update', orgId, workspaceId: row.workspace_id, target: { type: 'project', id: projectId, name: row.name }, before: projectView(before), after: view });
        return view;
      });
    },

    async setProjectQuota(p: Principal, orgId: string, projectId: string, expectedVersion: number | undefined, input: QuotaInput) {
      const before = await requireProject(orgId, projectId);
      await authz.require(p, 'quota:update', { type: 'workspace', id: before.workspace_id, orgId, workspaceId: before.workspace_id });
      return tx(async (t) => {
        const quota = toQuota(input);
        await checkProjectQuotas(t, orgId, before.workspace_id, { id: projectId, quota });
        const row = await store.updateProject(t, orgId, projectId, expectedVersion, store.quotaColumns(quota));
        if (!row) throw problems.preconditionFailed();
        const view = projectView(row);
        await recordAudit(t, p, { action: 'quota:update', orgId, workspaceId: row.workspace_id, target: { type: 'project', id: projectId, name: row.name }, before: projectView(before).quota, after: view.quota });
        await enqueue(t, 'workspace.reconcile', { orgId, workspaceId: row.workspace_id }, orgId);
        return view;
      });
    },

    async deleteProject(p: Principal, orgId: string, projectId: string) {
      const before = await requireProject(orgId, projectId);
      await authz.require(p, 'project:delete', projectResource(before));
      await tx(async (t) => {
        if (!(await store.deleteProject(t, orgId, projectId))) throw problems.notFound('project', projectId);
        await deps.services.access.revokeScope(t, orgId, { type: 'project', id: projectId });
        await recordAudit(t, p, { action: 'project:delete', orgId, workspaceId: before.workspace_id, target: { type: 'project', id: projectId, name: before.name }, before: projectView(before) });
      });
    },

    // ---- members ----

    async listMembers(p: Principal, orgId: string, page: PageQuery): Promise<Page<MemberView>> {
      await authz.require(p, 'member:read', orgResource(orgId));
      const rows = await store.listMembers(db, orgId, decodeCursor(page.cursor), page.limit);
      const slice = rows.slice(0, page.limit);
      const users = new Map((await deps.services.identity.findUsers(slice.map((r) => r.user_id))).map((u) => [u.id, u]));
      const items = slice.map((r) => {
        const user = users.get(r.user_id);
        return { userId: r.user_id, email: user?.email ?? '', displayName: user?.displayName ?? '', joinedAt: iso(r.joined_at) };
      });
      const last = slice[slice.length - 1];
      return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.user_id) : null };
    },

    async removeMember(p: Principal, orgId: string, userId: string) {
      await authz.require(p, 'member:remove', orgResource(orgId));
      await tx(async (t) => {
        if (!(await store.removeMember(t, orgId, userId))) throw problems.notFound('member', userId);
        await deps.services.access.revokeSubject(t, orgId, { type: 'user', id: userId });
        await deps.services.identity.revokeAccessInOrg(t, orgId, userId);
        await recordAudit(t, p, { action: 'member:remove', orgId, target: { type: 'user', id: userId } });
        await changes.publish(t, 'membership', `${orgId}:${userId}`);
      });
    },

    // ---- invitations ----

    async createInvitation(p: Principal, orgId: string, input: { email: string; roleId: string; workspaceId?: string; expiresInHours: number }) {
      await authz.require(p, 'invitation:create', orgResource(orgId));
      if (input.workspaceId) await requireWorkspace(orgId, input.workspaceId);
      await deps.services.access.assertGrantable(orgId, input.roleId, input.workspaceId ? 'workspace' : 'organization');
      const email = input.email.toLowerCase();
      const existing = await deps.services.identity.findUserByEmail(email);
      if (existing && (await store.isMember(db, orgId, existing.id))) {
        throw problems.conflict('already-member', `${email} is already a member of this organization.`, 'email');
      }
      const token = randomToken(32);
      return tx(async (t) => {
        let row: store.InvitationRow;
        try {
          row = await store.insertInvitation(t, {
            id: newId('invitation'),
            org_id: orgId,
            email,
            token_hash: sha256Hex(token),
            role_id: input.roleId,
            workspace_id: input.workspaceId ?? null,
            invited_by: p.id,
            expires_at: new Date(clock.now().getTime() + input.expiresInHours * 3600_000),
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw problems.conflict('invitation-pending', `${email} already has a pending invitation.`, 'email');
          throw error;
        }
        const view = invitationView(row, clock.now());
        const acceptUrl = `${deps.config.publicUrl}/accept-invitation?token=${token}`;
        await recordAudit(t, p, { action: 'invitation:create', orgId, workspaceId: row.workspace_id, target: { type: 'invitation', id: row.id, name: email }, after: view });
        await enqueue(t, 'notification.email', {
          to: email,
          subject: 'You are invited to Hexaplane',
          text: `${p.displayName} invited you to an organization on Hexaplane.\n\nAccept: ${acceptUrl}\n\nThe link expires at ${view.expiresAt}.`,
        }, orgId);
        return { ...view, acceptUrl };
      });
    },

    async listInvitations(p: Principal, orgId: string, query: PageQuery & { status?: string }) {
      await authz.require(p, 'invitation:read', orgResource(orgId));
      const rows = await store.listInvitations(db, orgId, query.status, decodeCursor(query.cursor), query.limit);
      const page = toPage(rows, query.limit);
      const now = clock.now();
      return { items: page.items.map((r) => invitationView(r, now)), nextCursor: page.nextCursor };
    },

    async revokeInvitation(p: Principal, orgId: string, invitationId: string) {
      await authz.require(p, 'invitation:revoke', orgResource(orgId));
      return tx(async (t) => {
        const row = await store.setInvitationStatus(t, orgId, invitationId, 'revoked');
        if (!row) {
          const existing = await store.findInvitation(t, orgId, invitationId);
          if (!existing) throw problems.notFound('invitation', invitationId);
          throw problems.conflict('invitation-not-pending', `The invitation is ${existing.status}.`);
        }
        const view = invitationView(row, clock.now());
        await recordAudit(t, p, { action: 'invitation:revoke', orgId, target: { type: 'invitation', id: invitationId, name: row.email }, after: view });
        return view;
      });
    },

    /**
     * Accepting needs no session: the token is the credential. An invitee without an
     * account sets a password here; one with an account must be signed in as that user.
     */
    async acceptInvitation(caller: Principal | null, input: { token: string; displayName?: string; password?: string }, meta: { ip: string | null; userAgent: string | null; requestId: string }) {
      return tx(async (t) => {
        const row = await store.findPendingInvitationByTokenHash(t, sha256Hex(input.token));
        if (!row || new Date(row.expires_at) <= clock.now()) {
          throw problems.badRequest('invitation-invalid', 'This invitation link is not valid or has expired.', 'token');
        }
        let user = await deps.services.identity.findUserByEmail(row.email);
        if (user) {
          if (!caller || caller.kind !== 'user' || caller.id !== user.id) {
            throw problems.unauthenticated(`Sign in as ${row.email} to accept this invitation.`);
          }
        } else {
          if (!input.password) throw problems.validation([{ field: 'password', message: 'choose a password for your new account' }]);
          user = await deps.services.identity.createLocalUser(t, {
            email: row.email,
            displayName: input.displayName ?? row.email.split('@')[0]!,
            password: input.password,
            // The inviting organization's password rules apply to the new account.
            orgId: row.org_id,
          });
        }
        const actor = newPrincipal({
          kind: 'user', id: user.id, orgId: row.org_id, displayName: user.displayName,
          sessionId: caller?.sessionId ?? null, ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId,
        });
        await store.addMember(t, row.org_id, user.id);
        await store.setInvitationStatus(t, row.org_id, row.id, 'accepted', user.id);
        await deps.services.access.grantUnchecked(t, actor, {
          orgId: row.org_id,
          roleId: row.role_id,
          subject: { type: 'user', id: user.id },
          scope: row.workspace_id ? { type: 'workspace', id: row.workspace_id } : { type: 'organization', id: row.org_id },
        });
        await recordAudit(t, actor, { action: 'invitation:accept', orgId: row.org_id, workspaceId: row.workspace_id, target: { type: 'invitation', id: row.id, name: row.email } });
        await changes.publish(t, 'membership', `${row.org_id}:${user.id}`);
        return { orgId: row.org_id, userId: user.id, email: user.email };
      });
    },

    // ---- for SCIM provisioning and SSO just-in-time provisioning (identity): the caller authorized and audits ----

    /** Makes a user a member (no role: access comes from group bindings); true when added. */
    async addMemberUnchecked(t: Tx, orgId: string, userId: string): Promise<boolean> {
      const added = !(await store.isMember(t, orgId, userId));
      if (added) await store.addMember(t, orgId, userId);
      await changes.publish(t, 'membership', `${orgId}:${userId}`);
      memberCache.delete(`${orgId}:${userId}`);
      return added;
    },

    /** Removes a member with their bindings, keys and group memberships; false when not a member. */
    async removeMemberUnchecked(t: Tx, orgId: string, userId: string): Promise<boolean> {
      if (!(await store.removeMember(t, orgId, userId))) return false;
      await deps.services.access.revokeSubject(t, orgId, { type: 'user', id: userId });
      await deps.services.identity.revokeAccessInOrg(t, orgId, userId);
      await changes.publish(t, 'membership', `${orgId}:${userId}`);
      memberCache.delete(`${orgId}:${userId}`);
      return true;
    },

    /** Used by access and integrations to describe resources; no authorization (callers check). */
    async findWorkspace(orgId: string, workspaceId: string) {
      const row = await store.findWorkspace(db, orgId, workspaceId);
      return row ? workspaceView(row) : undefined;
    },
    async findProject(orgId: string, projectId: string) {
      const row = await store.findProject(db, orgId, projectId);
      return row ? projectView(row) : undefined;
    },
    async findOrganization(orgId: string) {
      const row = await store.findOrganization(db, orgId);
      return row ? organizationView(row) : undefined;
    },
    async organizationsOfUser(userId: string): Promise<string[]> {
      return store.orgIdsOfUser(db, userId);
    },
    async isMember(orgId: string, userId: string) {
      return store.isMember(db, orgId, userId);
    },
    async memberCount(orgId: string) {
      return store.countMembers(db, orgId);
    },
  };
}
