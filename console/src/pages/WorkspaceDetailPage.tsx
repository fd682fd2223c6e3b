import { Anchor, Badge, Breadcrumbs, Group, Text } from '@mantine/core';
import { IconAdjustments, IconFolders, IconInfoCircle, IconRefreshDot, IconShieldLock } from '@tabler/icons-react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useOrgId } from '../api/org.ts';
import { useDeleteWorkspace, useWorkspace } from '../api/tenancy.ts';
import { BindingsPanel } from '../components/access/BindingsPanel.tsx';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { PageTabs } from '../components/PageTabs.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import { OverviewTab } from '../components/workspace/OverviewTab.tsx';
import { ProjectsTab } from '../components/workspace/ProjectsTab.tsx';
import { QuotaTab } from '../components/workspace/QuotaTab.tsx';
import { ReconciliationTab } from '../components/workspace/ReconciliationTab.tsx';
import { formatQuota } from '../lib/format.ts';
import { notifySuccess } from '../lib/notify.ts';

const tabs = ['overview', 'quota', 'projects', 'access', 'reconciliation'] as const;
type Tab = (typeof tabs)[number];

export function WorkspaceDetailPage() {
  const orgId = useOrgId();
  const { workspaceId = '' } = useParams();
  const workspace = useWorkspace(orgId, workspaceId);
  const remove = useDeleteWorkspace(orgId);
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab');
  const tab: Tab = tabs.includes(requested as Tab) ? (requested as Tab) : 'overview';
  const reload = () => void workspace.refetch();

  return (
    <>
      <Breadcrumbs mb="sm">
        <Anchor component={Link} to={`/orgs/${orgId}/workspaces`} size="sm">
          Workspaces
        </Anchor>
        <Text size="sm">{workspace.data?.name ?? workspaceId}</Text>
      </Breadcrumbs>
      <QueryState query={workspace}>
        {workspace.data && (
          <>
            <PageHeader
              title={
                <Group gap="sm">
                  <span data-testid="workspace-title">{workspace.data.name}</span>
                  <Badge variant="light" color="gray" tt="none">
                    {workspace.data.slug}
                  </Badge>
                </Group>
              }
              description={workspace.data.description || formatQuota(workspace.data.quota)}
              actions={
                <ConfirmButton
                  title={`Delete ${workspace.data.name}?`}
                  message="Only an empty workspace can be deleted: delete its projects first."
                  confirmLabel="Delete workspace"
                  buttonProps={{ variant: 'light', size: 'sm' }}
                  onConfirm={async () => {
                    await remove.mutateAsync(workspaceId);
                    notifySuccess('Workspace deleted.');
                    navigate(`/orgs/${orgId}/workspaces`);
                  }}
                  testId="workspace-delete"
                >
                  Delete workspace
                </ConfirmButton>
              }
            />
            <PageTabs
              value={tab}
              onChange={(next) => setParams(next && next !== 'overview' ? { tab: next } : {}, { replace: true })}
              keepMounted={false}
              tabs={[
                { value: 'overview', label: 'Overview', icon: IconInfoCircle, panel: <OverviewTab orgId={orgId} workspace={workspace.data} onReload={reload} /> },
                { value: 'quota', label: 'Quota', icon: IconAdjustments, panel: <QuotaTab orgId={orgId} workspace={workspace.data} onReload={reload} /> },
                { value: 'projects', label: 'Projects', icon: IconFolders, panel: <ProjectsTab orgId={orgId} workspaceId={workspaceId} /> },
                { value: 'access', label: 'Role bindings', icon: IconShieldLock, panel: <BindingsPanel orgId={orgId} fixedScope={{ type: 'workspace', id: workspaceId }} /> },
                { value: 'reconciliation', label: 'Reconciliation', icon: IconRefreshDot, panel: <ReconciliationTab orgId={orgId} workspaceId={workspaceId} /> },
              ]}
            />
          </>
        )}
      </QueryState>
    </>
  );
}
