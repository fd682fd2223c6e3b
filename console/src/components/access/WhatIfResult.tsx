import { Alert, List, Stack, Text } from '@mantine/core';
import { IconEye } from '@tabler/icons-react';

/** What granting would change: the permissions it adds. */
export function WhatIfResult({ gained, lost }: { gained: { action: string }[]; lost: { action: string }[] }) {
  const actions = [...new Set(gained.map((g) => g.action))];
  return (
    <Alert color="blue" variant="light" title="Effect of this grant" icon={<IconEye size={18} />} data-testid="binding-preview">
      {actions.length === 0 && lost.length === 0 ? (
        <Text size="sm">No change: the subject can already do all of this.</Text>
      ) : (
        <Stack gap={4}>
          <Text size="sm">{gained.length} new permission(s) across {actions.length} action(s):</Text>
          <List size="xs" spacing={2}>
            {actions.slice(0, 12).map((a) => (
              <List.Item key={a}>
                <code>{a}</code>
              </List.Item>
            ))}
          </List>
          {actions.length > 12 && <Text size="xs">and {actions.length - 12} more</Text>}
        </Stack>
      )}
    </Alert>
  );
}
