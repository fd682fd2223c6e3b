import { Anchor, Button, Code, Group, Modal, Paper, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconBuilding, IconPlus } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { errorFor, fieldErrors } from '../api/problem.ts';
import { useMe } from '../api/session.ts';
import { useCreateOrganization, useOrganizations } from '../api/tenancy.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert, QueryState } from '../components/ProblemAlert.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';
import { useNameAndSlug } from '../lib/useNameAndSlug.ts';

const timeZones = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((tz) => tz !== 'UTC')];

function CreateOrganizationModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateOrganization();
  const navigate = useNavigate();
  const names = useNameAndSlug();
  const [timeZone, setTimeZone] = useState<string>(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [currency, setCurrency] = useState('USD');
  const errors = fieldErrors(create.error);

  function submit(event: FormEvent) {
    event.preventDefault();
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
    <Modal opened={opened} onClose={onClose} title="Create an organization" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Name" required value={names.name} onChange={(e) => names.setName(e.currentTarget.value)} error={errorFor(errors, 'name')} data-testid="org-name" />
          <TextInput
            label="Slug"
            description="Used in URLs and Kubernetes names"
            required
            value={names.slug}
            onChange={(e) => names.setSlug(e.currentTarget.value)}
            error={errorFor(errors, 'slug')}
            data-testid="org-slug"
          />
          <Group grow align="flex-start">
            <Select
              label="Time zone"
              description="For budgets and reports"
              data={timeZones}
              searchable
              value={timeZone}
              onChange={(v) => setTimeZone(v ?? 'UTC')}
              allowDeselect={false}
              error={errorFor(errors, 'timeZone')}
              data-testid="org-timezone"
            />
            <TextInput
              label="Currency"
              description="ISO 4217, like USD or EUR"
              maxLength={3}
              value={currency}
              onChange={(e) => setCurrency(e.currentTarget.value)}
              error={errorFor(errors, 'currency')}
              data-testid="org-currency"
            />
          </Group>
          {create.error && Object.keys(errors).length === 0 && <ProblemAlert error={create.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="org-submit">
              Create organization
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

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
            <Button leftSection={<IconPlus size={16} />} onClick={open} data-testid="org-create">
              Create organization
            </Button>
          )
        }
      />
      <QueryState query={orgs}>
        {orgs.data && orgs.data.items.length === 0 ? (
          <EmptyState icon={<IconBuilding size={24} />} title="You are not a member of any organization yet">
            {isAdmin ? 'Create the first one.' : 'Ask an administrator to invite you.'}
          </EmptyState>
        ) : (
          <Paper>
            <Table.ScrollContainer minWidth={700}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Slug</Table.Th>
                    <Table.Th>Time zone</Table.Th>
                    <Table.Th>Currency</Table.Th>
                    <Table.Th>Created</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {orgs.data?.items.map((org) => (
                    <Table.Tr key={org.id} data-testid="org-row" data-id={org.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/orgs/${org.id}/workspaces`} fw={500}>
                          {org.name}
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          {org.id}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Code>{org.slug}</Code>
                      </Table.Td>
                      <Table.Td>{org.timeZone}</Table.Td>
                      <Table.Td>{org.currency}</Table.Td>
                      <Table.Td>
                        <Time iso={org.createdAt} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
      </QueryState>
      {isAdmin && <CreateOrganizationModal opened={opened} onClose={close} />}
    </>
  );
}
