import { Button, Divider, Group, Modal, PinInput, Stack, Text } from '@mantine/core';
import { IconFingerprint } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { setStepUpHandler } from '../api/client.ts';
import { useStepUp } from '../api/mfa.ts';
import { ProblemAlert } from './ProblemAlert.tsx';

/**
 * The one step-up prompt of the console (ADR 0013): any API call answered with 403
 * `step-up-required` opens it (api/client.ts); proving a TOTP code or a passkey retries the
 * call, closing it gives the call its original error. Mounted once, in App.
 */
export function StepUpPrompt() {
  const [request, setRequest] = useState<{ detail?: string } | null>(null);
  const resolver = useRef<((proved: boolean) => void) | null>(null);
  const [code, setCode] = useState('');
  const stepUp = useStepUp();

  useEffect(() => {
    setStepUpHandler(
      (problem) =>
        new Promise<boolean>((resolve) => {
          resolver.current = resolve;
          setCode('');
          stepUp.reset();
          setRequest(problem);
        }),
    );
    return () => setStepUpHandler(null);
    // Registered once: stepUp.reset is stable.
  }, []);

  function finish(proved: boolean) {
    resolver.current?.(proved);
    resolver.current = null;
    setRequest(null);
  }

  const prove = (factor: { totp: string } | { passkey: true }) => stepUp.mutate(factor, { onSuccess: () => finish(true), onError: () => setCode('') });

  return (
    <Modal opened={request !== null} onClose={() => finish(false)} title="Confirm it is you" centered data-testid="step-up-prompt">
      <Stack>
        <Text size="sm">{request?.detail ?? 'This action needs a recent second factor.'}</Text>
        <Text size="sm" c="dimmed">Enter the code from your authenticator app, or use a passkey. The action continues once you are verified.</Text>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (code.length === 6) prove({ totp: code });
          }}
        >
          <Group>
            <PinInput length={6} type="number" oneTimeCode autoFocus value={code} onChange={setCode} data-testid="step-up-totp" />
            <Button type="submit" disabled={code.length !== 6} loading={stepUp.isPending} data-testid="step-up-verify">
              Verify
            </Button>
          </Group>
        </form>
        <Divider label="or" />
        <Button leftSection={<IconFingerprint size={18} />} variant="light" loading={stepUp.isPending} onClick={() => prove({ passkey: true })} data-testid="step-up-passkey">
          Use a passkey
        </Button>
        {stepUp.error && <ProblemAlert error={stepUp.error} />}
      </Stack>
    </Modal>
  );
}
