import { recordAudit } from '../../kernel/audit.ts';
import { newPrincipal, type Principal, type Resource } from '../../kernel/authz.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems, type FieldError } from '../../kernel/http/problems.ts';
import { newId } from '../../kernel/ids.ts';
import type { ModuleDeps } from '../deps.ts';
import {
  isHoldActive,
  RETENTION_DEFAULTS,
  RETENTION_MINIMUMS,
  type RetentionDays,
} from './retention.ts';
import type {
  CreateLegalHoldInput,
  LegalHoldView,
  PutRetentionInput,
  RetentionRunView,
  RetentionSettingsView,
} from './retention-schemas.ts';
import * as store from './retention-store.ts';

function orgResource(orgId: string): Resource {
  return { type: 'organization', id: orgId, orgId };
}

/** The least an organization may set. Compliance packs will raise these per organization. */
export function retentionMinimums(_orgId: string): RetentionDays {
  return RETENTION_MINIMUMS;
}

function settingsView(orgId: string, found: Awaited<ReturnType<typeof store.findSettings>>): RetentionSettingsView {
  return {
    orgId,
    auditDays: found?.row.audit_days ?? RETENTION_DEFAULTS.auditDays,
    accessLogDays: found?.row.access_log_days ?? RETENTION_DEFAULTS.accessLogDays,
    workspaces: (found?.workspaces ?? []).map((w) => ({ workspaceId: w.workspace_id, auditDays: w.audit_days, accessLogDays: w.access_log_days })),
    defaults: RETENTION_DEFAULTS,
    minimums: retentionMinimums(orgId),
    version: found?.row.version ?? 0,
    updatedAt: found ? new Date(found.row.updated_at).toISOString() : null,
  };
}

export function holdView(row: store.HoldRow, now: Date): LegalHoldView {
  const hold = store.holdOf(row);
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    reason: row.reason,
    scope: { type: row.scope_type, id: row.scope_id },
    until: row.until ? new Date(row.until).toISOString() : null,
    status: row.released_at ? 'released' : isHoldActive(hold, now) ? 'active' : 'expired',
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    releasedAt: row.released_at ? new Date(row.released_at).toISOString() : null,
    releasedBy: row.released_by,
    releaseReason: row.release_reason,
    version: row.version,
  };
}

type RunRow = Awaited<ReturnType<typeof store.listRunsOfOrg>>[number];

function runView(row: RunRow): RetentionRunView {
  return {
    id: row.id,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
    dryRun: row.dry_run,
    status: row.status,
    auditPurged: Number(row.audit_purged),
    auditRanges: row.audit_ranges,
    auditBefore: row.audit_before ? new Date(row.audit_before).toISOString() : null,
    accessLogDeleted: Number(row.access_log_deleted),
    heldBy: row.held_by,
    eventId: row.event_id,
  };
}

/** The actor of what retention itself does. */
export const retentionPrincipal: Principal = newPrincipal({ kind: 'system', id: 'retention', displayName: 'Retention' });

export type RetentionService = ReturnType<typeof createRetentionService>;

