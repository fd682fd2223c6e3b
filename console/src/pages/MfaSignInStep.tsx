import { Anchor, Button, Divider, PinInput, Stack, Text, TextInput } from '@mantine/core';
import { IconFingerprint } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useCompleteMfa, type MfaChallenge } from '../api/mfa.ts';
import { ProblemAlert } from '../components/ProblemAlert.tsx';

/** The second step of sign-in: a passkey, the authenticator app's code, or a recovery code. */
export function MfaSignInStep({ challenge, onSignedIn, onCancel }: { challenge: MfaChallenge; onSignedIn: () => void; onCancel: () => void }) {
  const complete = useCompleteMfa();
  const [code, setCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(!challenge.methods.includes('totp') && !challenge.methods.includes('webauthn'));
  const [recoveryCode, setRecoveryCode] = useState('');
  const submit = (factor: Parameters<typeof complete.mutate>[0]['factor']) => complete.mutate({ challenge, factor }, { onSuccess: onSignedIn });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    submit(useRecovery ? { recoveryCode: recoveryCode.trim() } : { totp: code });
  }

  return (
    <Stack data-testid="mfa-step">
      <Text size="sm">Your account is protected by a second factor.</Text>
      {challenge.methods.includes('webauthn') && (
        <Button leftSection={<IconFingerprint size={18} />} variant="light" loading={complete.isPending} onClick={() => submit({ passkey: true })} data-testid="mfa-passkey">
          Use a passkey
        </Button>
      )}
      {challenge.methods.includes('webauthn') && <Divider label="or" labelPosition="center" />}
      <form onSubmit={onSubmit} noValidate>
        <Stack>
          {useRecovery ? (
            <TextInput label="Recovery code" autoComplete="one-time-code" value={recoveryCode} onChange={(e) => setRecoveryCode(e.currentTarget.value)} data-testid="mfa-recovery-code" />
          ) : (
            challenge.methods.includes('totp') && (
              <Stack gap={4}>
                <Text size="sm" fw={500}>Code from your authenticator app</Text>
                <PinInput length={6} type="number" oneTimeCode autoFocus value={code} onChange={setCode} data-testid="mfa-totp" />
              </Stack>
            )
          )}
          {complete.error && <ProblemAlert error={complete.error} title="Not accepted" />}
          {(useRecovery || challenge.methods.includes('totp')) && (
            <Button type="submit" fullWidth loading={complete.isPending} disabled={useRecovery ? recoveryCode.trim().length < 8 : code.length !== 6} data-testid="mfa-submit">
              Verify
            </Button>
          )}
        </Stack>
      </form>
      <Text size="xs" c="dimmed" ta="center">
        <Anchor component="button" type="button" size="xs" onClick={() => setUseRecovery((v) => !v)} data-testid="mfa-toggle-recovery">
          {useRecovery ? 'Use your authenticator app' : 'Use a recovery code'}
        </Anchor>
        {' · '}
        <Anchor component="button" type="button" size="xs" onClick={onCancel}>
          Start over
        </Anchor>
      </Text>
    </Stack>
  );
}
