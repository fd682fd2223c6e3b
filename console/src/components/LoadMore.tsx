import { Button, Center } from '@mantine/core';

export interface Paged {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

export function LoadMore({ query, testId = 'load-more' }: { query: Paged; testId?: string }) {
  if (!query.hasNextPage) return null;
  return (
    <Center mt="md">
      <Button variant="default" loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()} data-testid={testId}>
        Load more
      </Button>
    </Center>
  );
}