export function createRetentionService(deps: ModuleDeps) {
  const { db, authz, clock } = deps;

  async function checkWorkspace(orgId: string, workspaceId: string, field: string): Promise<FieldError | null> {
    const ws = await deps.services.tenancy.findWorkspace(orgId, workspaceId);
    return ws ? null : { field, message: 'is not a workspace of this organization' };
  }

  async function checkSettings(orgId: string, input: PutRetentionInput): Promise<void> {
    const min = retentionMinimums(orgId);
    const errors: FieldError[] = [];
    const below = (days: number | null | undefined, least: number, field: string) => {
      if (days !== null && days !== undefined && days < least) errors.push({ field, message: `must be at least ${least} days` });
    };
    below(input.auditDays, min.auditDays, 'body.auditDays');
    below(input.accessLogDays, min.accessLogDays, 'body.accessLogDays');
    const seen = new Set<string>();
    for (const [i, ws] of input.workspaces.entries()) {
      below(ws.auditDays, min.auditDays, `body.workspaces.${i}.auditDays`);
      below(ws.accessLogDays, min.accessLogDays, `body.workspaces.${i}.accessLogDays`);
      if (seen.has(ws.workspaceId)) errors.push({ field: `body.workspaces.${i}.workspaceId`, message: 'is listed twice' });
      seen.add(ws.workspaceId);
    }
    if (errors.length) throw problems.validation(errors);
    for (const [i, ws] of input.workspaces.entries()) {
      const error = await checkWorkspace(orgId, ws.workspaceId, `body.workspaces.${i}.workspaceId`);
      if (error) throw problems.validation([error]);
    }
  }

  return {
    async getSettings(p: Principal, orgId: string): Promise<RetentionSettingsView> {
      await authz.require(p, 'retention:read', orgResource(orgId));
      return settingsView(orgId, await store.findSettings(db, orgId));
    },

    async putSettings(p: Principal, orgId: string, expectedVersion: number | undefined, input: PutRetentionInput): Promise<RetentionSettingsView> {
      await authz.require(p, 'retention:update', orgResource(orgId));
      await checkSettings(orgId, input);
      return db.transaction().execute(async (tx) => {
        await store.lockAgainstDeletion(tx);
        const before = settingsView(orgId, await store.findSettings(tx, orgId));
        const saved = await store.saveSettings(
          tx,
          { orgId, auditDays: input.auditDays, accessLogDays: input.accessLogDays, updatedBy: p.id, at: clock.now(), expectedVersion },
          input.workspaces.map((w) => ({ workspaceId: w.workspaceId, auditDays: w.auditDays ?? null, accessLogDays: w.accessLogDays ?? null })),
        );
        if (!saved) throw problems.preconditionFailed();
        const after = settingsView(orgId, await store.findSettings(tx, orgId));
        await recordAudit(tx, p, {
          action: 'retention:update',
          orgId,
          target: { type: 'retention-settings', id: orgId },
          before: { auditDays: before.auditDays, accessLogDays: before.accessLogDays, workspaces: before.workspaces },
          after: { auditDays: after.auditDays, accessLogDays: after.accessLogDays, workspaces: after.workspaces },
        });
        return after;
      });
    },

    async listHolds(p: Principal, orgId: string, query: PageQuery & { status?: 'active' | 'expired' | 'released' }): Promise<Page<LegalHoldView>> {
      await authz.require(p, 'legal-hold:read', orgResource(orgId));
      const now = clock.now();
      const rows = await store.listHolds(db, orgId, query, now, decodeCursor(query.cursor), query.limit);
      const page = toPage(rows, query.limit);
      return { items: page.items.map((row) => holdView(row, now)), nextCursor: page.nextCursor };
    },

    async getHold(p: Principal, orgId: string, holdId: string): Promise<LegalHoldView> {
      await authz.require(p, 'legal-hold:read', orgResource(orgId));
      const row = await store.findHold(db, orgId, holdId);
      if (!row) throw problems.notFound('legal hold', holdId);
      return holdView(row, clock.now());
    },

    async createHold(p: Principal, orgId: string, input: CreateLegalHoldInput): Promise<LegalHoldView> {
      await authz.require(p, 'legal-hold:create', orgResource(orgId));
      const now = clock.now();
      if (input.scope.type === 'organization' && input.scope.id !== orgId) {
        throw problems.validation([{ field: 'body.scope.id', message: 'must be this organization\'s id' }]);
      }
      if (input.scope.type === 'workspace') {
        const error = await checkWorkspace(orgId, input.scope.id, 'body.scope.id');
        if (error) throw problems.validation([error]);
      }
      const until = input.until ? new Date(input.until) : null;
      if (until && until.getTime() <= now.getTime()) throw problems.validation([{ field: 'body.until', message: 'must be in the future' }]);
      return db.transaction().execute(async (tx) => {
        // Waits for deletions in flight; every later one sees the hold.
        await store.lockAgainstDeletion(tx);
        const row = await store.insertHold(tx, {
          id: newId('legalHold'), org_id: orgId, name: input.name, reason: input.reason, scope_type: input.scope.type, scope_id: input.scope.id,
          until, created_at: now, created_by: p.id,
        });
        const view = holdView(row, now);
        await recordAudit(tx, p, {
          action: 'legal-hold:create',
          orgId,
          workspaceId: input.scope.type === 'workspace' ? input.scope.id : null,
          target: { type: 'legal-hold', id: row.id, name: row.name },
          after: view,
        });
        return view;
      });
    },

    async releaseHold(p: Principal, orgId: string, holdId: string, reason: string): Promise<LegalHoldView> {
      await authz.require(p, 'legal-hold:release', orgResource(orgId));
      const now = clock.now();
      return db.transaction().execute(async (tx) => {
        const before = await store.findHold(tx, orgId, holdId, true);
        if (!before) throw problems.notFound('legal hold', holdId);
        if (before.released_at) throw problems.conflict('already-released', `Legal hold ${holdId} was released already.`);
        const row = await store.releaseHold(tx, holdId, now, p.id, reason);
        const view = holdView(row, now);
        await recordAudit(tx, p, {
          action: 'legal-hold:release',
          orgId,
          workspaceId: row.scope_type === 'workspace' ? row.scope_id : null,
          target: { type: 'legal-hold', id: row.id, name: row.name },
          before: holdView(before, now),
          after: view,
        });
        return view;
      });
    },

    async listRuns(p: Principal, orgId: string, query: PageQuery): Promise<Page<RetentionRunView>> {
      await authz.require(p, 'retention:read', orgResource(orgId));
      const rows = await store.listRunsOfOrg(db, orgId, decodeCursor(query.cursor), query.limit);
      const page = toPage(rows, query.limit);
      return { items: page.items.map(runView), nextCursor: page.nextCursor };
    },
  };
}
