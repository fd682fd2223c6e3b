import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { setCsrfToken } from './api/client.ts';
import { queryClient, setSignedOutHandler } from './api/query.ts';
import { meKey } from './api/session.ts';
import { router } from './router.tsx';
import { theme } from './theme.ts';

// A 401 anywhere means the session is gone: forget it, and the session gate sends the user to sign in.
setSignedOutHandler(() => {
  setCsrfToken(null);
  if (queryClient.getQueryData(meKey)) queryClient.setQueryData(meKey, null);
});

export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      <Notifications position="bottom-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
