import { Button } from '@mantine/core';
import { IconPlus, type TablerIcon } from '@tabler/icons-react';
import type { ReactNode } from 'react';

/** A page's button that starts making something new. */
export function CreateButton({ onClick, testId, icon: Icon = IconPlus, children }: { onClick: () => void; testId: string; icon?: TablerIcon; children: ReactNode }) {
  return (
    <Button leftSection={<Icon size={16} />} onClick={onClick} data-testid={testId}>
      {children}
    </Button>
  );
}
