import { Alert, Button, Group, PasswordInput, Stack, Text, TextInput, ThemeIcon } from '@mantine/core';
import { IconCircleCheck, IconMailOpened } from '@tabler/icons-react';
import type { FormEvent, ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { isProblem } from '../api/problem.ts';
import { useMe } from '../api/session.ts';
import { useAcceptInvitation } from '../api/tenancy.ts';
import { AuthFrame } from '../components/AuthFrame.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { ProblemAlert } from '../components/ProblemAlert.tsx';

function Frame({ children }: { children: ReactNode }) {
  return (
    <AuthFrame title="Join an organization" width={460}>
      {children}
    </AuthFrame>
  );
}

function Accepted({ orgId, email, signedIn }: { orgId: string; email: string; signedIn: boolean }) {
  const next = `/orgs/${orgId}/workspaces`;
  return (
    <Stack align="center" ta="center" data-testid="accept-done">
      <ThemeIcon size={44} radius="xl" color="teal" variant="light">
        <IconCircleCheck size={26} />
      </ThemeIcon>
      <Text fw={600}>You joined the organization.</Text>
      {signedIn ? (
        <Button component={Link} to={next} data-testid="accept-open-org">
          Open the organization
        </Button>
      ) : (
        <>
          <Text size="sm" c="dimmed">
            Sign in as {email} with the password you just chose.
          </Text>
          <Button component={Link} to={`/sign-in?email=${encodeURIComponent(email)}&next=${encodeURIComponent(next)}`} data-testid="accept-sign-in">
            Sign in
          </Button>
        </>
      )}
    </Stack>
  );
}

/**
 * `/accept-invitation?token=...`: a new user picks a display name and password; an existing
 * user signs in first and then accepts (the server says which is needed).
 */
export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const me = useMe();
  const accept = useAcceptInvitation();
  const form = useProblemForm(accept, { displayName: '', password: '' });
  const { displayName, password } = form.values;

  if (!token) {
    return (
      <Frame>
        <Alert color="red" title="This link is incomplete">
          The invitation link has no token. Open the full link from your invitation.
        </Alert>
      </Frame>
    );
  }

  if (accept.data) {
    return (
      <Frame>
        <Accepted orgId={accept.data.orgId} email={accept.data.email} signedIn={Boolean(me.data)} />
      </Frame>
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    accept.mutate({
      token,
      ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
      ...(password ? { password } : {}),
    });
  }

  const needsSignIn = isProblem(accept.error, 401);
  const here = `/accept-invitation?token=${encodeURIComponent(token)}`;

  return (
    <Frame>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Group>
            <IconMailOpened size={20} />
            <Text size="sm">
              {me.data ? `You are signed in as ${me.data.user.email}.` : 'New to Hexaplane? Choose your name and a password.'}
            </Text>
          </Group>
          {!me.data && (
            <>
              <TextInput label="Display name" placeholder="Ada Lovelace" {...form.text('displayName')} data-testid="accept-display-name" />
              <PasswordInput label="Password" description="At least 12 characters; a passphrase works well" autoComplete="new-password" {...form.text('password')} data-testid="accept-password" />
            </>
          )}
          {needsSignIn ? (
            <Alert color="blue" variant="light" title="You already have an account">
              <Stack gap="xs">
                <span>{accept.error?.message}</span>
                <Button size="xs" component={Link} to={`/sign-in?next=${encodeURIComponent(here)}`} w="fit-content" data-testid="accept-sign-in-first">
                  Sign in, then accept
                </Button>
              </Stack>
            </Alert>
          ) : (
            accept.error && !form.error('displayName', 'password') && <ProblemAlert error={accept.error} title="Could not accept the invitation" />
          )}
          <Button type="submit" loading={accept.isPending} data-testid="accept-submit">
            Accept invitation
          </Button>
        </Stack>
      </form>
    </Frame>
  );
}
