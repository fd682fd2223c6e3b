import { Button } from '@mantine/core';
import { IconMapOff } from '@tabler/icons-react';
import { Link } from 'react-router';
import { EmptyState } from '../components/EmptyState.tsx';

export function NotFoundPage() {
  return (
    <EmptyState icon={<IconMapOff size={24} />} title="There is nothing at this address">
      <Button component={Link} to="/" variant="light" mt="sm">
        Go to the console home
      </Button>
    </EmptyState>
  );
}
