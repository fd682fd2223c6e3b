import { Suspense, lazy, type ComponentType } from 'react';
import { Navigate, createBrowserRouter } from 'react-router';
import { AppLayout } from './components/AppLayout.tsx';
import { PageLoader } from './components/PageLoader.tsx';
import { RequireSession } from './components/RequireSession.tsx';
import { HomeRedirect } from './pages/HomeRedirect.tsx';
import { SignInPage } from './pages/SignInPage.tsx';

/** Pages load on first visit, so signing in does not download the whole console. */
function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  const Component = lazy(async () => {
    const module: Record<K, ComponentType> = await load();
    const loaded: ComponentType = module[name];
    return { default: loaded };
  });
  return (
    <Suspense fallback={<PageLoader />}>
      <Component />
    </Suspense>
  );
}

export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  { path: '/accept-invitation', element: page(() => import('./pages/AcceptInvitationPage.tsx'), 'AcceptInvitationPage') },
  {
    element: <RequireSession />,
    children: [
      {
        element: <AppLayout />,
        children: [
          { index: true, element: <HomeRedirect /> },
          { path: 'orgs', element: page(() => import('./pages/OrganizationsPage.tsx'), 'OrganizationsPage') },
          { path: 'me/sessions', element: page(() => import('./pages/SessionsPage.tsx'), 'SessionsPage') },
          { path: 'me/mfa', element: page(() => import('./pages/MfaPage.tsx'), 'MfaPage') },
          {
            path: 'orgs/:orgId',
            children: [
              { index: true, element: <Navigate to="workspaces" replace /> },
              { path: 'workspaces', element: page(() => import('./pages/WorkspacesPage.tsx'), 'WorkspacesPage') },
              { path: 'workspaces/:workspaceId', element: page(() => import('./pages/WorkspaceDetailPage.tsx'), 'WorkspaceDetailPage') },
              { path: 'members', element: page(() => import('./pages/MembersPage.tsx'), 'MembersPage') },
              { path: 'groups', element: page(() => import('./pages/GroupsPage.tsx'), 'GroupsPage') },
              { path: 'roles', element: page(() => import('./pages/RolesPage.tsx'), 'RolesPage') },
              { path: 'policies', element: page(() => import('./pages/PoliciesPage.tsx'), 'PoliciesPage') },
              { path: 'api-keys', element: page(() => import('./pages/ApiKeysPage.tsx'), 'ApiKeysPage') },
              { path: 'scim', element: page(() => import('./pages/ScimPage.tsx'), 'ScimPage') },
              { path: 'webhooks', element: page(() => import('./pages/WebhooksPage.tsx'), 'WebhooksPage') },
              { path: 'notification-channels', element: page(() => import('./pages/NotificationChannelsPage.tsx'), 'NotificationChannelsPage') },
              { path: 'audit', element: page(() => import('./pages/AuditPage.tsx'), 'AuditPage') },
              { path: 'pii', element: page(() => import('./pages/PiiRulesPage.tsx'), 'PiiRulesPage') },
              { path: 'access-log', element: page(() => import('./pages/AccessLogPage.tsx'), 'AccessLogPage') },
              { path: 'retention', element: page(() => import('./pages/RetentionPage.tsx'), 'RetentionPage') },
              { path: 'siem-streams', element: page(() => import('./pages/AuditStreamsPage.tsx'), 'AuditStreamsPage') },
              { path: 'security-policy', element: page(() => import('./pages/SecurityPolicyPage.tsx'), 'SecurityPolicyPage') },
              { path: 'sso', element: page(() => import('./pages/SsoPage.tsx'), 'SsoPage') },
              { path: 'cost', element: page(() => import('./pages/CostExplorerPage.tsx'), 'CostExplorerPage') },
              { path: 'budgets', element: page(() => import('./pages/BudgetsPage.tsx'), 'BudgetsPage') },
              { path: 'budgets/:budgetId', element: page(() => import('./pages/BudgetDetailPage.tsx'), 'BudgetDetailPage') },
              { path: 'contracts', element: page(() => import('./pages/ContractsPage.tsx'), 'ContractsPage') },
              { path: 'cost-reports', element: page(() => import('./pages/CostReportsPage.tsx'), 'CostReportsPage') },
              { path: 'cloud-bills', element: page(() => import('./pages/CostBillsPage.tsx'), 'CostBillsPage') },
            ],
          },
          { path: '*', element: page(() => import('./pages/NotFoundPage.tsx'), 'NotFoundPage') },
        ],
      },
    ],
  },
]);
