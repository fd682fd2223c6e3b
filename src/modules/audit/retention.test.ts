import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  isHoldActive,
  mayDelete,
  mayDropPartition,
  partitionCandidates,
  partitionRange,
  planRetention,
  RETENTION_DEFAULTS,
  seqRanges,
  type LegalHold,
  type OrgRetention,
  type RetentionLog,
} from './retention.ts';

const ORGS = ['org_a', 'org_b', 'org_c'];
const WORKSPACES = ['ws_1', 'ws_2', 'ws_3'];
const NOW = Date.UTC(2027, 5, 15);

const days = fc.integer({ min: 1, max: 800 });
const settingsArb: fc.Arbitrary<OrgRetention[]> = fc
  .uniqueArray(
    fc.record({
      orgId: fc.constantFrom(...ORGS),
      auditDays: days,
      accessLogDays: days,
      workspaces: fc.uniqueArray(
        fc.record({ workspaceId: fc.constantFrom(...WORKSPACES), auditDays: fc.option(days, { nil: null }), accessLogDays: fc.option(days, { nil: null }) }),
        { selector: (w) => w.workspaceId, maxLength: 3 },
      ),
    }),
    { selector: (s) => s.orgId, maxLength: 3 },
  );
const time = (spanDays: number) => fc.integer({ min: NOW - spanDays * DAY_MS, max: NOW + 30 * DAY_MS }).map((t) => new Date(t));
const holdArb: fc.Arbitrary<LegalHold> = fc.record({
  id: fc.stringMatching(/^hold_[a-z]{4}$/),
  orgId: fc.constantFrom(...ORGS),
  scope: fc.oneof(fc.constant({ type: 'organization' as const, id: 'x' }), fc.constantFrom(...WORKSPACES).map((id) => ({ type: 'workspace' as const, id }))),
  until: fc.option(time(60), { nil: null }),
  releasedAt: fc.option(time(60), { nil: null }),
});
const recordArb = fc.record({
  orgId: fc.constantFrom(...ORGS),
  workspaceId: fc.option(fc.constantFrom(...WORKSPACES), { nil: null }),
  at: time(900),
  sealed: fc.boolean(),
});
const logArb = fc.constantFrom<RetentionLog>('audit', 'accessLog');

function applicableDays(settings: OrgRetention[], log: RetentionLog, orgId: string, workspaceId: string | null): number {
  const own = settings.find((s) => s.orgId === orgId);
  const ws = own?.workspaces.find((w) => w.workspaceId === workspaceId);
  const pick = (x: { auditDays: number | null; accessLogDays: number | null } | undefined) => (x ? (log === 'audit' ? x.auditDays : x.accessLogDays) : null);
  return pick(ws) ?? pick(own) ?? (log === 'audit' ? RETENTION_DEFAULTS.auditDays : RETENTION_DEFAULTS.accessLogDays);
}

function heldBy(holds: LegalHold[], now: Date, orgId: string, workspaceId: string | null): boolean {
  return holds.some((h) => isHoldActive(h, now) && h.orgId === orgId && (h.scope.type === 'organization' || h.scope.id === workspaceId));
}

