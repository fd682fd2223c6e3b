import { Alert, Button, Code, CopyButton, Grid, Group, Paper, SimpleGrid, Stack, Text, TextInput, Textarea, Title, Tooltip, ActionIcon } from '@mantine/core';
import { IconCheck, IconCopy, IconRefresh } from '@tabler/icons-react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { errorFor, fieldErrors, isProblem, onlyFieldErrors } from '../../api/problem.ts';
import { useUpdateWorkspace } from '../../api/tenancy.ts';
import type { Workspace } from '../../api/types.ts';
import { formatDateTime } from '../../lib/format.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { LabelsEditor, fromLabelRows, toLabelRows, type LabelRow } from '../LabelsEditor.tsx';
import { ProblemAlert } from '../ProblemAlert.tsx';

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

/** Changes go out with `If-Match`; if someone else saved first, the server answers 412 and we offer a reload. */
function WorkspaceForm({ orgId, workspace, onReload }: { orgId: string; workspace: Workspace; onReload: () => void }) {
  const update = useUpdateWorkspace(orgId);
  const [name, setName] = useState(workspace.name);
  const [description, setDescription] = useState(workspace.description);
  const [labels, setLabels] = useState<LabelRow[]>(() => toLabelRows(workspace.labels));
  const nextLabels = fromLabelRows(labels);
  const changes = {
    ...(name.trim() !== workspace.name ? { name: name.trim() } : {}),
    ...(description !== workspace.description ? { description } : {}),
    ...(!sameLabels(nextLabels, workspace.labels) ? { labels: nextLabels } : {}),
  };
  const dirty = Object.keys(changes).length > 0;
  const errors = fieldErrors(update.error);
  const stale = isProblem(update.error, 412);

  function submit(event: FormEvent) {
    event.preventDefault();
    update.mutate({ id: workspace.id, version: workspace.version, changes }, { onSuccess: () => notifySuccess('Workspace saved.') });
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errorFor(errors, 'name')} data-testid="workspace-edit-name" />
        <Textarea
          label="Description"
          autosize
          minRows={3}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errorFor(errors, 'description')}
          data-testid="workspace-edit-description"
        />
        <LabelsEditor rows={labels} onChange={setLabels} errors={errors} testId="workspace-edit-labels" />
        {stale ? (
          <Alert color="orange" variant="light" title="Someone changed this workspace since you opened it" data-testid="stale-alert">
            <Group justify="space-between">
              <Text size="sm">Reload to see their changes, then make yours again.</Text>
              <Button size="xs" variant="light" color="orange" leftSection={<IconRefresh size={14} />} onClick={onReload}>
                Reload
              </Button>
            </Group>
          </Alert>
        ) : (
          update.error && !onlyFieldErrors(update.error, ['name', 'description', 'labels']) && <ProblemAlert error={update.error} />
        )}
        <Group justify="flex-end">
          <Button type="submit" disabled={!dirty} loading={update.isPending} data-testid="workspace-save">
            Save changes
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function OverviewTab({ orgId, workspace, onReload }: { orgId: string; workspace: Workspace; onReload: () => void }) {
  return (
    <Grid gutter="lg">
      <Grid.Col span={{ base: 12, md: 8 }}>
        <Paper p="lg">
          <Title order={4} mb="md">
            Details
          </Title>
          {/* Re-mount on a new version so the form shows what the server holds now. */}
          <WorkspaceForm key={workspace.version} orgId={orgId} workspace={workspace} onReload={onReload} />
        </Paper>
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
