import { useNavigate } from 'react-router';
import { useCreateWorkspace } from '../../api/tenancy.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { FormModal } from '../form/FormModal.tsx';
import { NewResourceFields, useNewResourceForm } from './NewResourceFields.tsx';

const formFields = ['name', 'slug', 'description', 'labels', 'quota'];

export function CreateWorkspaceModal({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  const create = useCreateWorkspace(orgId);
  const navigate = useNavigate();
  const state = useNewResourceForm(create);

  function close() {
    state.reset();
    onClose();
  }

  function submit() {
    create.mutate(state.body(), {
      onSuccess: (workspace) => {
        notifySuccess(`${workspace.name} was created.`, 'Workspace created');
        close();
        navigate(`/orgs/${orgId}/workspaces/${workspace.id}`);
      },
    });
  }

  return (
    <FormModal
      opened={opened}
      onClose={close}
      title="Create a workspace"
      submission={create}
      fields={formFields}
      onSubmit={submit}
      submitLabel="Create workspace"
      submitTestId="workspace-submit"
    >
      <NewResourceFields
        state={state}
        testId="workspace"
        namePlaceholder="Payments"
        slugDescription="Lower-case letters, digits and dashes; becomes the Kubernetes namespace prefix"
        descriptionMaxRows={6}
        quotaHint="Leave a field empty for no limit. Projects in this workspace share these limits."
      />
    </FormModal>
  );
}
