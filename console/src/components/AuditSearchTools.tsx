import { ActionIcon, Anchor, Button, Checkbox, Code, Group, Menu, Modal, Stack, Text, TextInput } from '@mantine/core';
import { IconBookmark, IconDownload, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import {
  auditExportUrl,
  useCreateAuditExport,
  useCreateSavedSearch,
  useDeleteSavedSearch,
  useSavedSearches,
  type AuditFilters,
} from '../api/audit.ts';
import { notifyProblem, notifySuccess } from '../lib/notify.ts';
import { FormModal } from './form/FormModal.tsx';
import { useProblemForm } from './form/useProblemForm.ts';

interface SavedSearchesProps {
  orgId: string;
  filters: AuditFilters;
  onApply: (filters: AuditFilters) => void;
}

/** Pick a saved search to apply its filters, or save the current ones under a name. */
export function SavedSearchesMenu({ orgId, filters, onApply }: SavedSearchesProps) {
  const searches = useSavedSearches(orgId);
  const remove = useDeleteSavedSearch(orgId);
  const [saving, setSaving] = useState(false);
  return (
    <>
      <Menu position="bottom-end" width={320}>
        <Menu.Target>
          <Button variant="default" leftSection={<IconBookmark size={16} />} data-testid="audit-saved-searches">
            Saved searches
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {(searches.data ?? []).map((s) => (
            <Menu.Item
              key={s.id}
              onClick={() => onApply(s.filters)}
              data-testid="audit-saved-search"
              data-name={s.name}
              rightSection={
                <ActionIcon
                  size="sm"
                  variant="subtle"
                  color="red"
                  aria-label={`Delete ${s.name}`}
                  onClick={(e) => {
                    e.stopPropagation();
                    remove.mutate(s.id);
                  }}
                >
                  <IconTrash size={14} />
                </ActionIcon>
              }
            >
              <Text size="sm">{s.name}</Text>
              <Text size="xs" c="dimmed">
                {s.shared ? 'Shared' : 'Only you'}
              </Text>
            </Menu.Item>
          ))}
          {searches.data?.length === 0 && <Menu.Label>No saved searches yet</Menu.Label>}
          <Menu.Divider />
          <Menu.Item onClick={() => setSaving(true)} data-testid="audit-save-search">
            Save the current filters…
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <SaveSearchModal orgId={orgId} filters={filters} opened={saving} onClose={() => setSaving(false)} />
    </>
  );
}

function SaveSearchModal({ orgId, filters, opened, onClose }: { orgId: string; filters: AuditFilters; opened: boolean; onClose: () => void }) {
  const create = useCreateSavedSearch(orgId);
  const form = useProblemForm(create, { name: '', shared: false });
  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title="Save this search"
      size="md"
      submission={create}
      fields={['body.name']}
      submitLabel="Save"
      submitTestId="audit-save-search-submit"
      onSubmit={() =>
        create.mutate(
          { name: form.values.name, shared: form.values.shared, filters },
          {
            onSuccess: () => {
              notifySuccess(`Saved “${form.values.name}”`);
              onClose();
            },
          },
        )
      }
    >
      <TextInput label="Name" required data-autofocus {...form.text('name')} error={form.error('body.name')} data-testid="audit-save-search-name" />
      <Checkbox
        label="Share with everyone who can read the audit log"
        checked={form.values.shared}
        onChange={(e) => form.set('shared', e.currentTarget.checked)}
      />
    </FormModal>
  );
}

type CreatedExport = Awaited<ReturnType<ReturnType<typeof useCreateAuditExport>['mutateAsync']>>;

function downloadJson(name: string, value: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2) + '\n'], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

/** Exports what the filters select, tied to the latest checkpoint; the three files are what `hexaplane audit verify` checks. */
export function AuditExportMenu({ orgId, filters }: { orgId: string; filters: AuditFilters }) {
  const create = useCreateAuditExport(orgId);
  const [created, setCreated] = useState<CreatedExport | null>(null);
  const start = (format: 'jsonl' | 'csv') => create.mutate({ format, filters }, { onSuccess: setCreated, onError: (e) => notifyProblem(e, 'Export failed') });
  return (
    <>
      <Menu position="bottom-end">
        <Menu.Target>
          <Button variant="default" leftSection={<IconDownload size={16} />} loading={create.isPending} data-testid="audit-export">
            Export
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => start('jsonl')} data-testid="audit-export-jsonl">
            JSON Lines, with signed manifest
          </Menu.Item>
          <Menu.Item onClick={() => start('csv')} data-testid="audit-export-csv">
            CSV, with signed manifest
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Modal opened={created !== null} onClose={() => setCreated(null)} title="Export ready" size="lg">
        {created && (
          <Stack data-testid="audit-export-ready" data-count={created.eventCount}>
            <Text size="sm">
              {created.eventCount} events (seq {created.fromSeq}–{created.toSeq}), tied to the checkpoint of tree size {created.manifest.checkpoint.treeSize}
              {created.complete ? '; complete: verify also proves none is missing.' : '; filtered.'}
            </Text>
            <Text size="sm">
              SHA-256 <Code>{created.sha256}</Code>
            </Text>
            <Group>
              <Anchor href={auditExportUrl(orgId, created.id, 'file')} download={created.manifest.file.name} data-testid="audit-export-file">
                {created.manifest.file.name}
              </Anchor>
              <Anchor component="button" type="button" onClick={() => downloadJson('manifest.json', created.manifest)}>
                manifest.json
              </Anchor>
              <Anchor href={auditExportUrl(orgId, created.id, 'proof')} download="proof.json">
                proof.json
              </Anchor>
            </Group>
            <Text size="xs" c="dimmed">
              Put the three files in one directory and run <Code>hexaplane audit verify &lt;dir&gt;</Code> anywhere, offline.
            </Text>
          </Stack>
        )}
      </Modal>
    </>
  );
}
