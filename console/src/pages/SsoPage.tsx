import { Alert, Badge, Button, Code, Group, SegmentedControl, Stack, Stepper, Switch, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useOrgId } from '../api/org.ts';
import {
  useCreateDomain,
  useCreateSsoConnection,
  useDeleteDomain,
  useCreateSsoEncryptionKey,
  useRequireEncryptedAssertions,
  useRetireSsoEncryptionKey,
  useDomains,
  useEnforceSso,
  useSetSsoConnectionEnabled,
  useSsoConnections,
  useSsoTraces,
  useTestSsoConnection,
  useVerifyDomain,
  type SsoConnection,
  type SsoConnectionInput,
} from '../api/sso.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { SsoMappingsEditor } from '../components/SsoMappingsEditor.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert } from '../components/ProblemAlert.tsx';
import { SectionCard } from '../components/SectionCard.tsx';
import { Time } from '../components/Time.tsx';

type Choice = 'okta-oidc' | 'entra-oidc' | 'google-oidc' | 'generic-oidc' | 'okta-saml' | 'entra-saml' | 'generic-saml';

const choices: Array<{ value: Choice; label: string }> = [
  { value: 'okta-oidc', label: 'Okta (OIDC)' },
  { value: 'entra-oidc', label: 'Entra ID (OIDC)' },
  { value: 'google-oidc', label: 'Google' },
  { value: 'generic-oidc', label: 'Generic OIDC' },
  { value: 'okta-saml', label: 'Okta (SAML)' },
  { value: 'entra-saml', label: 'Entra ID (SAML)' },
  { value: 'generic-saml', label: 'Generic SAML' },
];

/** The setup wizard: choose the IdP, enter what it gave you, see what to paste back, test, enable. */
function ConnectionWizard({ orgId, onDone }: { orgId: string; onDone: () => void }) {
  const [step, setStep] = useState(0);
  const [choice, setChoice] = useState<Choice>('okta-oidc');
  const [name, setName] = useState('');
  const [discoveryUrl, setDiscoveryUrl] = useState('');
  const [tenantId, setTenantId] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [metadataUrl, setMetadataUrl] = useState('');
  const [metadataXml, setMetadataXml] = useState('');
  const [created, setCreated] = useState<SsoConnection | null>(null);
  const create = useCreateSsoConnection(orgId);
  const test = useTestSsoConnection(orgId);
  const enable = useSetSsoConnectionEnabled(orgId);
  const [preset, kind] = choice.split('-') as [SsoConnectionInput['preset'] & string, 'oidc' | 'saml'];

  function submit() {
    const body: SsoConnectionInput =
      kind === 'oidc'
        ? { name, kind, preset, jitProvisioning: true, oidc: { clientId, clientSecret, ...(discoveryUrl ? { discoveryUrl } : {}), ...(tenantId ? { tenantId } : {}) } }
        : { name, kind, preset, jitProvisioning: true, saml: { ...(metadataUrl ? { metadataUrl } : {}), ...(metadataXml ? { metadataXml } : {}), wantAssertionsSigned: true, wantResponseSigned: false, allowIdpInitiated: false, clockSkewSeconds: 120 } };
    create.mutate(body, { onSuccess: (c) => (setCreated(c), setStep(2)) });
  }

  return (
    <Stepper active={step} onStepClick={setStep} allowNextStepsSelect={false}>
      <Stepper.Step label="Identity provider">
        <Stack mt="md">
          <SegmentedControl data={choices} value={choice} onChange={(v) => setChoice(v as Choice)} data-testid="sso-choice" />
          <Group justify="flex-end">
            <Button onClick={() => setStep(1)}>Next</Button>
          </Group>
        </Stack>
      </Stepper.Step>
      <Stepper.Step label="Settings">
        <Stack mt="md">
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          {kind === 'oidc' && preset === 'entra' && <TextInput label="Directory (tenant) ID" value={tenantId} onChange={(e) => setTenantId(e.currentTarget.value)} />}
          {kind === 'oidc' && preset !== 'entra' && preset !== 'google' && <TextInput label="Discovery URL (issuer)" value={discoveryUrl} onChange={(e) => setDiscoveryUrl(e.currentTarget.value)} />}
          {kind === 'oidc' && <TextInput label="Client ID" required value={clientId} onChange={(e) => setClientId(e.currentTarget.value)} />}
          {kind === 'oidc' && <TextInput label="Client secret" type="password" required value={clientSecret} onChange={(e) => setClientSecret(e.currentTarget.value)} />}
          {kind === 'saml' && <TextInput label="IdP metadata URL" value={metadataUrl} onChange={(e) => setMetadataUrl(e.currentTarget.value)} />}
          {kind === 'saml' && <Textarea label="…or the IdP metadata XML" autosize minRows={3} maxRows={8} value={metadataXml} onChange={(e) => setMetadataXml(e.currentTarget.value)} />}
          <ProblemAlert error={create.error} />
          <Group justify="flex-end">
            <Button onClick={submit} loading={create.isPending}>Create</Button>
          </Group>
        </Stack>
      </Stepper.Step>
      <Stepper.Step label="Paste into the IdP, test, enable">
        {created && (
          <Stack mt="md">
            <Text>Give your identity provider these values:</Text>
            {created.saml ? (
              <>
                <Text size="sm">Entity ID / audience: <Code>{created.saml.spEntityId}</Code></Text>
                <Text size="sm">ACS (reply) URL: <Code>{created.saml.acsUrl}</Code></Text>
                <Text size="sm">To encrypt assertions: the SP metadata at <Code>{created.saml.spMetadataUrl}</Code> carries the encryption certificate.</Text>
              </>
            ) : (
              <Text size="sm">Sign-in redirect URI: <Code>{created.redirectUri}</Code></Text>
            )}
            <Text size="sm">Initiate login URI: <Code>{created.startUrl}</Code></Text>
            <ProblemAlert error={test.error ?? enable.error} />
            <Group justify="flex-end">
              <Button variant="default" loading={test.isPending} onClick={() => test.mutate(created.id, { onSuccess: (r) => window.open(r.authorizationUrl, '_blank', 'noopener') })}>
                Run a test sign-in
              </Button>
              <Button onClick={() => enable.mutate({ id: created.id, version: created.version, enabled: true }, { onSuccess: onDone })}>Enable</Button>
            </Group>
          </Stack>
        )}
      </Stepper.Step>
    </Stepper>
  );
}

