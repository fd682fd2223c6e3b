import { Alert, Badge, Button, Code, Group, Image, PinInput, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { IconFingerprint, IconShieldCheck } from '@tabler/icons-react';
import { useState } from 'react';
import { useConfirmTotp, useMyMfa, useRegenerateRecoveryCodes, useRegisterPasskey, useRemovePasskey, useRemoveTotp, useStartTotp } from '../api/mfa.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert, QueryState } from '../components/ProblemAlert.tsx';
import { SectionCard } from '../components/SectionCard.tsx';
import { formatDateTime } from '../lib/format.ts';
import { notifySuccess } from '../lib/notify.ts';

/** Recovery codes are shown once, right after they are made. */
function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <Alert color="yellow" title="Your recovery codes (shown only now)" data-testid="mfa-recovery-codes">
      <Text size="sm" mb="xs">Each works once, when you cannot use your app or passkey. Store them somewhere safe.</Text>
      <SimpleGrid cols={2} spacing={4}>
        {codes.map((c) => (
          <Code key={c}>{c}</Code>
        ))}
      </SimpleGrid>
    </Alert>
  );
}

function TotpSection({ enrolled }: { enrolled: boolean }) {
  const start = useStartTotp();
  const confirm = useConfirmTotp();
  const remove = useRemoveTotp();
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const enrolment = start.data;

  if (enrolled) {
    return (
      <Stack>
        {codes && <RecoveryCodes codes={codes} />}
        <Group justify="space-between">
          <Badge color="teal" leftSection={<IconShieldCheck size={12} />} data-testid="mfa-totp-enrolled">Authenticator app in use</Badge>
          <Button color="red" variant="subtle" size="xs" loading={remove.isPending} onClick={() => remove.mutate(undefined, { onSuccess: () => notifySuccess('Authenticator app removed') })}>
            Remove
          </Button>
        </Group>
        {remove.error && <ProblemAlert error={remove.error} />}
      </Stack>
    );
  }
  if (!enrolment) {
    return (
      <Stack align="flex-start">
        <Button onClick={() => start.mutate()} loading={start.isPending} data-testid="mfa-totp-start">Set up an authenticator app</Button>
        {start.error && <ProblemAlert error={start.error} />}
      </Stack>
    );
  }
  return (
    <Stack>
      <Group align="flex-start">
        <Image src={enrolment.qrCodeDataUrl} w={180} h={180} alt="QR code for your authenticator app" data-testid="mfa-totp-qr" />
        <Stack gap="xs" style={{ flex: 1 }}>
          <Text size="sm">Scan the code with your authenticator app, or type this key:</Text>
          <Code data-testid="mfa-totp-secret">{enrolment.secret}</Code>
          <Text size="sm" fw={500}>Then enter the code it shows</Text>
          <PinInput length={6} type="number" oneTimeCode value={code} onChange={setCode} data-testid="mfa-totp-code" />
          <Group>
            <Button disabled={code.length !== 6} loading={confirm.isPending} onClick={() => confirm.mutate(code, { onSuccess: (r) => { setCodes(r.recoveryCodes ?? null); notifySuccess('Authenticator app enrolled'); } })} data-testid="mfa-totp-confirm">
              Confirm
            </Button>
          </Group>
          {confirm.error && <ProblemAlert error={confirm.error} />}
        </Stack>
      </Group>
    </Stack>
  );
}

function PasskeySection({ credentials }: { credentials: { id: string; name: string; createdAt: string; lastUsedAt: string | null }[] }) {
  const register = useRegisterPasskey();
  const remove = useRemovePasskey();
  const [name, setName] = useState('Passkey');
  const [codes, setCodes] = useState<string[] | null>(null);
  return (
    <Stack>
      {codes && <RecoveryCodes codes={codes} />}
      {credentials.length === 0 && <Text size="sm" c="dimmed">No passkeys yet.</Text>}
      {credentials.map((c) => (
        <Group key={c.id} justify="space-between" data-testid="mfa-passkey-row">
          <Stack gap={0}>
            <Text size="sm" fw={500}>{c.name}</Text>
            <Text size="xs" c="dimmed">Added {formatDateTime(c.createdAt)}{c.lastUsedAt ? ` · last used ${formatDateTime(c.lastUsedAt)}` : ''}</Text>
          </Stack>
          <Button color="red" variant="subtle" size="xs" onClick={() => remove.mutate(c.id, { onSuccess: () => notifySuccess('Passkey removed') })}>Remove</Button>
        </Group>
      ))}
      {remove.error && <ProblemAlert error={remove.error} />}
      <Group align="flex-end">
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="mfa-passkey-name" />
        <Button leftSection={<IconFingerprint size={16} />} loading={register.isPending} onClick={() => register.mutate(name, { onSuccess: (r) => { setCodes(r.recoveryCodes ?? null); notifySuccess('Passkey added'); } })} data-testid="mfa-passkey-add">
          Add a passkey
        </Button>
      </Group>
      {register.error && <ProblemAlert error={register.error} />}
    </Stack>
  );
}

export function MfaPage() {
  const mfa = useMyMfa();
  const status = mfa.data;
  const regenerate = useRegenerateRecoveryCodes();
  return (
    <>
      <PageHeader title="Multi-factor authentication" description="A second factor keeps your account safe when your password is not." />
      <QueryState query={mfa}>
        {status && (
          <Stack>
            {status.requiredBy.length > 0 && !status.totp.enrolled && status.webauthn.length === 0 && (
              <Alert color="orange" title="Your organization requires MFA" data-testid="mfa-required">Set up an authenticator app or a passkey to keep using it.</Alert>
            )}
            <SectionCard title="Authenticator app (TOTP)" description="Google Authenticator, 1Password, Authy and the like.">
              <TotpSection enrolled={status.totp.enrolled} />
            </SectionCard>
            <SectionCard title="Passkeys" description="Your device's fingerprint, face or PIN, or a security key (WebAuthn).">
              <PasskeySection credentials={status.webauthn} />
            </SectionCard>
            <SectionCard title="Recovery codes" description={`${status.recoveryCodes.remaining} of ${status.recoveryCodes.total} unused.`}>
              <Stack align="flex-start">
                {regenerate.data && <RecoveryCodes codes={regenerate.data.recoveryCodes ?? []} />}
                <Button variant="default" disabled={status.recoveryCodes.total === 0} loading={regenerate.isPending} onClick={() => regenerate.mutate()}>
                  Make new recovery codes
                </Button>
                {regenerate.error && <ProblemAlert error={regenerate.error} />}
              </Stack>
            </SectionCard>
          </Stack>
        )}
      </QueryState>
    </>
  );
}
