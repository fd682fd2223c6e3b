import { filter as scimFilterTester, parse as parseScimFilter, type Filter } from 'scim2-parse-filter';
import { scimPatch, ScimError as PatchLibraryError, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import type { Principal } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { isUniqueViolation, type Queryable, type Tx } from '../../kernel/db/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { ModuleDeps } from '../deps.ts';
import type { ApiKeyService } from './api-key-service.ts';
import type { GroupService } from './group-service.ts';
import { ScimError, scimErrors } from './scim-errors.ts';
import { groupAttributes, scimFilterToSql, userAttributes } from './scim-filter.ts';
import {
  displayNameOf,
  LIST_SCHEMA,
  parsePatch,
  parseScimGroup,
  parseScimUser,
  primaryEmail,
  scimGroupResource,
  scimUserResource,
  type PatchOperation,
  type ScimUserData,
} from './scim-resources.ts';
import * as scimStore from './scim-store.ts';
import { SCIM_BASE_PATH } from './scim-token-service.ts';
import * as store from './store.ts';

/**
 * The SCIM 2.0 use cases (RFC 7644), acting for a principal of kind `scim`. The token is the
 * authorization: it was created by someone holding `scim-token:create` in the organization and
 * can do nothing but provision that organization's users and groups (ADR 0012). Every change
 * is one transaction with exactly one audit event, whose actor is the token.
 */

export interface ListQuery {
  filter?: string | undefined;
  startIndex: number;
  count: number;
  excludeMembers: boolean;
}

const MAX_COUNT = 1000;
export const SCIM_MAX_RESULTS = MAX_COUNT;

function orgOf(p: Principal): string {
  if (p.kind !== 'scim' || !p.orgId) throw new ScimError(401, null, 'The SCIM API needs a SCIM bearer token (hxs_…).');
  return p.orgId;
}

function dataOf(row: scimStore.ScimUserRow): ScimUserData {
  return {
    userName: row.user_name,
    externalId: row.external_id,
    displayName: row.display_name,
    givenName: row.given_name,
    familyName: row.family_name,
    emails: row.emails,
    active: row.active,
    department: row.department,
    costCenter: row.cost_center,
    managerId: row.manager_id,
    employeeNumber: row.employee_number,
    extra: row.extra,
  };
}

function columnsOf(d: ScimUserData): scimStore.ScimUserColumns {
  return {
    external_id: d.externalId,
    user_name: d.userName,
    display_name: d.displayName,
    given_name: d.givenName,
    family_name: d.familyName,
    emails: JSON.stringify(d.emails),
    active: d.active,
    department: d.department,
    cost_center: d.costCenter,
    manager_id: d.managerId,
    employee_number: d.employeeNumber,
    extra: JSON.stringify(d.extra),
  };
}

/** What the audit log keeps of a SCIM user: who, not every attribute the IdP sent. */
function auditSummary(d: ScimUserData) {
  return { userName: d.userName, externalId: d.externalId, active: d.active, department: d.department, costCenter: d.costCenter, managerId: d.managerId };
}

/** `W/"v3"` or `"v3"` → 3; anything else is a 412 (we never issued it). */
export function versionOfEtag(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^(?:W\/)?"v(\d{1,9})"$/.exec(header.trim());
  if (!match) throw scimErrors.preconditionFailed();
  return Number(match[1]);
}

function checkVersion(expected: number | undefined, actual: number) {
  if (expected !== undefined && expected !== actual) throw scimErrors.preconditionFailed();
}

function page(query: ListQuery) {
  return { offset: Math.max(1, query.startIndex) - 1, limit: Math.min(Math.max(0, query.count), MAX_COUNT) };
}

function listResponse<T>(total: number, startIndex: number, resources: T[]) {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex: Math.max(1, startIndex), itemsPerPage: resources.length, Resources: resources };
}

function translatePatchError(error: unknown): never {
  if (error instanceof PatchLibraryError) {
    const code = (error.scimCode ?? 'invalidValue') as ScimError['scimType'];
    throw new ScimError(400, code, error.message);
  }
  throw error;
}

export type ScimService = ReturnType<typeof createScimService>;

