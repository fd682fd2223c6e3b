import { Alert, Button, Collapse, Group, Modal, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { errorFor, fieldErrors, isProblem, onlyFieldErrors } from '../../api/problem.ts';
import { useCreateProject, useSetProjectQuota, useUpdateProject } from '../../api/tenancy.ts';
import type { Project } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { useNameAndSlug } from '../../lib/useNameAndSlug.ts';
import { LabelsEditor, fromLabelRows, toLabelRows, type LabelRow } from '../LabelsEditor.tsx';
import { ProblemAlert } from '../ProblemAlert.tsx';
import { QuotaFields, emptyQuotaForm, fromQuotaForm, toQuotaForm, type QuotaForm } from '../QuotaFields.tsx';

const projectFields = ['name', 'slug', 'description', 'labels', 'quota', 'workspaceId'];

export function CreateProjectModal({ orgId, workspaceId, opened, onClose }: { orgId: string; workspaceId: string; opened: boolean; onClose: () => void }) {
  const create = useCreateProject(orgId);
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
        workspaceId,
        name: names.name.trim(),
        slug: names.slug,
        description,
        labels: fromLabelRows(labels),
        ...(withQuota ? { quota: fromQuotaForm(quota) } : {}),
      },
      {
        onSuccess: (project) => {
          notifySuccess(`${project.name} was created.`, 'Project created');
          close();
        },
      },
    );
  }

  return (
    <Modal opened={opened} onClose={close} title="Create a project" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Name" required data-autofocus value={names.name} onChange={(e) => names.setName(e.currentTarget.value)} error={errorFor(errors, 'name')} data-testid="project-name" />
          <TextInput
            label="Slug"
            description="Unique in this workspace"
            required
            value={names.slug}
            onChange={(e) => names.setSlug(e.currentTarget.value)}
            error={errorFor(errors, 'slug')}
            data-testid="project-slug"
          />
          <Textarea
            label="Description"
            autosize
            minRows={2}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errorFor(errors, 'description')}
            data-testid="project-description"
          />
          <LabelsEditor rows={labels} onChange={setLabels} errors={errors} testId="project-labels" />
          <Switch label="Set a resource quota now" checked={withQuota} onChange={(e) => setWithQuota(e.currentTarget.checked)} data-testid="project-quota-toggle" />
          <Collapse in={withQuota}>
            <QuotaFields value={quota} onChange={setQuota} errors={errors} testId="project-quota" />
          </Collapse>
          {create.error && !onlyFieldErrors(create.error, projectFields) && <ProblemAlert error={create.error} />}
          {isProblem(create.error, 422) && onlyFieldErrors(create.error, projectFields) && (
            <Alert color="red" variant="light" title="The quota does not fit">
              {create.error.message}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="project-submit">
              Create project
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function EditProjectForm({ orgId, project, onDone }: { orgId: string; project: Project; onDone: () => void }) {
  const update = useUpdateProject(orgId);
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description);
  const [labels, setLabels] = useState<LabelRow[]>(() => toLabelRows(project.labels));
  const errors = fieldErrors(update.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    update.mutate(
      { id: project.id, version: project.version, changes: { name: name.trim(), description, labels: fromLabelRows(labels) } },
      {
        onSuccess: () => {
          notifySuccess('Project saved.');
          onDone();
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errorFor(errors, 'name')} data-testid="project-edit-name" />
        <Textarea label="Description" autosize minRows={2} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={errorFor(errors, 'description')} />
        <LabelsEditor rows={labels} onChange={setLabels} errors={errors} testId="project-edit-labels" />
        {update.error && !onlyFieldErrors(update.error, projectFields) && <ProblemAlert error={update.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={update.isPending} data-testid="project-edit-submit">
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function EditProjectModal({ orgId, project, onClose }: { orgId: string; project: Project | null; onClose: () => void }) {
  return (
    <Modal opened={project !== null} onClose={onClose} title={project ? `Edit ${project.name}` : ''} size="lg">
      {project && <EditProjectForm key={project.version} orgId={orgId} project={project} onDone={onClose} />}
    </Modal>
  );
}

function ProjectQuotaForm({ orgId, project, onDone }: { orgId: string; project: Project; onDone: () => void }) {
  const setQuota = useSetProjectQuota(orgId);
  const [form, setForm] = useState<QuotaForm>(() => toQuotaForm(project.quota));
  const errors = fieldErrors(setQuota.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    setQuota.mutate(
      { id: project.id, version: project.version, quota: fromQuotaForm(form) },
      {
        onSuccess: () => {
          notifySuccess('Project quota saved.');
          onDone();
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text size="sm" c="dimmed">
          Must fit inside the workspace quota together with the other projects. Empty means no limit of its own.
        </Text>
        <QuotaFields value={form} onChange={setForm} errors={errors} testId="project-quota" />
        {isProblem(setQuota.error, 422) ? (
          <Alert color="red" variant="light" title="The quota does not fit" data-testid="quota-error">
            {setQuota.error.message}
          </Alert>
        ) : (
          setQuota.error && !onlyFieldErrors(setQuota.error, ['cpu', 'memory', 'storage', 'pods', 'quota']) && <ProblemAlert error={setQuota.error} />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={setQuota.isPending} data-testid="project-quota-save">
            Save quota
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function ProjectQuotaModal({ orgId, project, onClose }: { orgId: string; project: Project | null; onClose: () => void }) {
  return (
    <Modal opened={project !== null} onClose={onClose} title={project ? `Quota of ${project.name}` : ''} size="lg">
      {project && <ProjectQuotaForm key={project.version} orgId={orgId} project={project} onDone={onClose} />}
    </Modal>
  );
}
