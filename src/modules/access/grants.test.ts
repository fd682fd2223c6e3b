import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ActionInfo } from '../../kernel/authz.ts';
import { GrantSet, reachContains, reachCovers, reachOf, type Reach } from './grants.ts';

const wsRead: ActionInfo = { name: 'workspace:read', scope: 'workspace', description: '' };
const prjRead: ActionInfo = { name: 'project:read', scope: 'project', description: '' };
const orgRes = { workspaceId: null, projectId: null };
const ws1 = { workspaceId: 'ws_1', projectId: null };
const ws2 = { workspaceId: 'ws_2', projectId: null };
const p1 = { workspaceId: 'ws_1', projectId: 'prj_1' };
const p2 = { workspaceId: 'ws_1', projectId: 'prj_2' };
const p3 = { workspaceId: 'ws_2', projectId: 'prj_3' };

describe('scope containment', () => {
  it('an organization binding contains everything in the org', () => {
    const reach = reachOf('organization', { type: 'organization', id: 'org_1' }, null);
    for (const r of [orgRes, ws1, p1, p3]) expect(reachContains(reach, r)).toBe(true);
  });

  it('a workspace contains itself and its projects, not the org or other workspaces', () => {
    const reach = reachOf('workspace', { type: 'workspace', id: 'ws_1' }, 'ws_1');
    expect([orgRes, ws1, ws2, p1, p2, p3].map((r) => reachContains(reach, r))).toEqual([false, true, false, true, true, false]);
  });

  it('a workspace role bound at the org applies in every workspace, not to the org itself', () => {
    const reach = reachOf('workspace', { type: 'organization', id: 'org_1' }, null);
    expect([orgRes, ws1, ws2, p3].map((r) => reachContains(reach, r))).toEqual([false, true, true, true]);
  });

  it('a project contains only itself', () => {
    const reach = reachOf('project', { type: 'project', id: 'prj_1' }, 'ws_1');
    expect([orgRes, ws1, p1, p2].map((r) => reachContains(reach, r))).toEqual([false, false, true, false]);
  });

  it('a project role bound at a workspace applies to its projects, not the workspace', () => {
    const reach = reachOf('project', { type: 'workspace', id: 'ws_1' }, 'ws_1');
    expect([ws1, p1, p2, p3].map((r) => reachContains(reach, r))).toEqual([false, true, true, false]);
  });

  it('covering is containment of reaches: whatever the inner reach contains, the outer does', () => {
    const reaches: Reach[] = [
      { level: 'organization' },
      { level: 'workspace', workspaceId: null },
      { level: 'workspace', workspaceId: 'ws_1' },
      { level: 'workspace', workspaceId: 'ws_2' },
      { level: 'project', workspaceId: null, projectId: null },
      { level: 'project', workspaceId: 'ws_1', projectId: null },
      { level: 'project', workspaceId: 'ws_1', projectId: 'prj_1' },
      { level: 'project', workspaceId: 'ws_2', projectId: 'prj_3' },
    ];
    const resources = [orgRes, ws1, ws2, p1, p2, p3];
    fc.assert(
      fc.property(fc.constantFrom(...reaches), fc.constantFrom(...reaches), (outer, inner) => {
        if (reachCovers(outer, inner)) {
          for (const r of resources) if (reachContains(inner, r)) expect(reachContains(outer, r)).toBe(true);
        }
      }),
    );
    expect(reachCovers({ level: 'workspace', workspaceId: 'ws_1' }, { level: 'workspace', workspaceId: null })).toBe(false);
    expect(reachCovers({ level: 'workspace', workspaceId: 'ws_1' }, { level: 'project', workspaceId: 'ws_1', projectId: 'prj_1' })).toBe(true);
  });
});

describe('grant sets', () => {
  const set = new GrantSet([
    { patterns: ['workspace:read', 'project:read'], roleScope: 'workspace', reach: { level: 'workspace', workspaceId: 'ws_1' }, source: 'role a' },
    { patterns: ['project:read'], roleScope: 'project', reach: { level: 'project', workspaceId: 'ws_2', projectId: 'prj_3' }, source: 'role b' },
  ]);

  it('finds the grant that allows an action on a resource', () => {
    expect(set.allowing(prjRead, p3)?.source).toBe('role b');
    expect(set.allowing(prjRead, p1)?.source).toBe('role a');
    expect(set.allowing(wsRead, ws2)).toBeNull();
  });

  it('turns grants into list filters', () => {
    expect(set.visibility(wsRead)).toEqual({ all: false, workspaceIds: ['ws_1'], projectIds: [] });
    expect(set.visibility(prjRead)).toEqual({ all: false, workspaceIds: ['ws_1'], projectIds: ['prj_3'] });
    const everywhere = new GrantSet([{ patterns: ['*:read'], roleScope: 'workspace', reach: { level: 'workspace', workspaceId: null }, source: 'x' }]);
    expect(everywhere.visibility(wsRead)).toEqual({ all: true });
  });
});