export function createScimService(deps: ModuleDeps, identity: { groups: GroupService; apiKeys: ApiKeyService }) {
  const { db } = deps;
  const now = () => deps.clock.now();
  const tx = <T>(work: (t: Tx) => Promise<T>) => db.transaction().execute(work);
  const location = (kind: 'Users' | 'Groups', id: string) => `${deps.config.publicUrl}${SCIM_BASE_PATH}/${kind}/${id}`;

  function userResource(row: scimStore.ScimUserRow) {
    return scimUserResource(dataOf(row), {
      id: row.user_id,
      created: new Date(row.created_at),
      lastModified: new Date(row.updated_at),
      version: row.version,
      location: location('Users', row.user_id),
    });
  }

  async function groupResources(rows: scimStore.ScimGroupRow[], withMembers: boolean, from: Queryable = db) {
    const members = withMembers ? await scimStore.membersOfGroups(from, rows.map((r) => r.group_id)) : [];
    return rows.map((row) =>
      scimGroupResource(
        {
          displayName: row.name,
          externalId: row.external_id,
          members: withMembers ? members.filter((m) => m.group_id === row.group_id).map((m) => ({ value: m.user_id, display: m.display_name })) : null,
        },
        { id: row.group_id, created: new Date(row.created_at), lastModified: new Date(row.updated_at), version: row.version, location: location('Groups', row.group_id) },
      ),
    );
  }

  /** Deactivation takes effect at once: the account is suspended, its sessions end, its keys stop. */
  async function deactivate(t: Tx, orgId: string, userId: string) {
    await scimStore.setUserStatus(t, userId, 'suspended');
    const sessionsEnded = await store.revokeOtherSessions(t, userId, null, now());
    const apiKeysSuspended = await identity.apiKeys.suspendKeysCreatedBy(t, orgId, userId);
    return { sessionsEnded, apiKeysSuspended };
  }

  /** Reactivation restores the keys deactivation suspended; revoked keys stay revoked. */
  async function reactivate(t: Tx, orgId: string, userId: string) {
    await scimStore.setUserStatus(t, userId, 'active');
    return { apiKeysRestored: await identity.apiKeys.restoreKeysCreatedBy(t, orgId, userId) };
  }

  /**
   * An IdP may link an account that exists already only when the account is in no other
   * organization: otherwise one organization's IdP could suspend a user another one relies on.
   */
  async function accountFor(t: Tx, orgId: string, d: ScimUserData) {
    const email = primaryEmail(d);
    const existing = await store.findUserByEmail(t, email);
    if (!existing) {
      try {
        return await scimStore.insertSsoUser(t, { id: newId('user'), email, display_name: displayNameOf(d) });
      } catch (error) {
        if (isUniqueViolation(error)) throw scimErrors.uniqueness(`An account for ${email} exists.`);
        throw error;
      }
    }
    if (existing.platform_admin) throw scimErrors.uniqueness(`${email} is a platform administrator; those are not provisioned by SCIM.`);
    const orgs = await deps.services.tenancy.organizationsOfUser(existing.id);
    if (orgs.some((o) => o !== orgId)) throw scimErrors.uniqueness(`${email} belongs to another organization; invite the account instead.`);
    if (await scimStore.findScimUser(t, orgId, existing.id)) throw scimErrors.uniqueness(`${email} is provisioned already.`);
    return existing;
  }

  async function writeUser(t: Tx, orgId: string, before: scimStore.ScimUserRow, d: ScimUserData) {
    let row: scimStore.ScimUserRow;
    try {
      row = await scimStore.updateScimUser(t, orgId, before.user_id, columnsOf(d));
      // The account's e-mail and name follow the IdP only while the account is this org's alone.
      const orgs = await deps.services.tenancy.organizationsOfUser(before.user_id);
      if (orgs.length === 1 && orgs[0] === orgId) await scimStore.updateUserProfile(t, before.user_id, primaryEmail(d), displayNameOf(d));
    } catch (error) {
      if (isUniqueViolation(error)) throw scimErrors.uniqueness(`userName ${d.userName} or its e-mail is taken.`);
      throw error;
    }
    return row;
  }

  async function changeUser(p: Principal, userId: string, expectedVersion: number | undefined, next: (current: scimStore.ScimUserRow) => ScimUserData) {
    const orgId = orgOf(p);
    return tx(async (t) => {
      const before = await scimStore.lockScimUser(t, orgId, userId);
      if (!before) throw scimErrors.notFound('User', userId);
      checkVersion(expectedVersion, before.version);
      const d = next(before);
      const row = await writeUser(t, orgId, before, d);
      let action = 'user:update';
      let effects: object = {};
      if (before.active && !d.active) {
        action = 'user:deactivate';
        effects = await deactivate(t, orgId, userId);
      } else if (!before.active && d.active) {
        action = 'user:reactivate';
        effects = await reactivate(t, orgId, userId);
      }
      await recordAudit(t, p, { action, orgId, target: { type: 'user', id: userId, name: d.userName }, before: auditSummary(dataOf(before)), after: { ...auditSummary(d), ...effects } });
      return userResource(row);
    });
  }

  // ---- groups ----

  async function requireProvisionedUsers(t: Tx, orgId: string, ids: string[]) {
    const unique = [...new Set(ids)];
    const known = new Set(await scimStore.existingScimUserIds(t, orgId, unique));
    const unknown = unique.filter((id) => !known.has(id));
    if (unknown.length > 0) throw scimErrors.invalidValue(`No provisioned user ${unknown.slice(0, 5).join(', ')} in this organization.`);
    return unique;
  }

  async function renameGroup(t: Tx, orgId: string, groupId: string, name: string) {
    try {
      await store.updateGroup(t, orgId, groupId, undefined, { name });
    } catch (error) {
      if (isUniqueViolation(error)) throw scimErrors.uniqueness(`A group named ${name} exists.`);
      throw error;
    }
  }

  const memberValues = (value: unknown, where: string): string[] => {
    const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
    return list.map((m) => {
      const v = typeof m === 'string' ? m : (m as { value?: unknown } | null)?.value;
      if (typeof v !== 'string' || v.length === 0 || v.length > 64) throw scimErrors.invalidValue(`${where}: members need a value (the user id).`);
      return v;
    });
  };

  /** What a group PATCH changes, worked out from its operations before anything is written. */
  interface GroupChange {
    name?: string;
    externalId?: string | null;
    add: Set<string>;
    remove: Set<string>;
    replaceMembers?: string[];
    removeWhere: Filter[];
  }

  function applyGroupOperation(change: GroupChange, o: PatchOperation, i: number) {
    const where = `Operations[${i}]`;
    const setMembers = (ids: string[]) => {
      if (o.op === 'replace') {
        change.replaceMembers = ids;
        change.add.clear();
        change.remove.clear();
      } else {
        for (const id of ids) {
          (o.op === 'add' ? change.add : change.remove).add(id);
          (o.op === 'add' ? change.remove : change.add).delete(id);
        }
      }
    };
    if (!o.path) {
      if (!o.value || typeof o.value !== 'object' || Array.isArray(o.value)) throw scimErrors.invalidValue(`${where}: without a path, value must be an object.`);
      for (const [key, v] of Object.entries(o.value)) applyGroupOperation(change, { op: o.op, path: key, value: v }, i);
      return;
    }
    const path = o.path.toLowerCase().replace(/^urn:ietf:params:scim:schemas:core:2\.0:group:/, '');
    if (path === 'displayname') {
      if (o.op === 'remove' || typeof o.value !== 'string' || o.value.trim() === '' || o.value.length > 100) throw scimErrors.invalidValue(`${where}: displayName must be a non-empty string.`);
      change.name = o.value.trim();
    } else if (path === 'externalid') {
      change.externalId = o.op === 'remove' || typeof o.value !== 'string' ? null : o.value;
    } else if (path === 'members') {
      if (o.op === 'remove' && o.value === undefined) {
        change.replaceMembers = [];
        change.add.clear();
        change.remove.clear();
      } else {
        setMembers(memberValues(o.value, where));
      }
    } else if (path.startsWith('members[')) {
      if (o.op !== 'remove') throw scimErrors.invalidPath(`${where}: only remove takes a filtered members path.`);
      let parsed: Filter;
      try {
        parsed = parseScimFilter(o.path);
      } catch {
        throw new ScimError(400, 'invalidFilter', `${where}: ${o.path} is not a valid path.`);
      }
      if (parsed.op !== '[]') throw scimErrors.invalidPath(`${where}: ${o.path} is not a valid path.`);
      change.removeWhere.push((parsed as { valFilter: Filter }).valFilter);
    } else if (path === 'id' || path === 'schemas' || path === 'meta') {
      // Entra ID echoes read-only attributes in path-less replaces; they change nothing.
    } else {
      throw scimErrors.invalidPath(`${where}: ${o.path} is not an attribute of a group.`);
    }
  }

  /**
   * Member changes lock the group row first, so concurrent PATCHes (Entra ID sends them in
   * parallel) apply one after another and none is lost. Returns the group for PUT, null for PATCH (204).
   */
  async function patchGroup(p: Principal, groupId: string, expectedVersion: number | undefined, body: unknown, returnResource = false) {
    const orgId = orgOf(p);
    const change: GroupChange = { add: new Set(), remove: new Set(), removeWhere: [] };
    parsePatch(body).forEach((o, i) => applyGroupOperation(change, o, i));
    const touched: string[] = [];
    const result = await tx(async (t) => {
      const before = await scimStore.lockScimGroup(t, orgId, groupId);
      if (!before) throw scimErrors.notFound('Group', groupId);
      checkVersion(expectedVersion, before.version);
      if (change.name !== undefined && change.name !== before.name) await renameGroup(t, orgId, groupId, change.name);
      let added: string[] = [];
      let removed: string[] = [];
      if (change.replaceMembers) {
        const wanted = new Set(await requireProvisionedUsers(t, orgId, change.replaceMembers));
        const current = await store.memberIdsOfGroup(t, orgId, groupId);
        removed = await scimStore.removeMembers(t, orgId, groupId, current.filter((id) => !wanted.has(id)));
        added = await scimStore.addMembers(t, orgId, groupId, [...wanted]);
      }
      if (change.removeWhere.length > 0) {
        const current = await store.memberIdsOfGroup(t, orgId, groupId);
        const matches = current.filter((id) => change.removeWhere.some((f) => scimFilterTester(f)({ value: id })));
        removed.push(...(await scimStore.removeMembers(t, orgId, groupId, matches)));
      }
      removed.push(...(await scimStore.removeMembers(t, orgId, groupId, [...change.remove])));
      added.push(...(await scimStore.addMembers(t, orgId, groupId, await requireProvisionedUsers(t, orgId, [...change.add]))));
      const externalId = change.externalId !== undefined ? change.externalId : before.external_id;
      const row = await scimStore.touchScimGroup(t, orgId, groupId, externalId);
      touched.push(...added, ...removed);
      await identity.groups.announceMemberships(t, orgId, touched);
      const name = change.name ?? before.name;
      await recordAudit(t, p, {
        action: 'group:update',
        orgId,
        target: { type: 'group', id: groupId, name },
        before: { displayName: before.name, externalId: before.external_id },
        after: { displayName: name, externalId, membersAdded: added, membersRemoved: removed },
      });
      if (!returnResource) return null;
      return (await groupResources([{ ...row, name }], true, t))[0]!;
    });
    identity.groups.forgetMemberships(orgId, touched);
    return result;
  }

  return {
    // ---- users ----

    async createUser(p: Principal, body: unknown) {
      const orgId = orgOf(p);
      const d = parseScimUser(body);
      return tx(async (t) => {
        const account = await accountFor(t, orgId, d);
        let row: scimStore.ScimUserRow;
        try {
          row = await scimStore.insertScimUser(t, orgId, account.id, columnsOf(d));
        } catch (error) {
          if (isUniqueViolation(error)) throw scimErrors.uniqueness(`userName ${d.userName} is taken.`);
          throw error;
        }
        await deps.services.tenancy.addMemberUnchecked(t, orgId, account.id);
        // A new account is active already; a linked one may have been suspended before.
        const linked = account.status !== 'active';
        const effects = d.active ? (linked ? await reactivate(t, orgId, account.id) : {}) : await deactivate(t, orgId, account.id);
        await recordAudit(t, p, { action: 'user:provision', orgId, target: { type: 'user', id: account.id, name: d.userName }, after: { ...auditSummary(d), ...(d.active ? {} : effects) } });
        return userResource(row);
      });
    },

    async getUser(p: Principal, userId: string) {
      const row = await scimStore.findScimUser(db, orgOf(p), userId);
      if (!row) throw scimErrors.notFound('User', userId);
      return userResource(row);
    },

    async listUsers(p: Principal, query: ListQuery) {
      const orgId = orgOf(p);
      const where = query.filter ? scimFilterToSql(query.filter, userAttributes) : null;
      const { offset, limit } = page(query);
      const result = await scimStore.listScimUsers(db, orgId, where, offset, limit);
      return listResponse(result.total, query.startIndex, result.rows.map(userResource));
    },

    /** PUT: the body is the whole new representation (Okta updates this way). */
    async replaceUser(p: Principal, userId: string, expectedVersion: number | undefined, body: unknown) {
      const d = parseScimUser(body);
      return changeUser(p, userId, expectedVersion, () => d);
    },

    /** PATCH, applied with scim-patch to the current representation, then validated whole. */
    async patchUser(p: Principal, userId: string, expectedVersion: number | undefined, body: unknown) {
      const operations = parsePatch(body) as ScimPatchOperation[];
      return changeUser(p, userId, expectedVersion, (current) => {
        let patched: unknown;
        try {
          patched = scimPatch(userResource(current) as unknown as ScimResource, operations, { mutateDocument: false, treatMissingAsAdd: true });
        } catch (error) {
          translatePatchError(error);
        }
        return parseScimUser(patched);
      });
    },

    /** Idempotent: deleting a user that is not (or no longer) provisioned succeeds too. */
    async deleteUser(p: Principal, userId: string) {
      const orgId = orgOf(p);
      await tx(async (t) => {
        const before = await scimStore.lockScimUser(t, orgId, userId);
        if (!before) return;
        await scimStore.deleteScimUser(t, orgId, userId);
        await deps.services.tenancy.removeMemberUnchecked(t, orgId, userId);
        // The account stays (its history is in the audit log); with no organization left it cannot sign in anywhere useful.
        const remaining = await deps.services.tenancy.organizationsOfUser(userId);
        const sessionsEnded = remaining.length === 0 ? await store.revokeOtherSessions(t, userId, null, now()) : 0;
        await recordAudit(t, p, { action: 'user:deprovision', orgId, target: { type: 'user', id: userId, name: before.user_name }, before: auditSummary(dataOf(before)), after: { sessionsEnded } });
      });
    },

    // ---- groups ----

    async createGroup(p: Principal, body: unknown) {
      const orgId = orgOf(p);
      const g = parseScimGroup(body);
      const groupId = newId('group');
      let added: string[] = [];
      const resource = await tx(async (t) => {
        try {
          await store.insertGroup(t, { id: groupId, org_id: orgId, name: g.displayName, description: 'Provisioned by SCIM' });
        } catch (error) {
          if (isUniqueViolation(error)) throw scimErrors.uniqueness(`A group named ${g.displayName} exists.`);
          throw error;
        }
        await scimStore.insertScimGroup(t, { org_id: orgId, group_id: groupId, external_id: g.externalId });
        added = await scimStore.addMembers(t, orgId, groupId, await requireProvisionedUsers(t, orgId, g.members ?? []));
        await identity.groups.announceMemberships(t, orgId, added);
        await recordAudit(t, p, { action: 'group:provision', orgId, target: { type: 'group', id: groupId, name: g.displayName }, after: { displayName: g.displayName, externalId: g.externalId, members: added.length } });
        const row = await scimStore.findScimGroup(t, orgId, groupId);
        return (await groupResources([row!], true, t))[0]!;
      });
      identity.groups.forgetMemberships(orgId, added);
      return resource;
    },

    async getGroup(p: Principal, groupId: string, excludeMembers: boolean) {
      const row = await scimStore.findScimGroup(db, orgOf(p), groupId);
      if (!row) throw scimErrors.notFound('Group', groupId);
      return (await groupResources([row], !excludeMembers))[0]!;
    },

    async listGroups(p: Principal, query: ListQuery) {
      const orgId = orgOf(p);
      const where = query.filter ? scimFilterToSql(query.filter, groupAttributes) : null;
      const { offset, limit } = page(query);
      const result = await scimStore.listScimGroups(db, orgId, where, offset, limit);
      return listResponse(result.total, query.startIndex, await groupResources(result.rows, !query.excludeMembers));
    },

    async replaceGroup(p: Principal, groupId: string, expectedVersion: number | undefined, body: unknown) {
      const g = parseScimGroup(body);
      const ops: PatchOperation[] = [
        { op: 'replace', path: 'displayName', value: g.displayName },
        { op: 'replace', path: 'externalId', value: g.externalId ?? undefined },
        { op: 'replace', path: 'members', value: (g.members ?? []).map((value) => ({ value })) },
      ];
      return patchGroup(p, groupId, expectedVersion, { Operations: ops }, true);
    },

    patchGroup,

    /** Idempotent, like user deletion. The group's role bindings go with it. */
    async deleteGroup(p: Principal, groupId: string) {
      const orgId = orgOf(p);
      const members: string[] = [];
      await tx(async (t) => {
        const before = await scimStore.lockScimGroup(t, orgId, groupId);
        if (!before) return;
        members.push(...(await store.memberIdsOfGroup(t, orgId, groupId)));
        await deps.services.access.revokeSubject(t, orgId, { type: 'group', id: groupId });
        await store.deleteGroup(t, orgId, groupId);
        await identity.groups.announceMemberships(t, orgId, members);
        await recordAudit(t, p, { action: 'group:deprovision', orgId, target: { type: 'group', id: groupId, name: before.name }, before: { displayName: before.name, externalId: before.external_id, members: members.length } });
      });
      identity.groups.forgetMemberships(orgId, members);
    },
  };
}
