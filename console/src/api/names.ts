import { useGroups } from './identity.ts';
import { useMe } from './session.ts';
import { useMemberDirectory, useOrganizations, useProjectOptions, useWorkspaceOptions } from './tenancy.ts';
import type { Scope, Subject } from './types.ts';

/** Display names for the ids that bindings, keys and events carry; falls back to the id. */
export function useNames(orgId: string) {
  const members = useMemberDirectory(orgId);
  const groups = useGroups(orgId);
  const workspaces = useWorkspaceOptions(orgId);
  const projects = useProjectOptions(orgId);
  const orgs = useOrganizations();
  const me = useMe();

  // Someone without member:read (a workspace admin an SSO mapping made) still knows their own name.
  const userName = (id: string) => {
    const m = members.data?.find((x) => x.userId === id);
    if (m) return m.displayName || m.email;
    const self = me.data?.user;
    return self && self.id === id ? self.displayName || self.email : id;
  };
  const groupName = (id: string) => groups.data?.find((g) => g.id === id)?.name ?? id;
  const workspaceName = (id: string) => workspaces.data?.find((w) => w.id === id)?.name ?? id;
  const projectName = (id: string) => projects.data?.find((p) => p.id === id)?.name ?? id;
  const orgName = (id: string) => orgs.data?.items.find((o) => o.id === id)?.name ?? id;

  return {
    members: members.data ?? [],
    groups: groups.data ?? [],
    workspaces: workspaces.data ?? [],
    projects: projects.data ?? [],
    userName,
    groupName,
    workspaceName,
    projectName,
    subjectName: (s: Subject) => (s.type === 'user' ? userName(s.id) : groupName(s.id)),
    scopeName: (s: Scope) => (s.type === 'organization' ? orgName(s.id) : s.type === 'workspace' ? workspaceName(s.id) : projectName(s.id)),
  };
}

export type Names = ReturnType<typeof useNames>;
