import { Anchor, Code, Group, Select, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconBuilding } from '@tabler/icons-react';
import { Link, useNavigate } from 'react-router';
import { useMe } from '../api/session.ts';
import { useCreateOrganization, useOrganizations } from '../api/tenancy.ts';
import type { Organization } from '../api/types.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { FormModal } from '../components/form/FormModal.tsx';
import { NameSlugFields } from '../components/form/NameSlugFields.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';
import { useNameAndSlug } from '../lib/useNameAndSlug.ts';

const timeZones = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((tz) => tz !== 'UTC')];

function CreateOrganizationModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateOrganization();
  const navigate = useNavigate();
  const names = useNameAndSlug();
  const form = useProblemForm(create, { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', currency: 'USD' });

  function submit() {
    const { timeZone, currency } = form.values;
    create.mutate(
      { name: names.name.trim(), slug: names.slug, timeZone, currency: currency.trim().toUpperCase() },
      {
        onSuccess: (org) => {
          notifySuccess(`${org.name} is ready.`, 'Organization created');
          names.reset();
          onClose();
          navigate(`/orgs/${org.id}/workspaces`);
        },
      },
    );
  }

  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title="Create an organization"
      submission={create}
      fields={['name', 'slug', 'timeZone', 'currency']}
      onSubmit={submit}
      submitLabel="Create organization"
      submitTestId="org-submit"
    >
      <NameSlugFields names={names} errors={form.errors} testId="org" slugDescription="Used in URLs and Kubernetes names" />
      <Group grow align="flex-start">
        <Select
          label="Time zone"
          description="For budgets and reports"
          data={timeZones}
          searchable
          value={form.values.timeZone}
          onChange={(v) => form.set('timeZone', v ?? 'UTC')}
          allowDeselect={false}
          error={form.error('timeZone')}
          data-testid="org-timezone"
        />
        <TextInput label="Currency" description="ISO 4217, like USD or EUR" maxLength={3} {...form.text('currency')} data-testid="org-currency" />
      </Group>
    </FormModal>
  );
}

const orgColumns: Column<Organization>[] = [
  {
    header: 'Name',
    cell: (org) => (
      <>
        <Anchor component={Link} to={`/orgs/${org.id}/workspaces`} fw={500}>
          {org.name}
        </Anchor>
        <Text size="xs" c="dimmed">
          {org.id}
        </Text>
      </>
    ),
  },
  { header: 'Slug', cell: (org) => <Code>{org.slug}</Code> },
  { header: 'Time zone', cell: (org) => org.timeZone },
  { header: 'Currency', cell: (org) => org.currency },
  { header: 'Created', cell: (org) => <Time iso={org.createdAt} /> },
];

export function OrganizationsPage() {
  const me = useMe();
  const orgs = useOrganizations();
  const [opened, { open, close }] = useDisclosure(false);
  const isAdmin = me.data?.user.platformAdmin ?? false;

  return (
    <>
      <PageHeader
        title="Organizations"
        description="Each organization is a tenant with its own workspaces, members, roles and audit log."
        actions={
          isAdmin && (
            <CreateButton onClick={open} testId="org-create">
              Create organization
            </CreateButton>
          )
        }
      />
      <ResourceTable
        query={orgs}
        rows={orgs.data?.items ?? []}
        columns={orgColumns}
        rowKey={(org) => org.id}
        rowProps={(org) => ({ 'data-testid': 'org-row', 'data-id': org.id })}
        minWidth={700}
        empty={
          <EmptyState icon={<IconBuilding size={24} />} title="You are not a member of any organization yet">
            {isAdmin ? 'Create the first one.' : 'Ask an administrator to invite you.'}
          </EmptyState>
        }
      />
      {isAdmin && <CreateOrganizationModal opened={opened} onClose={close} />}
    </>
  );
}
