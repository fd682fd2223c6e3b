import { Badge, Button, Group, Paper, Table, Text, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconKey, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useRoles } from '../api/access.ts';
import { useApiKeys, useRevokeApiKey } from '../api/identity.ts';
import { useNames } from '../api/names.ts';
import { useOrgId } from '../api/org.ts';
import type { ApiKey, ApiKeyStatus } from '../api/types.ts';
import { CreateApiKeyModal, RotateApiKeyModal } from '../components/ApiKeyModals.tsx';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';

const statusColor: Record<ApiKeyStatus, string> = { active: 'teal', expired: 'orange', revoked: 'gray' };

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

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let automation call the API. Each key has its own permissions, expiry and rate limit; every call is audited under its name."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={open} data-testid="apikey-create">
            Create API key
          </Button>
        }
      />
      <QueryState query={keys}>
        {keys.items.length === 0 ? (
          <EmptyState icon={<IconKey size={24} />} title="No API keys yet">
            Create a key for CI pipelines, scripts or the Terraform provider.
          </EmptyState>
        ) : (
          <Paper>
            <Table.ScrollContainer minWidth={1000}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Scope</Table.Th>
                    <Table.Th>Permissions</Table.Th>
                    <Table.Th>Last used</Table.Th>
                    <Table.Th>Expires</Table.Th>
                    <Table.Th>Limit</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {keys.items.map((key) => (
                    <Table.Tr key={key.id} data-testid="apikey-row" data-id={key.id} data-name={key.name} data-status={key.status}>
                      <Table.Td>
                        <Text size="sm" fw={600}>
                          {key.name}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {key.id} · by {names.userName(key.createdBy)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={statusColor[key.status]} data-testid="apikey-status">
                          {key.status}
                        </Badge>
                        {key.previousSecretExpiresAt && new Date(key.previousSecretExpiresAt) > new Date() && (
                          <Tooltip label="The previous secret still works during the rotation overlap">
                            <Badge variant="outline" color="blue" ml={4}>
                              rotating
                            </Badge>
                          </Tooltip>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{key.workspaceId ? names.workspaceName(key.workspaceId) : 'Organization'}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Grant apiKey={key} roleName={roleName} />
                      </Table.Td>
                      <Table.Td>
                        <Time iso={key.lastUsedAt} empty="Never" />
                        {key.lastUsedIp && (
                          <Text size="xs" c="dimmed" ff="monospace">
                            {key.lastUsedIp}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Time iso={key.expiresAt} empty="Never" />
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{key.rateLimitPerMinute}/min</Text>
                      </Table.Td>
                      <Table.Td>
                        {key.status === 'active' && (
                          <Group gap={4} justify="flex-end" wrap="nowrap">
                            <Button size="xs" variant="subtle" onClick={() => setRotating(key)} data-testid="apikey-rotate">
                              Rotate
                            </Button>
                            <ConfirmButton
                              title={`Revoke ${key.name}?`}
                              message="Every request with this key fails from now on, including during a rotation overlap. This cannot be undone."
                              confirmLabel="Revoke key"
                              onConfirm={async () => {
                                await revoke.mutateAsync(key.id);
                                notifySuccess(`${key.name} was revoked.`);
                              }}
                              testId="apikey-revoke"
                            >
                              Revoke
                            </ConfirmButton>
                          </Group>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
        <LoadMore query={keys} />
      </QueryState>
      <CreateApiKeyModal orgId={orgId} opened={creating} onClose={close} />
      <RotateApiKeyModal orgId={orgId} apiKey={rotating} onClose={() => setRotating(null)} />
    </>
  );
}
