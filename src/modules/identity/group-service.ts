import type { Principal, Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { isUniqueViolation, type Queryable, type Tx } from '../../kernel/db/index.ts';
import { newId } from '../../kernel/ids.ts';
import { decodeCursor, encodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import type { ModuleDeps } from '../deps.ts';
import { BoundedCache } from './bounded-cache.ts';
import type { GroupMemberView, GroupView } from './schemas.ts';
import { iso } from './session-service.ts';
import * as store from './store.ts';

/**
 * Published as `<orgId>:<userId>` whenever a user's groups in an org change. Authorization
 * asks `groupsOfUser` on every decision, so dropping the cached list is all it takes for a
 * membership change to apply at once, on every replica.
 */
export const GROUP_MEMBERSHIP_TOPIC = 'group-membership';

function groupView(row: store.GroupRow, memberCount: number): GroupView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    memberCount,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

const viewOf = (row: store.GroupWithCount) => groupView(row, Number(row.member_count));

function groupResource(row: store.GroupRow): Resource {
  return { type: 'group', id: row.id, orgId: row.org_id, attrs: { name: row.name } };
}

const membershipKey = (orgId: string, userId: string) => `${orgId}:${userId}`;

export type GroupService = ReturnType<typeof createGroupService>;

export function createGroupService(deps: ModuleDeps) {
  const { db, authz, changes } = deps;
  const tx = <T>(work: (t: Tx) => Promise<T>) => db.transaction().execute(work);
  // Authorization asks for a user's groups on every decision; membership changes are rare.
  const groupsCache = new BoundedCache<string[]>(50_000, 300_000);
  changes.subscribe(GROUP_MEMBERSHIP_TOPIC, (key) => groupsCache.delete(key));

  async function requireGroup(orgId: string, groupId: string) {
    const row = await store.findGroup(db, orgId, groupId);
    if (!row) throw problems.notFound('group', groupId);
    return row;
  }

  /** In the transaction: other replicas drop what they cached once it commits. */
  async function announce(t: Queryable, orgId: string, userIds: string[]) {
    for (const userId of userIds) await changes.publish(t, GROUP_MEMBERSHIP_TOPIC, membershipKey(orgId, userId));
  }

  /** After commit, on this replica (which may not be listening, as in tests). */
  function forget(orgId: string, userIds: string[]) {
    for (const userId of userIds) groupsCache.delete(membershipKey(orgId, userId));
  }

  const nameTaken = (name: string) => problems.conflict('group-name-taken', `A group named ${name} exists in this organization.`, 'name');

  return {
    async createGroup(p: Principal, orgId: string, input: { name: string; description: string }) {
      await authz.require(p, 'group:create', { type: 'organization', id: orgId, orgId });
      return tx(async (t) => {
        let row: store.GroupRow;
        try {
          row = await store.insertGroup(t, { id: newId('group'), org_id: orgId, name: input.name, description: input.description });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name);
          throw error;
        }
        const view = groupView(row, 0);
        await recordAudit(t, p, { action: 'group:create', orgId, target: { type: 'group', id: row.id, name: row.name }, after: view });
        return view;
      });
    },

    async listGroups(p: Principal, orgId: string, page: PageQuery): Promise<Page<GroupView>> {
      await authz.require(p, 'group:read', { type: 'organization', id: orgId, orgId });
      const rows = await store.listGroups(db, orgId, decodeCursor(page.cursor), page.limit);
      const result = toPage(rows, page.limit);
      return { items: result.items.map(viewOf), nextCursor: result.nextCursor };
    },

    async getGroup(p: Principal, orgId: string, groupId: string) {
      const row = await requireGroup(orgId, groupId);
      await authz.require(p, 'group:read', groupResource(row));
      return viewOf(row);
    },

    async updateGroup(p: Principal, orgId: string, groupId: string, expectedVersion: number | undefined, input: { name?: string; description?: string }) {
      const before = await requireGroup(orgId, groupId);
      await authz.require(p, 'group:update', groupResource(before));
      return tx(async (t) => {
        let row: store.GroupRow | undefined;
        try {
          row = await store.updateGroup(t, orgId, groupId, expectedVersion, {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name ?? '');
          throw error;
        }
        if (!row) throw expectedVersion === undefined ? problems.notFound('group', groupId) : problems.preconditionFailed();
        const view = groupView(row, Number(before.member_count));
        await recordAudit(t, p, { action: 'group:update', orgId, target: { type: 'group', id: groupId, name: row.name }, before: viewOf(before), after: view });
        return view;
      });
    },

    /** Deleting a group removes its role bindings in the same transaction. */
    async deleteGroup(p: Principal, orgId: string, groupId: string) {
      const before = await requireGroup(orgId, groupId);
      await authz.require(p, 'group:delete', groupResource(before));
      const memberIds = await tx(async (t) => {
        const members = await store.memberIdsOfGroup(t, orgId, groupId);
        if (!(await store.deleteGroup(t, orgId, groupId))) throw problems.notFound('group', groupId);
        await deps.services.access.revokeSubject(t, orgId, { type: 'group', id: groupId });
        await recordAudit(t, p, { action: 'group:delete', orgId, target: { type: 'group', id: groupId, name: before.name }, before: { ...viewOf(before), memberIds: members } });
        await announce(t, orgId, members);
        return members;
      });
      forget(orgId, memberIds);
    },

    async listGroupMembers(p: Principal, orgId: string, groupId: string, page: PageQuery): Promise<Page<GroupMemberView>> {
      const group = await requireGroup(orgId, groupId);
      await authz.require(p, 'group:read', groupResource(group));
      const rows = await store.listGroupMembers(db, orgId, groupId, decodeCursor(page.cursor), page.limit);
      const slice = rows.slice(0, page.limit);
      const users = new Map((await store.findUsers(db, slice.map((r) => r.user_id))).map((u) => [u.id, u]));
      const items = slice.map((r) => {
        const user = users.get(r.user_id);
        return { userId: r.user_id, email: user?.email ?? '', displayName: user?.display_name ?? '', addedAt: iso(r.added_at) };
      });
      const last = slice[slice.length - 1];
      return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.user_id) : null };
    },

    /** Idempotent: adding a member twice changes (and records) nothing the second time. */
    async addGroupMember(p: Principal, orgId: string, groupId: string, userId: string) {
      const group = await requireGroup(orgId, groupId);
      await authz.require(p, 'group:update', groupResource(group));
      if (!(await deps.services.tenancy.isMember(orgId, userId))) {
        throw problems.unprocessable('not-a-member', `User ${userId} is not a member of this organization.`, 'userId');
      }
      const added = await tx(async (t) => {
        if (!(await store.addGroupMember(t, orgId, groupId, userId))) return false;
        await recordAudit(t, p, { action: 'group:update', orgId, target: { type: 'group', id: groupId, name: group.name }, after: { memberAdded: userId } });
        await announce(t, orgId, [userId]);
        return true;
      });
      if (added) forget(orgId, [userId]);
    },

    async removeGroupMember(p: Principal, orgId: string, groupId: string, userId: string) {
      const group = await requireGroup(orgId, groupId);
      await authz.require(p, 'group:update', groupResource(group));
      await tx(async (t) => {
        if (!(await store.removeGroupMember(t, orgId, groupId, userId))) throw problems.notFound('group member', userId);
        await recordAudit(t, p, { action: 'group:update', orgId, target: { type: 'group', id: groupId, name: group.name }, before: { memberRemoved: userId } });
        await announce(t, orgId, [userId]);
      });
      forget(orgId, [userId]);
    },

    /** The groups of the organization among these ids (access checks a group before binding it). */
    async findGroups(orgId: string, ids: string[]): Promise<Array<{ id: string; name: string }>> {
      return (await store.findGroups(db, orgId, [...new Set(ids)])).map((g) => ({ id: g.id, name: g.name }));
    },

    async groupsOfUser(orgId: string, userId: string): Promise<string[]> {
      const key = membershipKey(orgId, userId);
      const nowMs = Date.now();
      const cached = groupsCache.get(key, nowMs);
      if (cached) return [...cached];
      const epoch = groupsCache.epoch;
      const ids = await store.groupIdsOfUser(db, orgId, userId);
      groupsCache.set(key, ids, nowMs, epoch);
      return [...ids];
    },

    /** For writers of group_members outside this file (SCIM): publish in the transaction, forget after commit. */
    announceMemberships: announce,
    forgetMemberships: forget,

    /** Member removed: out of every group of the organization (the caller audits). */
    async removeFromAllGroups(t: Tx, orgId: string, userId: string) {
      await store.removeUserFromGroups(t, orgId, userId);
      await announce(t, orgId, [userId]);
      forget(orgId, [userId]);
    },
  };
}
