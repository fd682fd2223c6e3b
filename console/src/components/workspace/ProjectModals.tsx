import { Text, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import { fieldErrors, isProblem, onlyFieldErrors } from '../../api/problem.ts';
import { useCreateProject, useSetProjectQuota, useUpdateProject } from '../../api/tenancy.ts';
import type { Project } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { EditModal } from '../form/EditModal.tsx';
import { FormModal } from '../form/FormModal.tsx';
import { ProblemForm } from '../form/ProblemForm.tsx';
import { useProblemForm } from '../form/useProblemForm.ts';
import { LabelsEditor, fromLabelRows, toLabelRows } from '../LabelsEditor.tsx';
import { QuotaDoesNotFit, QuotaFields, fromQuotaForm, quotaFields, toQuotaForm, type QuotaForm } from '../QuotaFields.tsx';
import { NewResourceFields, useNewResourceForm } from './NewResourceFields.tsx';

const projectFields = ['name', 'slug', 'description', 'labels', 'quota', 'workspaceId'];

export function CreateProjectModal({ orgId, workspaceId, opened, onClose }: { orgId: string; workspaceId: string; opened: boolean; onClose: () => void }) {
  const create = useCreateProject(orgId);
  const state = useNewResourceForm(create);

  function close() {
    state.reset();
    onClose();
  }

  function submit() {
    create.mutate(
      { workspaceId, ...state.body() },
      {
        onSuccess: (project) => {
          notifySuccess(`${project.name} was created.`, 'Project created');
          close();
        },
      },
    );
  }

  return (
    <FormModal opened={opened} onClose={close} title="Create a project" submission={create} fields={projectFields} onSubmit={submit} submitLabel="Create project" submitTestId="project-submit">
      <NewResourceFields state={state} testId="project" slugDescription="Unique in this workspace" />
      {isProblem(create.error, 422) && onlyFieldErrors(create.error, projectFields) && <QuotaDoesNotFit message={create.error.message} />}
    </FormModal>
  );
}

function EditProjectForm({ orgId, project, onDone }: { orgId: string; project: Project; onDone: () => void }) {
  const update = useUpdateProject(orgId);
  const form = useProblemForm(update, { name: project.name, description: project.description, labels: toLabelRows(project.labels) });

  function submit() {
    const { name, description, labels } = form.values;
    const changes = { name: name.trim(), description, labels: fromLabelRows(labels) };
    update.mutate(
      { id: project.id, version: project.version, changes },
      {
        onSuccess: () => {
          notifySuccess('Project saved.');
          onDone();
        },
      },
    );
  }

  return (
    <ProblemForm submission={update} fields={projectFields} onSubmit={submit} onCancel={onDone} submitLabel="Save" submitTestId="project-edit-submit">
      <TextInput label="Name" {...form.text('name')} data-testid="project-edit-name" />
      <Textarea label="Description" autosize minRows={2} {...form.text('description')} />
      <LabelsEditor rows={form.values.labels} onChange={(rows) => form.set('labels', rows)} errors={form.errors} testId="project-edit-labels" />
    </ProblemForm>
  );
}

export function EditProjectModal({ orgId, project, onClose }: { orgId: string; project: Project | null; onClose: () => void }) {
  return (
    <EditModal item={project} onClose={onClose} title={(p) => `Edit ${p.name}`} size="lg">
      {(p) => <EditProjectForm orgId={orgId} project={p} onDone={onClose} />}
    </EditModal>
  );
}

function ProjectQuotaForm({ orgId, project, onDone }: { orgId: string; project: Project; onDone: () => void }) {
  const setQuota = useSetProjectQuota(orgId);
  const [form, setForm] = useState<QuotaForm>(() => toQuotaForm(project.quota));
  const doesNotFit = isProblem(setQuota.error, 422) ? <QuotaDoesNotFit message={setQuota.error.message} testId="quota-error" /> : undefined;

  function submit() {
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
    <ProblemForm submission={setQuota} fields={quotaFields} problem={doesNotFit} onSubmit={submit} onCancel={onDone} submitLabel="Save quota" submitTestId="project-quota-save">
      <Text size="sm" c="dimmed">
        Must fit inside the workspace quota together with the other projects. Empty means no limit of its own.
      </Text>
      <QuotaFields value={form} onChange={setForm} errors={fieldErrors(setQuota.error)} testId="project-quota" />
    </ProblemForm>
  );
}

export function ProjectQuotaModal({ orgId, project, onClose }: { orgId: string; project: Project | null; onClose: () => void }) {
  return (
    <EditModal item={project} onClose={onClose} title={(p) => `Quota of ${p.name}`} size="lg">
      {(p) => <ProjectQuotaForm orgId={orgId} project={p} onDone={onClose} />}
    </EditModal>
  );
}