describe('mayDelete', () => {
  it('deletes exactly what is past its applicable retention, unheld, and (audit) sealed', () => {
    fc.assert(
      fc.property(logArb, settingsArb, fc.array(holdArb, { maxLength: 4 }), recordArb, (log, settings, holds, record) => {
        const now = new Date(NOW);
        const plan = planRetention({ log, now, settings, holds });
        const expected =
          (log === 'accessLog' || record.sealed) &&
          !heldBy(holds, now, record.orgId, record.workspaceId) &&
          record.at.getTime() < NOW - applicableDays(settings, log, record.orgId, record.workspaceId) * DAY_MS;
        expect(mayDelete(plan, record)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('never deletes anything an active hold covers, whatever the settings', () => {
    fc.assert(
      fc.property(logArb, settingsArb, holdArb, recordArb, (log, settings, hold, record) => {
        const now = new Date(NOW);
        const active = { ...hold, orgId: record.orgId, releasedAt: null, until: null };
        const covering: LegalHold = record.workspaceId && hold.scope.type === 'workspace'
          ? { ...active, scope: { type: 'workspace', id: record.workspaceId } }
          : { ...active, scope: { type: 'organization', id: record.orgId } };
        expect(mayDelete(planRetention({ log, now, settings, holds: [covering] }), record)).toBe(false);
      }),
    );
  });

  it('only ever deletes more as time passes (with no new holds)', () => {
    fc.assert(
      fc.property(logArb, settingsArb, fc.array(holdArb, { maxLength: 3 }), recordArb, fc.integer({ min: 0, max: 400 }), (log, settings, holds, record, later) => {
        const before = mayDelete(planRetention({ log, now: new Date(NOW), settings, holds }), record);
        const after = mayDelete(planRetention({ log, now: new Date(NOW + later * DAY_MS), settings, holds }), record);
        expect(!before || after).toBe(true);
      }),
    );
  });

  it('never deletes audit events that are not sealed or have no organization', () => {
    const plan = planRetention({ log: 'audit', now: new Date(NOW), settings: [], holds: [] });
    const old = new Date(NOW - 1000 * DAY_MS);
    expect(mayDelete(plan, { orgId: 'org_a', workspaceId: null, at: old, sealed: false })).toBe(false);
    expect(mayDelete(plan, { orgId: null, workspaceId: null, at: old, sealed: true })).toBe(false);
    expect(mayDelete(plan, { orgId: 'org_a', workspaceId: null, at: old, sealed: true })).toBe(true);
  });
});

describe('mayDropPartition', () => {
  const partitionArb = fc.record({
    fromDays: fc.integer({ min: 0, max: 900 }),
    lengthDays: fc.constantFrom(1, 28, 30, 31),
    contents: fc.array(fc.record({ orgId: fc.constantFrom(...ORGS), workspaceId: fc.option(fc.constantFrom(...WORKSPACES), { nil: null }) }), { minLength: 1, maxLength: 5 }),
    allSealed: fc.boolean(),
  });

  it('drops a partition only if every record it could hold may be deleted one by one', () => {
    fc.assert(
      fc.property(logArb, settingsArb, fc.array(holdArb, { maxLength: 4 }), partitionArb, fc.double({ min: 0, max: 0.999999, noNaN: true }), (log, settings, holds, p, offset) => {
        const plan = planRetention({ log, now: new Date(NOW), settings, holds });
        const from = new Date(NOW - p.fromDays * DAY_MS);
        const to = new Date(from.getTime() + p.lengthDays * DAY_MS);
        if (!mayDropPartition(plan, { name: 'p', from, to, contents: p.contents, allSealed: p.allSealed })) return;
        // Any instant in the partition, for any (org, workspace) in it, with the partition's sealing.
        const at = new Date(from.getTime() + Math.floor(offset * (to.getTime() - from.getTime())));
        for (const c of p.contents) expect(mayDelete(plan, { ...c, at, sealed: p.allSealed })).toBe(true);
        expect(to.getTime()).toBeLessThanOrEqual(NOW);
      }),
      { numRuns: 2000 },
    );
  });

  it('drops every examined partition that no hold touches (the examined ones end before every cutoff)', () => {
    fc.assert(
      fc.property(logArb, settingsArb, partitionArb, (log, settings, p) => {
        const plan = planRetention({ log, now: new Date(NOW), settings, holds: [] });
        const from = new Date(NOW - p.fromDays * DAY_MS);
        const part = { name: 'p', from, to: new Date(from.getTime() + p.lengthDays * DAY_MS), contents: p.contents, allSealed: true };
        // Rows of a partition that is not examined still go, row by row.
        if (partitionCandidates(plan, [part]).length === 1) expect(mayDropPartition(plan, part)).toBe(true);
      }),
    );
  });

  it('keeps an audit partition with unsealed events', () => {
    const plan = planRetention({ log: 'audit', now: new Date(NOW), settings: [], holds: [] });
    const part = { name: 'p', from: new Date(NOW - 900 * DAY_MS), to: new Date(NOW - 870 * DAY_MS), contents: [{ orgId: 'org_a', workspaceId: null }] };
    expect(mayDropPartition(plan, { ...part, allSealed: true })).toBe(true);
    expect(mayDropPartition(plan, { ...part, allSealed: false })).toBe(false);
  });
});

describe('seqRanges', () => {
  it('covers exactly the given seqs with sorted, disjoint, non-adjacent ranges', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 120 }), (seqs) => {
        const ranges = seqRanges(seqs);
        const covered = ranges.flatMap((r) => Array.from({ length: r.toSeq - r.fromSeq + 1 }, (_, i) => r.fromSeq + i));
        expect(covered).toEqual([...new Set(seqs)].sort((a, b) => a - b));
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.fromSeq).toBeGreaterThan(ranges[i - 1]!.toSeq + 1);
      }),
    );
  });
});

describe('partitionRange', () => {
  it('reads monthly audit and daily access log partition names', () => {
    expect(partitionRange('audit_events_202602')).toEqual({ from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') });
    expect(partitionRange('audit_events_202612')?.to).toEqual(new Date('2027-01-01T00:00:00Z'));
    expect(partitionRange('access_log_20261231')).toEqual({ from: new Date('2026-12-31T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') });
    expect(partitionRange('audit_events_default')).toBeNull();
    expect(partitionRange('access_log_default')).toBeNull();
  });
});
