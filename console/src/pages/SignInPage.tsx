import { Alert, Anchor, Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, call } from '../api/client.ts';
import { isProblem, problemBody } from '../api/problem.ts';
import type { MfaChallenge } from '../api/mfa.ts';
import { useMe, useSignIn } from '../api/session.ts';
import { AuthFrame } from '../components/AuthFrame.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { PageLoader } from '../components/PageLoader.tsx';
import { ProblemAlert } from '../components/ProblemAlert.tsx';
import { MfaSignInStep } from './MfaSignInStep.tsx';

/** Only same-origin paths: a `next` pointing elsewhere would make this page an open redirect. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}

/** The account is locked after repeated failures; counts down the `retryAfter` the server gave. */
function LockoutNotice({ retryAfter, since }: { retryAfter: number; since: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const left = Math.max(0, Math.ceil(retryAfter - (now - since) / 1000));
  return (
    <Alert color="orange" variant="light" icon={<IconLock size={18} />} title="Account temporarily locked" data-testid="signin-locked">
      {left > 0 ? (
        <>
          Too many failed sign-in attempts. Try again in <b data-testid="signin-retry-after">{formatWait(left)}</b>.
        </>
      ) : (
        'You can try again now.'
      )}
    </Alert>
  );
}

export function SignInPage() {
  const me = useMe();
  const signIn = useSignIn();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const form = useProblemForm(signIn, { email: params.get('email') ?? '', password: '' });
  const { email, password } = form.values;
  const [lockedAt, setLockedAt] = useState(0);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const [noSso, setNoSso] = useState(false);
  const ssoError = params.get('ssoError');
  const toIdp = (startUrl: string) => window.location.assign(`${startUrl}?returnTo=${encodeURIComponent(next)}`);

  // E-mail first: an address of a domain with single sign-on goes to its identity provider.
  async function continueWithSso() {
    const found = await call(api.POST('/api/v1/sso/discover', { body: { email: email.trim() } }));
    if (found.sso && found.startUrl) toIdp(found.startUrl);
    else setNoSso(true);
  }

  if (me.isPending) return <PageLoader fullScreen />;
  if (me.data && !signIn.isPending) return <Navigate to={next} replace />;

  function submit(event: FormEvent) {
    event.preventDefault();
    signIn.mutate(
      { email: email.trim(), password },
      {
        onSuccess: (answer) => ('mfaRequired' in answer ? setChallenge(answer) : navigate(next, { replace: true })),
        onError: (error) => {
          if (isProblem(error, 423)) setLockedAt(Date.now());
          const startUrl = problemBody(error)?.startUrl;
          if (typeof startUrl === 'string') toIdp(startUrl);
        },
      },
    );
  }

  const error = signIn.error;
  const locked = isProblem(error, 423);
  const retryAfter = Number(problemBody(error)?.retryAfter ?? 0);

  const footer = (
    <Group justify="center" mt="md">
      <Text size="xs" c="dimmed">
        Invited? Open the link from your invitation. <Anchor href="/docs" size="xs">API reference</Anchor>
      </Text>
    </Group>
  );
  return (
    <AuthFrame title="Sign in to Hexaplane" subtitle="The control plane for your Kubernetes platform" width={420} footer={footer}>
      {challenge ? (
        <MfaSignInStep challenge={challenge} onSignedIn={() => navigate(next, { replace: true })} onCancel={() => setChallenge(null)} />
      ) : (
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="E-mail" type="email" autoComplete="username" required autoFocus {...form.text('email')} data-testid="signin-email" />
          <PasswordInput label="Password" autoComplete="current-password" required {...form.text('password')} data-testid="signin-password" />
          {locked ? (
            <LockoutNotice retryAfter={retryAfter} since={lockedAt} />
          ) : (
            error && !form.error('email', 'password') && <ProblemAlert error={error} title="Could not sign you in" />
          )}
          <Button type="submit" fullWidth loading={signIn.isPending} disabled={!email || !password} data-testid="signin-submit">
            Sign in
          </Button>
          <Button variant="default" fullWidth disabled={!email} onClick={() => void continueWithSso()} data-testid="signin-sso">
            Continue with single sign-on
          </Button>
          {noSso && <Text size="sm" c="dimmed">No single sign-on is set up for this address; sign in with your password.</Text>}
          {ssoError && <Alert color="red" variant="light" title="Single sign-on failed">Reason: {ssoError}. Your administrator can see the details in the connection&apos;s traces.</Alert>}
        </Stack>
      </form>
      )}
    </AuthFrame>
  );
}
