import { Code, Text } from '@mantine/core';

export function JsonView({ value, testId }: { value: unknown; testId?: string }) {
  if (value === null || value === undefined) {
    return (
      <Text size="sm" c="dimmed" data-testid={testId}>
        (none)
      </Text>
    );
  }
  return (
    <Code block data-testid={testId} style={{ maxHeight: 420, overflow: 'auto' }}>
      {JSON.stringify(value, null, 2)}
    </Code>
  );
}
