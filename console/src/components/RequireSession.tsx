import { Outlet, Navigate, useLocation } from 'react-router';
import { useMe } from '../api/session.ts';
import { PageLoader } from './PageLoader.tsx';
import { ProblemAlert } from './ProblemAlert.tsx';
import { Container } from '@mantine/core';

/** Renders the signed-in console, or sends the visitor to sign in and back here afterwards. */
export function RequireSession() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <PageLoader fullScreen />;
  if (me.isError) {
    return (
      <Container size="sm" py="xl">
        <ProblemAlert error={me.error} title="The console could not reach the server" onRetry={() => void me.refetch()} />
      </Container>
    );
  }
  if (!me.data) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}
