import { Badge, Group, Text } from '@mantine/core';
import type { Quota } from '../api/types.ts';

/** A quota as small labelled chips; absent limits are left out. */
export function QuotaSummary({ quota }: { quota: Quota }) {
  const parts = [
    ['CPU', quota.cpu],
    ['Memory', quota.memory],
    ['Storage', quota.storage],
    ['Pods', quota.pods],
  ].filter((p): p is [string, string | number] => p[1] !== null);
  if (parts.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No limits
      </Text>
    );
  }
  return (
    <Group gap={4}>
      {parts.map(([label, value]) => (
        <Badge key={label} variant="default" radius="sm" tt="none" fw={500}>
          <Text span size="xs" c="dimmed" inherit>
            {label}{' '}
          </Text>
          {value}
        </Badge>
      ))}
    </Group>
  );
}
