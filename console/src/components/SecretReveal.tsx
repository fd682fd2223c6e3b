import { Alert, Button, Code, CopyButton, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';

/** A secret the server returns once: shown with a copy button and a warning that it will not come back. */
interface SecretRevealProps {
  secret: string;
  hint?: string;
  footnote?: string;
  testId?: string;
}

export function SecretReveal({ secret, hint, footnote, testId = 'secret-value' }: SecretRevealProps) {
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
      {footnote && (
        <Text size="xs" c="dimmed">
          {footnote}
        </Text>
      )}
    </Stack>
  );
}
