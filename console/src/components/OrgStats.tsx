import { Group, Paper, SimpleGrid, Text, ThemeIcon } from '@mantine/core';
import { IconFolders, IconStack2, IconUsers, IconUsersGroup } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useGroups } from '../api/identity.ts';
import { useMemberDirectory, useProjectOptions, useWorkspaceOptions } from '../api/tenancy.ts';

function Stat({ label, value, icon, testId }: { label: string; value: number | undefined; icon: ReactNode; testId: string }) {
  return (
    <Paper p="md">
      <Group justify="space-between" wrap="nowrap">
        <div>
          <Text size="xs" c="dimmed" fw={600} tt="uppercase">
            {label}
          </Text>
          <Text fw={700} fz={26} lh={1.2} data-testid={testId}>
            {value ?? '—'}
          </Text>
        </div>
        <ThemeIcon size={40} radius="md" variant="light">
          {icon}
        </ThemeIcon>
      </Group>
    </Paper>
  );
}

/** Counts for the organization at a glance; each is "—" where the viewer may not list the thing. */
export function OrgStats({ orgId }: { orgId: string }) {
  const workspaces = useWorkspaceOptions(orgId);
  const projects = useProjectOptions(orgId);
  const members = useMemberDirectory(orgId);
  const groups = useGroups(orgId);
  return (
    <SimpleGrid cols={{ base: 2, md: 4 }} mb="lg">
      <Stat label="Workspaces" value={workspaces.data?.length} icon={<IconStack2 size={22} />} testId="stat-workspaces" />
      <Stat label="Projects" value={projects.data?.length} icon={<IconFolders size={22} />} testId="stat-projects" />
      <Stat label="Members" value={members.data?.length} icon={<IconUsers size={22} />} testId="stat-members" />
      <Stat label="Groups" value={groups.data?.length} icon={<IconUsersGroup size={22} />} testId="stat-groups" />
    </SimpleGrid>
  );
}
