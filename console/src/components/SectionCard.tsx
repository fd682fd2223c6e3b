import { Paper, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A titled card: one section of a page. */
export function SectionCard({ title, description, children }: { title: ReactNode; description?: ReactNode; children: ReactNode }) {
  return (
    <Paper p="lg">
      <Title order={4} mb={description ? 4 : 'md'}>
        {title}
      </Title>
      {description && (
        <Text size="sm" c="dimmed" mb="md">
          {description}
        </Text>
      )}
      {children}
    </Paper>
  );
}
