import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { queryClient, setUnauthenticatedHandler } from './api/query.ts';
import { meKey } from './api/session.ts';
import { StepUpPrompt } from './components/StepUpPrompt.tsx';
import { router } from './router.tsx';
import { theme } from './theme.ts';

// A 401 may mean the session ended (expired, revoked elsewhere): ask GET /me again. If it is
// gone, /me answers null and the session gate sends the user to sign in; if not (a 401 about
// something else, like accepting another person's invitation), nothing changes.
setUnauthenticatedHandler(() => {
  void queryClient.invalidateQueries({ queryKey: meKey });
});

export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      <Notifications position="bottom-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
        <StepUpPrompt />
      </QueryClientProvider>
    </MantineProvider>
  );
}
