import { Text, Tooltip } from '@mantine/core';
import { formatDateTime, formatRelative } from '../lib/format.ts';

/** A relative time ("5 minutes ago") with the exact time on hover. */
export function Time({ iso, empty = '—' }: { iso: string | null | undefined; empty?: string }) {
  if (!iso) {
    return (
      <Text span size="sm" c="dimmed">
        {empty}
      </Text>
    );
  }
  return (
    <Tooltip label={formatDateTime(iso, true)} withArrow>
      <Text span size="sm">
        {formatRelative(iso)}
      </Text>
    </Tooltip>
  );
}
