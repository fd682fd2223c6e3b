import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { api, call, ifMatch, setCsrfToken, type BodyOf } from './client.ts';
import { orgKey, useApiMutation } from './query.ts';
import { meKey, type Viewer } from './session.ts';
import type { MfaChallenge, SignInResult } from './types.ts';

/** MFA (your factors, the sign-in step, step-up) and the organization security policy (ADR 0013). */

export type { MfaChallenge, SecurityPolicy } from './types.ts';
export type SecurityPolicyInput = BodyOf<'/api/v1/orgs/{orgId}/security-policy', 'put'>;
type Factor = { totp: string } | { recoveryCode: string } | { passkey: true };

const mfaKey = ['me', 'mfa'] as const;

export function useMyMfa() {
  return useQuery({ queryKey: mfaKey, queryFn: () => call(api.GET('/api/v1/me/mfa')) });
}

export function useStartTotp() {
  return useApiMutation((_: void) => call(api.POST('/api/v1/me/mfa/totp')), []);
}

export function useConfirmTotp() {
  return useApiMutation((code: string) => call(api.POST('/api/v1/me/mfa/totp/confirm', { body: { code } })), [mfaKey]);
}

export function useRemoveTotp() {
  return useApiMutation((_: void) => call(api.DELETE('/api/v1/me/mfa/totp')), [mfaKey]);
}

export function useRegenerateRecoveryCodes() {
  return useApiMutation((_: void) => call(api.POST('/api/v1/me/mfa/recovery-codes')), [mfaKey]);
}

/** Registers a passkey: options from the server, the browser's ceremony, the result back. */
export function useRegisterPasskey() {
  return useApiMutation(async (name: string) => {
    const options = await call(api.POST('/api/v1/me/mfa/webauthn/registration-options'));
    const response = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
    return call(api.POST('/api/v1/me/mfa/webauthn/registrations', { body: { name, response: response as never } }));
  }, [mfaKey]);
}

export function useRemovePasskey() {
  return useApiMutation((credentialId: string) => call(api.DELETE('/api/v1/me/mfa/webauthn/{credentialId}', { params: { path: { credentialId } } })), [mfaKey]);
}

async function passkeyAssertion(options: unknown) {
  return (await startAuthentication({ optionsJSON: options as PublicKeyCredentialRequestOptionsJSON })) as never;
}

/** The second step of sign-in: one factor against the challenge's mfaToken. */
export function useCompleteMfa() {
  const client = useQueryClient();
  return useMutation<SignInResult, Error, { challenge: MfaChallenge; factor: Factor }>({
    mutationFn: async ({ challenge, factor }) => {
      const body =
        'passkey' in factor
          ? { mfaToken: challenge.mfaToken, webauthn: await passkeyAssertion(challenge.webauthnOptions) }
          : { mfaToken: challenge.mfaToken, ...factor };
      return call(api.POST('/api/v1/session/mfa', { body }));
    },
    onSuccess: (signedIn) => {
      setCsrfToken(signedIn.csrfToken);
      client.clear();
      client.setQueryData<Viewer>(meKey, { user: signedIn.user, apiKey: null, sessionId: null, csrfToken: signedIn.csrfToken, authenticatedVia: 'session' });
      void client.invalidateQueries({ queryKey: meKey });
    },
  });
}

/** Proves a factor again for actions that need a recent one (403 step-up-required). */
export function useStepUp() {
  return useApiMutation(async (factor: Factor) => {
    if ('passkey' in factor) {
      const options = await call(api.POST('/api/v1/me/mfa/webauthn/authentication-options'));
      return call(api.POST('/api/v1/me/step-up', { body: { webauthn: await passkeyAssertion(options) } }));
    }
    return call(api.POST('/api/v1/me/step-up', { body: factor }));
  }, [mfaKey]);
}

export function useSecurityPolicy(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'security-policy'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/security-policy', { params: { path: { orgId } } })),
  });
}

export function usePutSecurityPolicy(orgId: string) {
  return useApiMutation(
    ({ version, body }: { version: number; body: SecurityPolicyInput }) =>
      call(api.PUT('/api/v1/orgs/{orgId}/security-policy', { params: { path: { orgId } }, body, ...ifMatch(version) })),
    [orgKey(orgId, 'security-policy')],
  );
}
