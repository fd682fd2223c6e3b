import { Badge, Grid, Group, PasswordInput, Text } from '@mantine/core';
import { useNavigate } from 'react-router';
import { useChangePassword, useMe, useMySessions, useRevokeSession, useSignOut } from '../api/session.ts';
import type { Session } from '../api/types.ts';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { SectionCard } from '../components/SectionCard.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { confirmColumn } from '../components/table/RowActions.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';

/** "Chrome on Linux" from a user agent, good enough to recognise one's own devices. */
function describeAgent(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : /curl|node|undici|python/i.test(userAgent) ? 'Script' : 'Browser';
  const os = /Windows/.test(userAgent) ? 'Windows' : /Mac OS X/.test(userAgent) ? 'macOS' : /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Linux/.test(userAgent) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}

function SessionsTable() {
  const sessions = useMySessions();
  const revoke = useRevokeSession();
  const signOut = useSignOut();
  const me = useMe();
  const navigate = useNavigate();
  const isCurrent = (s: Session) => s.current ?? s.id === me.data?.sessionId;

  async function revokeSession(session: Session) {
    await revoke.mutateAsync(session.id);
    if (isCurrent(session)) {
      await signOut.mutateAsync().catch(() => undefined);
      navigate('/sign-in', { replace: true });
    } else notifySuccess('Session signed out.');
  }

  const columns: Column<Session>[] = [
    {
      header: 'Device',
      cell: (session) => (
        <Group gap="xs">
          <Text size="sm" fw={500}>
            {describeAgent(session.userAgent)}
          </Text>
          {isCurrent(session) && (
            <Badge size="xs" variant="light" color="teal">
              this session
            </Badge>
          )}
        </Group>
      ),
    },
    {
      header: 'IP address',
      cell: (session) => (
        <Text size="sm" ff="monospace">
          {session.ip ?? '—'}
        </Text>
      ),
    },
    { header: 'Signed in', cell: (session) => <Time iso={session.createdAt} /> },
    { header: 'Last active', cell: (session) => <Time iso={session.lastSeenAt} /> },
    { header: 'Expires', cell: (session) => <Time iso={session.expiresAt} /> },
    confirmColumn((session) => ({
      label: 'Revoke',
      title: isCurrent(session) ? 'Sign out of this session?' : 'Sign out this session?',
      message: isCurrent(session) ? 'You will return to the sign-in page.' : 'That device must sign in again.',
      confirmLabel: 'Sign out',
      onConfirm: () => revokeSession(session),
      testId: 'session-revoke',
    })),
  ];

  return (
    <ResourceTable
      query={sessions}
      rows={sessions.data ?? []}
      columns={columns}
      rowKey={(session) => session.id}
      rowProps={(session) => ({ 'data-testid': 'session-row', 'data-id': session.id })}
      minWidth={640}
    />
  );
}

function ChangePasswordCard() {
  const change = useChangePassword();
  const form = useProblemForm(change, { currentPassword: '', newPassword: '' });
  const { currentPassword, newPassword } = form.values;

  function submit() {
    change.mutate(
      { currentPassword, newPassword },
      {
        onSuccess: () => {
          form.reset();
          notifySuccess('Your password was changed. Other sessions were signed out.');
        },
      },
    );
  }

  return (
    <SectionCard title="Change password">
      <ProblemForm submission={change} fields={['currentPassword', 'newPassword']} onSubmit={submit} canSubmit={Boolean(currentPassword && newPassword)} submitLabel="Change password">
        <PasswordInput label="Current password" autoComplete="current-password" {...form.text('currentPassword')} />
        <PasswordInput label="New password" autoComplete="new-password" {...form.text('newPassword')} />
      </ProblemForm>
    </SectionCard>
  );
}

export function SessionsPage() {
  return (
    <>
      <PageHeader title="My sessions" description="Where you are signed in. Revoke any session you do not recognise, then change your password." />
      <Grid gutter="lg">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <SessionsTable />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <ChangePasswordCard />
        </Grid.Col>
      </Grid>
    </>
  );
}
