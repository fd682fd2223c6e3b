import { Badge, Text, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconKey } from '@tabler/icons-react';
import { useState } from 'react';
import { useRoles } from '../api/access.ts';
import { useApiKeys, useRevokeApiKey } from '../api/identity.ts';
import { useNames } from '../api/names.ts';
import { useOrgId } from '../api/org.ts';
import type { ApiKey, ApiKeyStatus } from '../api/types.ts';
import { CreateApiKeyModal, RotateApiKeyModal } from '../components/ApiKeyModals.tsx';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn } from '../components/table/RowActions.tsx';
import { Time } from '../components/Time.tsx';

const statusColor: Record<ApiKeyStatus, string> = { active: 'teal', expired: 'orange', revoked: 'gray', suspended: 'yellow' };

function Grant({ apiKey, roleName }: { apiKey: ApiKey; roleName: (id: string) => string }) {
  if (apiKey.roleId) return <Text size="sm">{roleName(apiKey.roleId)}</Text>;
  const actions = apiKey.actions ?? [];
  return (
    <Tooltip label={actions.join(', ')} multiline w={320} withArrow>
      <Text size="sm" td="underline dotted">
        {actions.length} action{actions.length === 1 ? '' : 's'}
      </Text>
    </Tooltip>
  );
}

function KeyStatus({ apiKey }: { apiKey: ApiKey }) {
  return (
    <>
      <Badge variant="light" color={statusColor[apiKey.status]} data-testid="apikey-status">
        {apiKey.status}
      </Badge>
      {apiKey.previousSecretExpiresAt && new Date(apiKey.previousSecretExpiresAt) > new Date() && (
        <Tooltip label="The previous secret still works during the rotation overlap">
          <Badge variant="outline" color="blue" ml={4}>
            rotating
          </Badge>
        </Tooltip>
      )}
    </>
  );
}

function LastUsed({ apiKey }: { apiKey: ApiKey }) {
  return (
    <>
      <Time iso={apiKey.lastUsedAt} empty="Never" />
      {apiKey.lastUsedIp && (
        <Text size="xs" c="dimmed" ff="monospace">
          {apiKey.lastUsedIp}
        </Text>
      )}
    </>
  );
}

export function ApiKeysPage() {
  const orgId = useOrgId();
  const keys = useApiKeys(orgId);
  const revoke = useRevokeApiKey(orgId);
  const roles = useRoles(orgId);
  const names = useNames(orgId);
  const [creating, { open, close }] = useDisclosure(false);
  // A snapshot: the modal must stay open on the new secret even while the list refreshes.
  const [rotating, setRotating] = useState<ApiKey | null>(null);
  const roleName = (id: string) => roles.data?.find((r) => r.id === id)?.name ?? id;

  const columns: Column<ApiKey>[] = [
    {
      header: 'Name',
      cell: (key) => (
        <>
          <Text size="sm" fw={600}>
            {key.name}
          </Text>
          <Text size="xs" c="dimmed">
            {key.id} · by {names.userName(key.createdBy)}
          </Text>
        </>
      ),
    },
    { header: 'Status', cell: (key) => <KeyStatus apiKey={key} /> },
    { header: 'Scope', cell: (key) => <Text size="sm">{key.workspaceId ? names.workspaceName(key.workspaceId) : 'Organization'}</Text> },
    { header: 'Permissions', cell: (key) => <Grant apiKey={key} roleName={roleName} /> },
    { header: 'Last used', cell: (key) => <LastUsed apiKey={key} /> },
    { header: 'Expires', cell: (key) => <Time iso={key.expiresAt} empty="Never" /> },
    { header: 'Limit', cell: (key) => <Text size="sm">{key.rateLimitPerMinute}/min</Text> },
    actionsColumn(
      (key) =>
        key.status === 'active' && {
          actions: [{ label: 'Rotate', onClick: () => setRotating(key), testId: 'apikey-rotate' }],
          confirm: {
            label: 'Revoke',
            title: `Revoke ${key.name}?`,
            message: 'Every request with this key fails from now on, including during a rotation overlap. This cannot be undone.',
            confirmLabel: 'Revoke key',
            onConfirm: () => revoke.mutateAsync(key.id),
            notice: `${key.name} was revoked.`,
            testId: 'apikey-revoke',
          },
        },
    ),
  ];

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let automation call the API. Each key has its own permissions, expiry and rate limit; every call is audited under its name."
        actions={
          <CreateButton onClick={open} testId="apikey-create">
            Create API key
          </CreateButton>
        }
      />
      <ResourceTable
        query={keys}
        rows={keys.items}
        columns={columns}
        rowKey={(key) => key.id}
        rowProps={(key) => ({ 'data-testid': 'apikey-row', 'data-id': key.id, 'data-name': key.name, 'data-status': key.status })}
        minWidth={1000}
        empty={
          <EmptyState icon={<IconKey size={24} />} title="No API keys yet">
            Create a key for CI pipelines, scripts or the Terraform provider.
          </EmptyState>
        }
      />
      <CreateApiKeyModal orgId={orgId} opened={creating} onClose={close} />
      <RotateApiKeyModal orgId={orgId} apiKey={rotating} onClose={() => setRotating(null)} />
    </>
  );
}
