import { Alert, Badge, Code, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useAuditProof } from '../api/audit.ts';
import { isProblem, problemMessage } from '../api/problem.ts';
import { formatDateTime } from '../lib/format.ts';
import { fromBase64, leafHashOf, verifyInclusion } from '../lib/merkle.ts';
import { Fact } from './workspace/OverviewTab.tsx';

type Proof = NonNullable<ReturnType<typeof useAuditProof>['data']>;

/**
 * Recomputes the root from the leaf data and the path: true only if it is the signed root.
 * Without leaf data (withheld because it holds values masked for this reader) the stated
 * leaf hash is checked against the root instead.
 */
async function checkProof(proof: Proof): Promise<boolean> {
  const stated = fromBase64(proof.leafHash);
  const leaf = proof.leafData === null ? stated : await leafHashOf(proof.leafData);
  if (leaf.length !== stated.length || leaf.some((v, i) => v !== stated[i])) return false;
  return verifyInclusion(leaf, proof.leafIndex, proof.treeSize, proof.auditPath.map(fromBase64), fromBase64(proof.checkpoint.rootHash));
}

/** Where the event sits in the organization's signed Merkle tree, checked in the browser. */
export function AuditProofPanel({ orgId, eventId, unmasked = false }: { orgId: string; eventId: string; unmasked?: boolean }) {
  const proof = useAuditProof(orgId, eventId, unmasked);
  const verified = useQuery({
    queryKey: ['audit-proof-check', eventId, proof.data?.treeSize],
    queryFn: () => checkProof(proof.data!),
    enabled: proof.data !== undefined,
  });
  if (proof.isPending) return null;
  if (proof.error) {
    const notSealed = isProblem(proof.error, 409);
    return (
      <Alert color={notSealed ? 'gray' : 'red'} data-testid="audit-proof-unavailable">
        {notSealed ? 'Not sealed yet: the sealer adds new events to the signed log within a few seconds.' : problemMessage(proof.error)}
      </Alert>
    );
  }
  const p = proof.data;
  return (
    <Stack gap="xs" data-testid="audit-proof">
      <Group gap="sm">
        <Title order={6}>Proof of inclusion</Title>
        {verified.data === true && (
          <Badge color="teal" variant="light" data-testid="audit-proof-verified">
            verified in your browser
          </Badge>
        )}
        {verified.data === false && (
          <Badge color="red" variant="light">
            does not verify
          </Badge>
        )}
      </Group>
      <SimpleGrid cols={2} spacing="md">
        <Fact label="Position">
          {p.leafIndex + 1} of {p.treeSize}
        </Fact>
        <Fact label="Checkpoint signed">{formatDateTime(p.checkpoint.signedAt, true)}</Fact>
        <Fact label="Root hash">
          <Code>{p.checkpoint.rootHash}</Code>
        </Fact>
        <Fact label="Signing key">
          <Code>{p.checkpoint.keyId}</Code>
        </Fact>
      </SimpleGrid>
      {p.leafData === null && (
        <Text size="xs" c="dimmed" data-testid="audit-proof-withheld">
          The event's stored bytes hold values masked for you (PII masking), so the proof starts from its leaf hash; with
          “Show unmasked” it starts from the bytes themselves.
        </Text>
      )}
      <Text size="xs" c="dimmed">
        The leaf hash and the {p.auditPath.length} hashes of the audit path recompute the checkpoint's root (RFC 6962). Check the
        Ed25519 signature of the checkpoint with the published keys (/api/v1/audit/public-keys) to prove it offline; docs/audit.md
        shows how.
      </Text>
    </Stack>
  );
}
