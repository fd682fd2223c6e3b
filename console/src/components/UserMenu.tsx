import { ActionIcon, Avatar, Badge, Group, Menu, Text, UnstyledButton, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { IconBuilding, IconChevronDown, IconDevices, IconLogout, IconMoon, IconSun } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { useNavigate } from 'react-router';
import { problemMessage } from '../api/problem.ts';
import { useMe, useSignOut } from '../api/session.ts';

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '')).toUpperCase() || '?';
}

export function UserMenu() {
  const me = useMe();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const user = me.data?.user;
  if (!user) return null;

  function handleSignOut() {
    signOut.mutate(undefined, {
      onSuccess: () => navigate('/sign-in', { replace: true }),
      onError: (error) => notifications.show({ color: 'red', title: 'Sign-out failed', message: problemMessage(error) }),
    });
  }

  return (
    <Menu position="bottom-end" width={240} withArrow>
      <Menu.Target>
        <UnstyledButton data-testid="user-menu" aria-label="Account menu">
          <Group gap={8} wrap="nowrap">
            <Avatar radius="xl" size={32} color="brand">
              {initials(user.displayName || user.email)}
            </Avatar>
            <Text size="sm" fw={500} visibleFrom="md">
              {user.displayName || user.email}
            </Text>
            <IconChevronDown size={14} />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          <Text size="sm" fw={500} c="var(--mantine-color-text)" truncate>
            {user.email}
          </Text>
          {user.platformAdmin && (
            <Badge size="xs" variant="light" mt={4}>
              Platform administrator
            </Badge>
          )}
        </Menu.Label>
        <Menu.Divider />
        <Menu.Item leftSection={<IconDevices size={16} />} onClick={() => navigate('/me/sessions')}>
          My sessions
        </Menu.Item>
        <Menu.Item leftSection={<IconBuilding size={16} />} onClick={() => navigate('/orgs')}>
          Organizations
        </Menu.Item>
        <Menu.Divider />
        <Menu.Item color="red" leftSection={<IconLogout size={16} />} onClick={handleSignOut} data-testid="sign-out">
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

export function ColorSchemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <ActionIcon variant="default" size="lg" onClick={() => setColorScheme(next)} aria-label={`Switch to ${next} mode`}>
      {computed === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
    </ActionIcon>
  );
}
