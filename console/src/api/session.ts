import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, setCsrfToken, type BodyOf } from './client.ts';
import { isProblem } from './problem.ts';
import { useApiMutation } from './query.ts';
import type { Me, MfaChallenge, SignedIn, User } from './types.ts';

/** The password step's answer: a session, or (with MFA) a challenge for the second step. */
export type SignInAnswer = SignedIn | MfaChallenge;

export const meKey = ['me'] as const;
const sessionsKey = ['me', 'sessions'] as const;

/** The console's view of GET /me: always a user (an API-key caller has no console). */
export interface Viewer extends Omit<Me, 'user'> {
  user: User;
}

/** The signed-in user, or null when there is no session (401). */
export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: async (): Promise<Viewer | null> => {
      try {
        const me = await call(api.GET('/api/v1/me'));
        if (!me.user) return null;
        if (me.csrfToken) setCsrfToken(me.csrfToken);
        return { ...me, user: me.user };
      } catch (error) {
        if (!isProblem(error, 401)) throw error;
        setCsrfToken(null);
        return null;
      }
    },
    staleTime: 60_000,
  });
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation<SignInAnswer, Error, BodyOf<'/api/v1/session', 'post'>>({
    mutationFn: (body) => call(api.POST('/api/v1/session', { body })),
    onSuccess: (signedIn) => {
      if ('mfaRequired' in signedIn) return;
      setCsrfToken(signedIn.csrfToken);
      // Whatever was cached belonged to whoever was signed in before.
      client.clear();
      client.setQueryData<Viewer>(meKey, { user: signedIn.user, apiKey: null, sessionId: null, csrfToken: signedIn.csrfToken, authenticatedVia: 'session' });
      void client.invalidateQueries({ queryKey: meKey });
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation<void, Error, void>({
    mutationFn: async () => {
      try {
        await call(api.DELETE('/api/v1/session'));
      } catch (error) {
        // Already signed out is the state we want.
        if (!isProblem(error, 401)) throw error;
      }
    },
    onSettled: () => {
      setCsrfToken(null);
      client.clear();
      client.setQueryData(meKey, null);
    },
  });
}

export function useMySessions() {
  return useQuery({
    queryKey: sessionsKey,
    queryFn: () => call(api.GET('/api/v1/me/sessions', { params: { query: { limit: 200 } } })),
    select: (page) => page.items,
  });
}

export function useRevokeSession() {
  return useApiMutation((sessionId: string) => call(api.DELETE('/api/v1/me/sessions/{sessionId}', { params: { path: { sessionId } } })), [sessionsKey]);
}

export function useChangePassword() {
  return useApiMutation((body: BodyOf<'/api/v1/me/password', 'put'>) => call(api.PUT('/api/v1/me/password', { body })), [sessionsKey]);
}
