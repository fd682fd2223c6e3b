import { Alert, Button, Code, CopyButton, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';

/** A secret the server returns once: shown with a copy button and a warning that it will not come back. */
export function SecretReveal({ secret, hint, testId = 'secret-value' }: { secret: string; hint?: string; testId?: string }) {
  return (
    <Stack gap="sm">
      <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={18} />} title="Copy it now: it is shown only once">
        {hint ?? 'Hexaplane keeps only a hash of it. If you lose it, create a new one.'}
      </Alert>
      <Code block data-testid={testId} style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap', fontSize: 14 }}>
        {secret}
      </Code>
      <CopyButton value={secret} timeout={2000}>
        {({ copied, copy }) => (
          <Button
            variant={copied ? 'light' : 'filled'}
            color={copied ? 'teal' : undefined}
            leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            onClick={copy}
            data-testid={`${testId}-copy`}
          >
            {copied ? 'Copied' : 'Copy to clipboard'}
          </Button>
        )}
      </CopyButton>
      <Text size="xs" c="dimmed">
        Store it in your secret manager; anyone holding it acts with its permissions.
      </Text>
    </Stack>
  );
}
