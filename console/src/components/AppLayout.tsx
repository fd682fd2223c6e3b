import { Anchor, AppShell, Badge, Burger, Divider, Group, NavLink, ScrollArea, Text, ThemeIcon } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBell,
  IconBuilding,
  IconLockAccess,
  IconShieldCheck,
  IconDevices,
  IconGavel,
  IconHexagons,
  IconBroadcast,
  IconLogin,
  IconHistory,
  IconKey,
  IconUserCog,
  IconMask,
  IconWebhook,
  IconListDetails,
  IconScale,
  IconShieldLock,
  IconStack2,
  IconCoin,
  IconPigMoney,
  IconFileInvoice,
  IconReportMoney,
  IconCloudDollar,
  IconUsers,
  IconUsersGroup,
} from '@tabler/icons-react';
import { useEffect, type ReactNode } from 'react';
import { Link, Outlet, useLocation, useMatch } from 'react-router';
import { rememberOrg } from '../api/org.ts';
import { useMe } from '../api/session.ts';
import { OrgSwitcher } from './OrgSwitcher.tsx';
import { ColorSchemeToggle, UserMenu } from './UserMenu.tsx';
import { MfaRequiredBanner } from './MfaRequiredBanner.tsx';

interface Section {
  path: string;
  label: string;
  icon: ReactNode;
}

const orgSections: Section[] = [
  { path: 'workspaces', label: 'Workspaces', icon: <IconStack2 size={18} /> },
  { path: 'cost', label: 'Cost explorer', icon: <IconCoin size={18} /> },
  { path: 'budgets', label: 'Budgets', icon: <IconPigMoney size={18} /> },
  { path: 'contracts', label: 'Contracts', icon: <IconFileInvoice size={18} /> },
  { path: 'cost-reports', label: 'Cost reports', icon: <IconReportMoney size={18} /> },
  { path: 'cloud-bills', label: 'Cloud bills (FOCUS)', icon: <IconCloudDollar size={18} /> },
  { path: 'members', label: 'Members & invitations', icon: <IconUsers size={18} /> },
  { path: 'groups', label: 'Groups', icon: <IconUsersGroup size={18} /> },
  { path: 'roles', label: 'Roles & bindings', icon: <IconShieldLock size={18} /> },
  { path: 'policies', label: 'Policies', icon: <IconScale size={18} /> },
  { path: 'api-keys', label: 'API keys', icon: <IconKey size={18} /> },
  { path: 'scim', label: 'SCIM provisioning', icon: <IconUserCog size={18} /> },
  { path: 'webhooks', label: 'Webhooks', icon: <IconWebhook size={18} /> },
  { path: 'notification-channels', label: 'Notification channels', icon: <IconBell size={18} /> },
  { path: 'audit', label: 'Audit log', icon: <IconHistory size={18} /> },
  { path: 'pii', label: 'PII masking', icon: <IconMask size={18} /> },
  { path: 'access-log', label: 'Access log', icon: <IconListDetails size={18} /> },
  { path: 'retention', label: 'Retention & holds', icon: <IconGavel size={18} /> },
  { path: 'siem-streams', label: 'SIEM streams', icon: <IconBroadcast size={18} /> },
  { path: 'security-policy', label: 'Security policy', icon: <IconLockAccess size={18} /> },
  { path: 'sso', label: 'Single sign-on', icon: <IconLogin size={18} /> },
];

function Brand() {
  return (
    <Anchor component={Link} to="/" underline="never" c="inherit">
      <Group gap={8} wrap="nowrap">
      <ThemeIcon size={32} radius="md" variant="gradient" gradient={{ from: 'brand.7', to: 'cyan.6', deg: 135 }}>
        <IconHexagons size={20} />
      </ThemeIcon>
      <Text fw={700} size="lg" data-testid="brand">
          Hexaplane
        </Text>
      </Group>
    </Anchor>
  );
}

function OrgNav({ orgId, onNavigate }: { orgId: string | null; onNavigate: () => void }) {
  const location = useLocation();
  return (
    <>
      <Text size="xs" fw={600} c="dimmed" tt="uppercase" px="sm" pb={4}>
        Organization
      </Text>
      {orgSections.map((section) => {
        const to = orgId ? `/orgs/${orgId}/${section.path}` : '/orgs';
        return (
          <NavLink
            key={section.path}
            component={Link}
            to={to}
            label={section.label}
            leftSection={section.icon}
            active={orgId !== null && location.pathname.startsWith(`/orgs/${orgId}/${section.path}`)}
            disabled={!orgId}
            onClick={onNavigate}
            data-testid={`nav-${section.path}`}
          />
        );
      })}
    </>
  );
}

function AccountNav({ onNavigate, platformAdmin }: { onNavigate: () => void; platformAdmin: boolean }) {
  const location = useLocation();
  return (
    <>
      <Text size="xs" fw={600} c="dimmed" tt="uppercase" px="sm" pb={4}>
        Account
      </Text>
      <NavLink
        component={Link}
        to="/me/sessions"
        label="My sessions"
        leftSection={<IconDevices size={18} />}
        active={location.pathname === '/me/sessions'}
        onClick={onNavigate}
        data-testid="nav-sessions"
      />
      <NavLink
        component={Link}
        to="/me/mfa"
        label="Multi-factor authentication"
        leftSection={<IconShieldCheck size={18} />}
        active={location.pathname === '/me/mfa'}
        onClick={onNavigate}
        data-testid="nav-mfa"
      />
      <NavLink
        component={Link}
        to="/orgs"
        label="Organizations"
        leftSection={<IconBuilding size={18} />}
        rightSection={platformAdmin ? <Badge size="xs" variant="light">admin</Badge> : null}
        active={location.pathname === '/orgs'}
        onClick={onNavigate}
        data-testid="nav-orgs"
      />
    </>
  );
}

/** The signed-in frame: header with brand, organization switcher and user menu; navigation on the left. */
export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure(false);
  const match = useMatch('/orgs/:orgId/*');
  const orgId = match?.params.orgId ?? null;
  const me = useMe();

  useEffect(() => {
    if (orgId) rememberOrg(orgId);
  }, [orgId]);

  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 260, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Brand />
            <OrgSwitcher orgId={orgId} />
          </Group>
          <Group gap="xs" wrap="nowrap">
            <ColorSchemeToggle />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm">
        <AppShell.Section grow component={ScrollArea}>
          <OrgNav orgId={orgId} onNavigate={close} />
        </AppShell.Section>
        <AppShell.Section>
          <Divider my="sm" />
          <AccountNav onNavigate={close} platformAdmin={me.data?.user.platformAdmin ?? false} />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main bg="var(--mantine-color-body)">
        <MfaRequiredBanner />
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
