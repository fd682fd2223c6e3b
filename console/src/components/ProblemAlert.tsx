import { Alert, Button, Center, Group, Loader, Stack } from '@mantine/core';
import { IconAlertCircle, IconLock } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { ApiProblem, isProblem, problemMessage } from '../api/problem.ts';

/** Shows a problem's title and `detail`, as the API wrote them. */
export function ProblemAlert({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  if (!error) return null;
  const heading = title ?? (error instanceof ApiProblem ? error.problem.title : undefined) ?? 'Something went wrong';
  return (
    <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title={heading} data-testid="problem-alert">
      <Stack gap="xs">
        <span>{problemMessage(error)}</span>
        {onRetry && (
          <Group>
            <Button size="xs" variant="light" color="red" onClick={onRetry}>
              Try again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

/** A denial is not a malfunction: say what is missing, without a retry button that cannot help. */
function NoAccess({ error }: { error: unknown }) {
  return (
    <Alert color="gray" variant="light" icon={<IconLock size={18} />} title="You do not have access to this" data-testid="no-access">
      {problemMessage(error)} Ask an administrator of this organization for a role that grants it.
    </Alert>
  );
}

export interface QueryLike {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => unknown;
}

/** Loading spinner, the problem with a retry button, or the content once the data is there. */
export function QueryState({ query, children }: { query: QueryLike; children: ReactNode }) {
  if (query.isPending) {
    return (
      <Center py="xl" data-testid="loading">
        <Loader size="sm" />
      </Center>
    );
  }
  if (isProblem(query.error, 403)) return <NoAccess error={query.error} />;
  if (query.isError) return <ProblemAlert error={query.error} onRetry={() => void query.refetch()} />;
  return <>{children}</>;
}
