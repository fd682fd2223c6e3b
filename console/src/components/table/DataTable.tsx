import { Table, type TableTdProps, type TableThProps } from '@mantine/core';
import type { CSSProperties, MouseEventHandler, ReactNode } from 'react';

export interface Column<T> {
  /** Header text; a column without one (row actions) gets an empty header cell. */
  header?: ReactNode;
  cell: (row: T) => ReactNode;
  th?: TableThProps;
  td?: TableTdProps;
}

/** What a row carries besides its cells: test hooks (`data-*`), a click handler, a style. */
export type RowProps = { [attribute: `data-${string}`]: string | undefined; onClick?: MouseEventHandler<HTMLTableRowElement>; style?: CSSProperties };

export interface DataTableProps<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  rowProps?: (row: T) => RowProps;
  testId?: string;
}

/** A plain table from column definitions; without any header text it has no header row. */
export function DataTable<T>({ columns, rows, rowKey, rowProps, testId }: DataTableProps<T>) {
  return (
    <Table data-testid={testId}>
      {columns.some((column) => column.header !== undefined) && (
        <Table.Thead>
          <Table.Tr>
            {columns.map((column, i) => (
              <Table.Th key={i} {...column.th}>
                {column.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
      )}
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={rowKey(row)} {...rowProps?.(row)}>
            {columns.map((column, i) => (
              <Table.Td key={i} {...column.td}>
                {column.cell(row)}
              </Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
