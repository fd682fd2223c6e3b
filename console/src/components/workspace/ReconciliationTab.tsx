import { Badge, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconServerOff } from '@tabler/icons-react';
import { useReconciliation } from '../../api/integrations.ts';
import { isProblem } from '../../api/problem.ts';
import { formatDateTime } from '../../lib/format.ts';
import { EmptyState } from '../EmptyState.tsx';
import { JsonView } from '../JsonView.tsx';
import { QueryState } from '../ProblemAlert.tsx';
import { Fact } from './OverviewTab.tsx';

const statusColors: Record<string, string> = { synced: 'teal', ready: 'teal', applied: 'teal', pending: 'yellow', progressing: 'blue', failed: 'red', error: 'red', drifted: 'orange' };

function renderValue(key: string, value: unknown) {
  if (typeof value === 'string' && /(At|Time)$/.test(key)) return formatDateTime(value, true);
  if (typeof value === 'string' && /(status|state|phase)$/i.test(key)) {
    return (
      <Badge variant="light" color={statusColors[value.toLowerCase()] ?? 'gray'}>
        {value}
      </Badge>
    );
  }
  if (value === null || value === undefined) return '—';
  return String(value);
}

/** What the integrations module reports about this workspace on its cluster. */
export function ReconciliationTab({ orgId, workspaceId }: { orgId: string; workspaceId: string }) {
  const status = useReconciliation(orgId, workspaceId);
  if (isProblem(status.error, 404)) {
    return (
      <EmptyState icon={<IconServerOff size={24} />} title="Not placed">
        This workspace is not placed on a cluster yet, so nothing is reconciled. Place it on a cluster to create its namespaces, quotas and
        role bindings there.
      </EmptyState>
    );
  }
  const entries = Object.entries(status.data ?? {});
  const scalars = entries.filter(([, v]) => v === null || typeof v !== 'object');
  const nested = entries.filter(([, v]) => v !== null && typeof v === 'object');
  return (
    <QueryState query={status}>
      <Stack>
        <Paper p="lg" data-testid="reconciliation-status">
          <Title order={4} mb="md">
            Reconciliation
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
            {scalars.map(([key, value]) => (
              <Fact key={key} label={key}>
                {renderValue(key, value)}
              </Fact>
            ))}
          </SimpleGrid>
        </Paper>
        {nested.map(([key, value]) => (
          <Paper p="lg" key={key}>
            <Text fw={600} mb="xs">
              {key}
            </Text>
            <JsonView value={value} />
          </Paper>
        ))}
      </Stack>
    </QueryState>
  );
}
