import { Button, Collapse, Group, Modal, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { errorFor, fieldErrors, onlyFieldErrors } from '../../api/problem.ts';
import { useCreateWorkspace } from '../../api/tenancy.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { useNameAndSlug } from '../../lib/useNameAndSlug.ts';
import { LabelsEditor, fromLabelRows, type LabelRow } from '../LabelsEditor.tsx';
import { ProblemAlert } from '../ProblemAlert.tsx';
import { QuotaFields, emptyQuotaForm, fromQuotaForm, type QuotaForm } from '../QuotaFields.tsx';

const formFields = ['name', 'slug', 'description', 'labels', 'quota'];

export function CreateWorkspaceModal({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  const create = useCreateWorkspace(orgId);
  const navigate = useNavigate();
  const names = useNameAndSlug();
  const [description, setDescription] = useState('');
  const [labels, setLabels] = useState<LabelRow[]>([]);
  const [withQuota, setWithQuota] = useState(false);
  const [quota, setQuota] = useState<QuotaForm>(emptyQuotaForm);
  const errors = fieldErrors(create.error);

  function close() {
    names.reset();
    setDescription('');
    setLabels([]);
    setWithQuota(false);
    setQuota(emptyQuotaForm);
    create.reset();
    onClose();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(
      {
        name: names.name.trim(),
        slug: names.slug,
        description,
        labels: fromLabelRows(labels),
        ...(withQuota ? { quota: fromQuotaForm(quota) } : {}),
      },
      {
        onSuccess: (workspace) => {
          notifySuccess(`${workspace.name} was created.`, 'Workspace created');
          close();
          navigate(`/orgs/${orgId}/workspaces/${workspace.id}`);
        },
      },
    );
  }

  return (
    <Modal opened={opened} onClose={close} title="Create a workspace" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Name"
            placeholder="Payments"
            required
            data-autofocus
            value={names.name}
            onChange={(e) => names.setName(e.currentTarget.value)}
            error={errorFor(errors, 'name')}
            data-testid="workspace-name"
          />
          <TextInput
            label="Slug"
            description="Lower-case letters, digits and dashes; becomes the Kubernetes namespace prefix"
            required
            value={names.slug}
            onChange={(e) => names.setSlug(e.currentTarget.value)}
            error={errorFor(errors, 'slug')}
            data-testid="workspace-slug"
          />
          <Textarea
            label="Description"
            autosize
            minRows={2}
            maxRows={6}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errorFor(errors, 'description')}
            data-testid="workspace-description"
          />
          <LabelsEditor rows={labels} onChange={setLabels} errors={errors} testId="workspace-labels" />
          <Switch
            label="Set a resource quota now"
            checked={withQuota}
            onChange={(e) => setWithQuota(e.currentTarget.checked)}
            data-testid="workspace-quota-toggle"
          />
          <Collapse in={withQuota}>
            <Stack gap="xs">
              <Text size="xs" c="dimmed">
                Leave a field empty for no limit. Projects in this workspace share these limits.
              </Text>
              <QuotaFields value={quota} onChange={setQuota} errors={errors} testId="workspace-quota" />
            </Stack>
          </Collapse>
          {create.error && !onlyFieldErrors(create.error, formFields) && <ProblemAlert error={create.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="workspace-submit">
              Create workspace
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
