import { Badge, Button, Grid, Group, Paper, PasswordInput, Stack, Table, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { errorFor, fieldErrors, onlyFieldErrors } from '../api/problem.ts';
import { useChangePassword, useMe, useMySessions, useRevokeSession, useSignOut } from '../api/session.ts';
import type { Session } from '../api/types.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert, QueryState } from '../components/ProblemAlert.tsx';
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

  return (
    <QueryState query={sessions}>
      <Paper>
        <Table.ScrollContainer minWidth={640}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Device</Table.Th>
                <Table.Th>IP address</Table.Th>
                <Table.Th>Signed in</Table.Th>
                <Table.Th>Last active</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(sessions.data ?? []).map((session) => (
                <Table.Tr key={session.id} data-testid="session-row" data-id={session.id}>
                  <Table.Td>
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
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {session.ip ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Time iso={session.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    <Time iso={session.lastSeenAt} />
                  </Table.Td>
                  <Table.Td>
                    <Time iso={session.expiresAt} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <ConfirmButton
                      title={isCurrent(session) ? 'Sign out of this session?' : 'Sign out this session?'}
                      message={isCurrent(session) ? 'You will return to the sign-in page.' : 'That device must sign in again.'}
                      confirmLabel="Sign out"
                      onConfirm={() => revokeSession(session)}
                      testId="session-revoke"
                    >
                      Revoke
                    </ConfirmButton>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
    </QueryState>
  );
}

function ChangePasswordCard() {
  const change = useChangePassword();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const errors = fieldErrors(change.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    change.mutate(
      { currentPassword, newPassword },
      {
        onSuccess: () => {
          setCurrent('');
          setNew('');
          notifySuccess('Your password was changed. Other sessions were signed out.');
        },
      },
    );
  }

  return (
    <Paper p="lg">
      <Title order={4} mb="md">
        Change password
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack>
          <PasswordInput label="Current password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrent(e.currentTarget.value)} error={errorFor(errors, 'currentPassword')} />
          <PasswordInput label="New password" autoComplete="new-password" value={newPassword} onChange={(e) => setNew(e.currentTarget.value)} error={errorFor(errors, 'newPassword')} />
          {change.error && !onlyFieldErrors(change.error, ['currentPassword', 'newPassword']) && <ProblemAlert error={change.error} />}
          <Group justify="flex-end">
            <Button type="submit" loading={change.isPending} disabled={!currentPassword || !newPassword}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
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
