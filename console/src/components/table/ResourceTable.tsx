import { Paper, Table } from '@mantine/core';
import type { ReactNode } from 'react';
import { LoadMore, type Paged } from '../LoadMore.tsx';
import { QueryState, type QueryLike } from '../ProblemAlert.tsx';
import { DataTable, type DataTableProps } from './DataTable.tsx';

interface ResourceTableProps<T> extends DataTableProps<T> {
  /** The list's query: loading, a problem and "no access" show in place of the table. */
  query: QueryLike | (QueryLike & Paged);
  /** Shown instead of the table when there are no rows; without it the table shows empty. */
  empty?: ReactNode;
  /** Below this width the table scrolls sideways. */
  minWidth: number;
  loadMoreTestId?: string;
}

function isPaged(query: QueryLike): query is QueryLike & Paged {
  return 'fetchNextPage' in query;
}

/** A list page's table in a card, with the query's states; a cursor-paged query also gets "Load more". */
export function ResourceTable<T>({ query, empty, minWidth, loadMoreTestId, ...table }: ResourceTableProps<T>) {
  return (
    <QueryState query={query}>
      {empty !== undefined && table.rows.length === 0 ? (
        empty
      ) : (
        <Paper>
          <Table.ScrollContainer minWidth={minWidth}>
            <DataTable {...table} />
          </Table.ScrollContainer>
        </Paper>
      )}
      {isPaged(query) && <LoadMore query={query} testId={loadMoreTestId} />}
    </QueryState>
  );
}
