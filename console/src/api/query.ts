import { QueryCache, QueryClient, MutationCache, keepPreviousData, useInfiniteQuery, useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import type { Page } from './types.ts';
import { isProblem } from './problem.ts';

/** Called when any request answers 401: perhaps the session ended (expired, revoked elsewhere). */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

function handleUnauthenticated(error: unknown): void {
  if (isProblem(error, 401)) onUnauthenticated();
}

export const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: handleUnauthenticated }),
  mutationCache: new MutationCache({ onError: handleUnauthenticated }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // 4xx answers will not change on retry; network blips might.
      retry: (count, error) => !isProblem(error) && count < 2,
    },
  },
});

/** Key of everything cached for one organization; invalidated by prefix after changes. */
export const orgKey = (orgId: string, ...rest: unknown[]): QueryKey => ['org', orgId, ...rest];

/** A mutation that refreshes the given cached queries once it succeeds. */
export function useApiMutation<TInput, TOutput>(fn: (input: TInput) => Promise<TOutput>, invalidate: QueryKey[]) {
  const client = useQueryClient();
  return useMutation<TOutput, Error, TInput>({
    mutationFn: fn,
    onSuccess: async () => {
      await Promise.all(invalidate.map((queryKey) => client.invalidateQueries({ queryKey })));
    },
  });
}

/** A cursor-paged list read page by page ("Load more"). */
export function usePagedQuery<T>(queryKey: QueryKey, fetchPage: (cursor: string | undefined) => Promise<Page<T>>, enabled = true) {
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Changing a filter keeps the old rows on screen until the new ones arrive.
    placeholderData: keepPreviousData,
    enabled,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  return { ...query, items };
}

/** Every item of a short list (catalogs, roles, policies), following cursors up to a bound. */
export async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, maxPages = 20): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return items;
}
