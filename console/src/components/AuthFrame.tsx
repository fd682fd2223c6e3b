import { Center, Container, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconHexagons } from '@tabler/icons-react';
import type { ReactNode } from 'react';

interface AuthFrameProps {
  title: string;
  subtitle?: string;
  width: number;
  /** Below the card. */
  footer?: ReactNode;
  children: ReactNode;
}

/** The page around a form used before signing in: the logo, a title, and the form in a card. */
export function AuthFrame({ title, subtitle, width, footer, children }: AuthFrameProps) {
  return (
    <Center mih="100vh" bg="var(--mantine-color-gray-light)">
      <Container size={width} w="100%">
        <Stack align="center" gap={6} mb="lg">
          <ThemeIcon size={48} radius="md" variant="gradient" gradient={{ from: 'brand.7', to: 'cyan.6', deg: 135 }}>
            <IconHexagons size={28} />
          </ThemeIcon>
          <Title order={2}>{title}</Title>
          {subtitle && (
            <Text c="dimmed" size="sm">
              {subtitle}
            </Text>
          )}
        </Stack>
        <Paper p="xl" shadow="sm">
          {children}
        </Paper>
        {footer}
      </Container>
    </Center>
  );
}
