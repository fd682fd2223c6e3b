import { Navigate } from 'react-router';
import { lastOrg } from '../api/org.ts';
import { useOrganizations } from '../api/tenancy.ts';
import { PageLoader } from '../components/PageLoader.tsx';
import { ProblemAlert } from '../components/ProblemAlert.tsx';

/** `/` opens the organization used last, or the first one, or the organization list. */
export function HomeRedirect() {
  const orgs = useOrganizations();
  if (orgs.isPending) return <PageLoader />;
  if (orgs.isError) return <ProblemAlert error={orgs.error} onRetry={() => void orgs.refetch()} />;
  const items = orgs.data.items;
  const remembered = lastOrg();
  const target = items.find((o) => o.id === remembered) ?? items[0];
  return <Navigate to={target ? `/orgs/${target.id}/workspaces` : '/orgs'} replace />;
}
