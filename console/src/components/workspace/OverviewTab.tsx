import { Alert, Button, Code, CopyButton, Grid, Group, Paper, SimpleGrid, Stack, Text, TextInput, Textarea, Tooltip, ActionIcon } from '@mantine/core';
import { IconCheck, IconCopy, IconRefresh } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { isProblem } from '../../api/problem.ts';
import { useUpdateWorkspace } from '../../api/tenancy.ts';
import type { Workspace } from '../../api/types.ts';
import { formatDateTime } from '../../lib/format.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { ProblemForm } from '../form/ProblemForm.tsx';
import { useProblemForm } from '../form/useProblemForm.ts';
import { LabelsEditor, fromLabelRows, toLabelRows } from '../LabelsEditor.tsx';
import { SectionCard } from '../SectionCard.tsx';

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" fw={500} tt="uppercase">
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Stack>
  );
}

export function CopyId({ id }: { id: string }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Code>{id}</Code>
      <CopyButton value={id}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy id'} withArrow>
            <ActionIcon size="sm" variant="subtle" color={copied ? 'teal' : 'gray'} onClick={copy} aria-label="Copy id">
              {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}

function StaleWorkspace({ onReload }: { onReload: () => void }) {
  return (
    <Alert color="orange" variant="light" title="Someone changed this workspace since you opened it" data-testid="stale-alert">
      <Group justify="space-between">
        <Text size="sm">Reload to see their changes, then make yours again.</Text>
        <Button size="xs" variant="light" color="orange" leftSection={<IconRefresh size={14} />} onClick={onReload}>
          Reload
        </Button>
      </Group>
    </Alert>
  );
}

/** Changes go out with `If-Match`; if someone else saved first, the server answers 412 and we offer a reload. */
function WorkspaceForm({ orgId, workspace, onReload }: { orgId: string; workspace: Workspace; onReload: () => void }) {
  const update = useUpdateWorkspace(orgId);
  const form = useProblemForm(update, { name: workspace.name, description: workspace.description, labels: toLabelRows(workspace.labels) });
  const { name, description, labels } = form.values;
  const nextLabels = fromLabelRows(labels);
  const changes = {
    ...(name.trim() !== workspace.name ? { name: name.trim() } : {}),
    ...(description !== workspace.description ? { description } : {}),
    ...(!sameLabels(nextLabels, workspace.labels) ? { labels: nextLabels } : {}),
  };
  const dirty = Object.keys(changes).length > 0;

  function submit() {
    update.mutate({ id: workspace.id, version: workspace.version, changes }, { onSuccess: () => notifySuccess('Workspace saved.') });
  }

  return (
    <ProblemForm
      submission={update}
      fields={['name', 'description', 'labels']}
      problem={isProblem(update.error, 412) ? <StaleWorkspace onReload={onReload} /> : undefined}
      onSubmit={submit}
      canSubmit={dirty}
      submitLabel="Save changes"
      submitTestId="workspace-save"
    >
      <TextInput label="Name" {...form.text('name')} data-testid="workspace-edit-name" />
      <Textarea label="Description" autosize minRows={3} {...form.text('description')} data-testid="workspace-edit-description" />
      <LabelsEditor rows={labels} onChange={(rows) => form.set('labels', rows)} errors={form.errors} testId="workspace-edit-labels" />
    </ProblemForm>
  );
}

export function OverviewTab({ orgId, workspace, onReload }: { orgId: string; workspace: Workspace; onReload: () => void }) {
  return (
    <Grid gutter="lg">
      <Grid.Col span={{ base: 12, md: 8 }}>
        <SectionCard title="Details">
          {/* Re-mount on a new version so the form shows what the server holds now. */}
          <WorkspaceForm key={workspace.version} orgId={orgId} workspace={workspace} onReload={onReload} />
        </SectionCard>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <Paper p="lg">
          <SimpleGrid cols={1} spacing="md">
            <Fact label="Id">
              <CopyId id={workspace.id} />
            </Fact>
            <Fact label="Slug">
              <Code>{workspace.slug}</Code>
            </Fact>
            <Fact label="Version">
              <Code>{`"v${workspace.version}"`}</Code>
            </Fact>
            <Fact label="Created">{formatDateTime(workspace.createdAt)}</Fact>
            <Fact label="Updated">{formatDateTime(workspace.updatedAt)}</Fact>
          </SimpleGrid>
        </Paper>
      </Grid.Col>
    </Grid>
  );
}
