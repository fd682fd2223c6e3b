import { Alert, NumberInput, Text } from '@mantine/core';
import { useRotateApiKey } from '../api/identity.ts';
import type { ApiKey, ApiKeyWithSecret } from '../api/types.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifySuccess } from '../lib/notify.ts';
import { CreateApiKeyForm } from './ApiKeyForm.tsx';
import { ProblemForm } from './form/ProblemForm.tsx';
import { useProblemForm } from './form/useProblemForm.ts';
import { RevealModal, RevealPanel } from './RevealModal.tsx';
import { SecretReveal } from './SecretReveal.tsx';

function ShownOnce({ created, onDone, rotated }: { created: ApiKeyWithSecret; onDone: () => void; rotated: boolean }) {
  return (
    <RevealPanel doneLabel="I have stored it" doneTestId="secret-done" onDone={onDone}>
      <Text size="sm">
        {rotated ? 'The new secret of ' : 'The secret of '}
        <b>{created.apiKey.name}</b>. Send it as <code>Authorization: Bearer &lt;secret&gt;</code>.
      </Text>
      {rotated && created.apiKey.previousSecretExpiresAt && (
        <Alert color="blue" variant="light">
          The old secret keeps working until {formatDateTime(created.apiKey.previousSecretExpiresAt)}, so you can roll it out without downtime.
        </Alert>
      )}
      <SecretReveal
        secret={created.secret}
        testId="secret-value"
        hint="Hexaplane keeps only a hash of it. If you lose it, rotate the key."
        footnote="Store it in your secret manager; anyone holding it acts with the key's permissions."
      />
    </RevealPanel>
  );
}

export function CreateApiKeyModal({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  return (
    <RevealModal<ApiKeyWithSecret>
      opened={opened}
      onClose={onClose}
      title="Create an API key"
      revealTitle="Copy your API key"
      holdOnEscape
      form={(onCreated, close) => <CreateApiKeyForm orgId={orgId} onCreated={onCreated} onCancel={close} />}
      reveal={(created, close) => <ShownOnce created={created} onDone={close} rotated={false} />}
    />
  );
}

function RotateForm({ orgId, apiKey, onRotated, onCancel }: { orgId: string; apiKey: ApiKey; onRotated: (c: ApiKeyWithSecret) => void; onCancel: () => void }) {
  const rotate = useRotateApiKey(orgId);
  const form = useProblemForm(rotate, { overlapMinutes: 60 as number | string });

  function submit() {
    const { overlapMinutes } = form.values;
    rotate.mutate(
      { id: apiKey.id, overlapMinutes: typeof overlapMinutes === 'number' ? overlapMinutes : 60 },
      {
        onSuccess: (rotated) => {
          notifySuccess(`${apiKey.name} has a new secret.`, 'API key rotated');
          onRotated(rotated);
        },
      },
    );
  }

  return (
    <ProblemForm submission={rotate} fields={['overlapMinutes']} onSubmit={submit} onCancel={onCancel} submitLabel="Rotate secret" submitTestId="apikey-rotate-submit">
      <Text size="sm">
        Rotating <b>{apiKey.name}</b> issues a new secret. The current one keeps working during the overlap, then stops.
      </Text>
      <NumberInput
        label="Overlap (minutes)"
        description="0 ends the old secret at once; at most 10080 (7 days)"
        min={0}
        max={10080}
        allowDecimal={false}
        {...form.field('overlapMinutes')}
        data-testid="apikey-rotate-overlap"
      />
    </ProblemForm>
  );
}

export function RotateApiKeyModal({ orgId, apiKey, onClose }: { orgId: string; apiKey: ApiKey | null; onClose: () => void }) {
  return (
    <RevealModal<ApiKeyWithSecret>
      opened={apiKey !== null}
      onClose={onClose}
      title="Rotate API key"
      revealTitle="Copy the new secret"
      holdOnEscape
      form={(onRotated, close) => apiKey && <RotateForm orgId={orgId} apiKey={apiKey} onRotated={onRotated} onCancel={close} />}
      reveal={(rotated, close) => <ShownOnce created={rotated} onDone={close} rotated />}
    />
  );
}