function Traces({ orgId, connectionId }: { orgId: string; connectionId: string }) {
  const traces = useSsoTraces(orgId, connectionId);
  if (!traces.data?.length) return <Text c="dimmed" size="sm">No sign-in failures or tests recorded.</Text>;
  return (
    <Table>
      <Table.Tbody>
        {traces.data.map((t) => (
          <Table.Tr key={t.id} data-testid="sso-trace-row" data-reason={t.reason} data-outcome={t.outcome}>
            <Table.Td><Time iso={t.at} /></Table.Td>
            <Table.Td><Badge color={t.outcome === 'success' ? 'teal' : 'red'}>{t.reason}</Badge></Table.Td>
            <Table.Td>{t.purpose}</Table.Td>
            <Table.Td><Text size="sm">{t.detail}</Text></Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** A SAML connection's SP encryption certificates: require encryption, rotate, retire the previous one. */
function SamlEncryption({ orgId, connection }: { orgId: string; connection: SsoConnection }) {
  const require = useRequireEncryptedAssertions(orgId);
  const rotate = useCreateSsoEncryptionKey(orgId);
  const retire = useRetireSsoEncryptionKey(orgId);
  const saml = connection.saml!;
  const target = { id: connection.id, version: connection.version };
  return (
    <Stack data-testid="saml-encryption">
      <Switch
        label="Require encrypted assertions"
        description="Plaintext assertions are refused (trace reason assertion-not-encrypted)"
        checked={saml.requireEncryptedAssertions}
        onChange={(e) => require.mutate({ ...target, required: e.currentTarget.checked })}
      />
      <Table>
        <Table.Tbody>
          {saml.encryptionCertificates.map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td>{c.current ? <Badge color="teal">current</Badge> : <Badge color="gray">previous</Badge>}</Table.Td>
              <Table.Td><Code>{c.fingerprint}</Code></Table.Td>
              <Table.Td><Time iso={c.createdAt} /></Table.Td>
              <Table.Td>
                {!c.current && (
                  <Button size="xs" variant="default" loading={retire.isPending} onClick={() => retire.mutate({ ...target, keyId: c.id })}>
                    Retire
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm" c="dimmed">
        The SP metadata (<Code>{saml.spMetadataUrl}</Code>) lists every certificate here. Rotate, let the IdP pick up the new certificate, then retire the previous one.
      </Text>
      <ProblemAlert error={require.error ?? rotate.error ?? retire.error} />
      <Group>
        <Button size="xs" variant="default" loading={rotate.isPending} onClick={() => rotate.mutate(target)}>
          Rotate encryption key
        </Button>
      </Group>
    </Stack>
  );
}

function Domains({ orgId }: { orgId: string }) {
  const domains = useDomains(orgId);
  const create = useCreateDomain(orgId);
  const verify = useVerifyDomain(orgId);
  const enforce = useEnforceSso(orgId);
  const remove = useDeleteDomain(orgId);
  const [domain, setDomain] = useState('');
  return (
    <Stack>
      <Group align="flex-end">
        <TextInput label="Domain" placeholder="example.com" value={domain} onChange={(e) => setDomain(e.currentTarget.value)} />
        <Button onClick={() => create.mutate(domain.trim(), { onSuccess: () => setDomain('') })} loading={create.isPending}>Claim</Button>
      </Group>
      <ProblemAlert error={create.error ?? verify.error ?? enforce.error} />
      <Table>
        <Table.Tbody>
          {domains.items.map((d) => (
            <Table.Tr key={d.id} data-testid="domain-row" data-domain={d.domain}>
              <Table.Td>{d.domain}</Table.Td>
              <Table.Td>{d.verified ? <Badge color="teal">verified</Badge> : <Code>TXT {d.txtRecord.value}</Code>}</Table.Td>
              <Table.Td>
                {d.verified ? (
                  <Switch label="Enforce SSO" checked={d.enforceSso} onChange={(e) => enforce.mutate({ id: d.id, version: d.version, enforceSso: e.currentTarget.checked })} />
                ) : (
                  <Button size="xs" variant="default" onClick={() => verify.mutate(d.id)}>Verify</Button>
                )}
              </Table.Td>
              <Table.Td>
                <ConfirmButton
                  title={`Delete ${d.domain}?`}
                  message={
                    d.enforceSso
                      ? `Addresses at ${d.domain} stop signing in through your identity provider, and single sign-on is no longer enforced for them.`
                      : `Addresses at ${d.domain} stop signing in through your identity provider.`
                  }
                  confirmLabel="Delete domain"
                  onConfirm={() => remove.mutateAsync({ id: d.id, version: d.version })}
                  notice={`${d.domain} deleted.`}
                  testId="domain-delete"
                >
                  Delete
                </ConfirmButton>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

export function SsoPage() {
  const orgId = useOrgId();
  const connections = useSsoConnections(orgId);
  const toggle = useSetSsoConnectionEnabled(orgId);
  const test = useTestSsoConnection(orgId);
  const [wizard, setWizard] = useState(false);
  // A finished test sign-in comes back here with ?tested=<connection>: show its traces.
  const [params] = useSearchParams();
  const tested = params.get('tested');
  const [selected, setSelected] = useState<string | null>(tested);
  return (
    <>
      <PageHeader title="Single sign-on" description="Connections to your identity provider, verified domains, and sign-in traces." actions={<Button onClick={() => setWizard(true)}>New connection</Button>} />
      <Stack>
        {wizard && (
          <SectionCard title="Set up a connection">
            <ConnectionWizard orgId={orgId} onDone={() => setWizard(false)} />
          </SectionCard>
        )}
        <SectionCard title="Connections">
          {tested && selected === tested && (
            <Alert variant="light" color="blue" title="Test sign-in finished" data-testid="sso-tested">
              What the identity provider sent, or why it failed, is the newest trace below.
            </Alert>
          )}
          <ProblemAlert error={connections.error ?? toggle.error ?? test.error} />
          {connections.items.length === 0 && <Alert variant="light">No connection yet.</Alert>}
          <Table>
            <Table.Tbody>
              {connections.items.map((c) => (
                <Table.Tr key={c.id} data-testid="sso-connection-row" data-id={c.id}>
                  <Table.Td>{c.name}</Table.Td>
                  <Table.Td><Badge variant="light">{c.kind.toUpperCase()} · {c.preset}</Badge></Table.Td>
                  <Table.Td><Switch label="Enabled" checked={c.enabled} onChange={(e) => toggle.mutate({ id: c.id, version: c.version, enabled: e.currentTarget.checked })} /></Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" variant="subtle" onClick={() => setSelected(c.id)} data-testid="sso-connection-open">Mappings & traces</Button>
                      <Button
                        size="xs"
                        variant="subtle"
                        loading={test.isPending && test.variables === c.id}
                        onClick={() => test.mutate(c.id, { onSuccess: (r) => window.open(r.authorizationUrl, '_blank', 'noopener') })}
                        data-testid="sso-connection-test"
                      >
                        Test sign-in
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {selected && (
            <Stack mt="md">
              {connections.items.find((c) => c.id === selected)?.saml && (
                <>
                  <Title order={5}>Assertion encryption</Title>
                  <SamlEncryption orgId={orgId} connection={connections.items.find((c) => c.id === selected)!} />
                </>
              )}
              {connections.items.find((c) => c.id === selected) && (
                <>
                  <Title order={5}>Mappings to roles</Title>
                  <SsoMappingsEditor key={`${selected}:${connections.items.find((c) => c.id === selected)!.version}`} orgId={orgId} connection={connections.items.find((c) => c.id === selected)!} />
                </>
              )}
              <Title order={5}>Traces</Title>
              <Traces orgId={orgId} connectionId={selected} />
            </Stack>
          )}
        </SectionCard>
        <SectionCard title="Domains">
          <Domains orgId={orgId} />
        </SectionCard>
      </Stack>
    </>
  );
}
