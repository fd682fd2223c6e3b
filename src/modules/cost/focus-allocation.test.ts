import { describe, expect, it } from 'vitest';
import type { Directory } from './allocation-input.ts';
import { addBillCosts, billGroup, type AllocationResult } from './focus-allocation.ts';

const dir: Directory = { workspaces: [{ id: 'ws_a', name: 'A', slug: 'a', labels: { 'cost-center': 'cc-1' } as Record<string, string> }, { id: 'ws_b', name: 'B', slug: 'b', labels: {} }], projects: [{ id: 'prj_x', name: 'X', workspaceId: 'ws_a' }] };
const teamOf = (ws: string) => dir.workspaces.find((w) => w.id === ws)?.labels['cost-center'] ?? null;

function base(): AllocationResult {
  return {
    total: { total: 100, groups: [{ key: 'ws_a', name: 'A', direct: 100, idle: 0, shared: 0, total: 100 }, { key: 'unallocated', name: 'Unallocated', direct: 0, idle: 0, shared: 0, total: 0 }] },
    days: [{ day: '2026-03-02', total: 100, groups: { ws_a: 100, unallocated: 0 } }],
  };
}

describe('bill lines in the allocation', () => {
  it('groups a line by workspace, project or team, and otherwise as unallocated', () => {
    const line = { workspaceId: 'ws_a', projectId: 'prj_x' };
    expect(billGroup('workspace', line, teamOf)).toBe('ws_a');
    expect(billGroup('project', line, teamOf)).toBe('prj_x');
    expect(billGroup('team', line, teamOf)).toBe('cc-1');
    expect(billGroup('team', { workspaceId: 'ws_b', projectId: null }, teamOf)).toBe('unallocated');
    expect(billGroup('label:app', line, teamOf)).toBe('unallocated');
    expect(billGroup('workspace', { workspaceId: null, projectId: null }, teamOf)).toBe('unallocated');
  });

  it('adds direct cost to existing and new groups and to local days, totals staying the sums of their parts', () => {
    const r = base();
    addBillCosts(r, [
      { chargeStart: new Date('2026-03-01T23:30:00Z'), workspaceId: 'ws_b', projectId: null, costMicros: 7n },
      { chargeStart: new Date('2026-03-01T10:00:00Z'), workspaceId: 'ws_a', projectId: null, costMicros: -3n },
      { chargeStart: new Date('2026-03-01T10:00:00Z'), workspaceId: null, projectId: null, costMicros: 5n },
    ], { groupBy: 'workspace', dir, dayZone: 'Europe/Berlin', teamOf });
    expect(r.total.total).toBe(109);
    expect(r.total.groups).toEqual([
      { key: 'ws_a', name: 'A', direct: 97, idle: 0, shared: 0, total: 97 },
      { key: 'ws_b', name: 'B', direct: 7, idle: 0, shared: 0, total: 7 },
      { key: 'unallocated', name: 'Unallocated', direct: 5, idle: 0, shared: 0, total: 5 },
    ]);
    // 23:30 UTC on 1 March is 00:30 on 2 March in Berlin.
    expect(r.days).toEqual([
      { day: '2026-03-01', total: 2, groups: { ws_a: -3, unallocated: 5 } },
      { day: '2026-03-02', total: 107, groups: { ws_a: 100, unallocated: 0, ws_b: 7 } },
    ]);
    expect(r.total.groups.reduce((s, g) => s + g.total, 0)).toBe(r.total.total);
  });
});
