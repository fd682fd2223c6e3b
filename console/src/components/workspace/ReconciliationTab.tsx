import { Accordion, Alert, Badge, Button, Code, Group, Paper, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconServerOff } from '@tabler/icons-react';
import { useState } from 'react';
import { useClusters, useManifests, usePlaceWorkspace, useReconciliation } from '../../api/integrations.ts';
import type { Reconciliation } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { EmptyState } from '../EmptyState.tsx';
import { ProblemAlert, QueryState } from '../ProblemAlert.tsx';
import { Time } from '../Time.tsx';
import { Fact } from './OverviewTab.tsx';

const statusColor: Record<Reconciliation['status'], string> = { unplaced: 'gray', pending: 'blue', applied: 'teal', failed: 'red', deleting: 'orange' };

export function ReconciliationBadge({ status }: { status: Reconciliation['status'] }) {
  return (
    <Badge variant="light" color={statusColor[status]} data-testid="reconciliation-badge">
      {status}
    </Badge>
  );
}

function PlaceOnCluster({ orgId, workspaceId }: { orgId: string; workspaceId: string }) {
  const clusters = useClusters(orgId);
  const place = usePlaceWorkspace(orgId, workspaceId);
  const [clusterId, setClusterId] = useState<string | null>(null);
  if (clusters.isError) return <ProblemAlert error={clusters.error} title="Clusters could not be listed" />;
  if (!clusters.data || clusters.data.length === 0) {
    return (
      <Text size="sm" c="dimmed" ta="center">
        No cluster is registered in this organization yet.
      </Text>
    );
  }
  return (
    <Stack gap="xs" align="center">
      <Group align="flex-end">
        <Select
          label="Cluster"
          placeholder="Choose a cluster"
          data={clusters.data.map((c) => ({ value: c.id, label: `${c.name} (${c.status})` }))}
          value={clusterId}
          onChange={setClusterId}
          w={280}
          data-testid="placement-cluster"
        />
        <Button
          disabled={!clusterId}
          loading={place.isPending}
          onClick={() => clusterId && place.mutate(clusterId, { onSuccess: () => notifySuccess('The workspace is being applied to the cluster.') })}
          data-testid="placement-submit"
        >
          Place workspace
        </Button>
      </Group>
      <ProblemAlert error={place.error} />
    </Stack>
  );
}

function Manifests({ orgId, workspaceId }: { orgId: string; workspaceId: string }) {
  const [open, setOpen] = useState<string | null>(null);
  const manifests = useManifests(orgId, workspaceId, open === 'manifests');
  return (
    <Accordion variant="contained" value={open} onChange={setOpen}>
      <Accordion.Item value="manifests">
        <Accordion.Control>Kubernetes manifests</Accordion.Control>
        <Accordion.Panel>
          <QueryState query={manifests}>
            <Code block style={{ maxHeight: 480, overflow: 'auto' }} data-testid="manifests">
              {manifests.data}
            </Code>
          </QueryState>
        </Accordion.Panel>
      </Accordion.Item>
    </Accordion>
  );
}

function Status({ status }: { status: Reconciliation }) {
  const behind = status.generation !== null && status.observedGeneration !== status.generation;
  return (
    <Paper p="lg" data-testid="reconciliation-status" data-status={status.status}>
      <Group justify="space-between" mb="md">
        <Title order={4}>Reconciliation</Title>
        <ReconciliationBadge status={status.status} />
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="lg">
        <Fact label="Cluster">{status.cluster?.name ?? '—'}</Fact>
        <Fact label="Namespace">{status.namespace ? <Code>{status.namespace}</Code> : '—'}</Fact>
        <Fact label="Generation">
          {status.observedGeneration ?? '—'} / {status.generation ?? '—'}
          {behind && (
            <Text span size="xs" c="dimmed">
              {' '}
              (applied / wanted)
            </Text>
          )}
        </Fact>
        <Fact label="Last applied">
          <Time iso={status.lastAppliedAt} empty="Never" />
        </Fact>
        <Fact label="Failed attempts">{status.attempts}</Fact>
        <Fact label="Updated">
          <Time iso={status.updatedAt} />
        </Fact>
      </SimpleGrid>
      {status.lastError && (
        <Alert mt="md" color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Last error">
          <Text size="sm" ff="monospace">
            {status.lastError}
          </Text>
        </Alert>
      )}
    </Paper>
  );
}

/** What the integrations module reports about this workspace on its cluster. */
export function ReconciliationTab({ orgId, workspaceId }: { orgId: string; workspaceId: string }) {
  const status = useReconciliation(orgId, workspaceId);
  return (
    <QueryState query={status}>
      {status.data && (
        <Stack>
          {status.data.status === 'unplaced' ? (
            <Paper p="lg">
              <EmptyState icon={<IconServerOff size={24} />} title="Not placed">
                This workspace is on no cluster yet, so nothing is reconciled. Placing it creates its namespaces, quotas and role bindings there.
              </EmptyState>
              <PlaceOnCluster orgId={orgId} workspaceId={workspaceId} />
            </Paper>
          ) : (
            <Status status={status.data} />
          )}
          <Manifests orgId={orgId} workspaceId={workspaceId} />
        </Stack>
      )}
    </QueryState>
  );
}
