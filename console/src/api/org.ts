import { useParams } from 'react-router';

const LAST_ORG_KEY = 'hexaplane.org';

/** The organization of the current page (routes under /orgs/:orgId). */
export function useOrgId(): string {
  const { orgId } = useParams();
  if (!orgId) throw new Error('useOrgId used outside /orgs/:orgId');
  return orgId;
}

export function rememberOrg(orgId: string): void {
  try {
    window.localStorage.setItem(LAST_ORG_KEY, orgId);
  } catch {
    // not remembering is fine
  }
}

export function lastOrg(): string | null {
  try {
    return window.localStorage.getItem(LAST_ORG_KEY);
  } catch {
    return null;
  }
}
