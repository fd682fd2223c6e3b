import { Select } from '@mantine/core';
import { IconBuilding } from '@tabler/icons-react';
import { useLocation, useNavigate } from 'react-router';
import { useOrganizations } from '../api/tenancy.ts';

/** Switches organization, staying in the same section (workspaces, audit, ...) of the new one. */
export function OrgSwitcher({ orgId }: { orgId: string | null }) {
  const orgs = useOrganizations();
  const navigate = useNavigate();
  const location = useLocation();
  const data = (orgs.data?.items ?? []).map((o) => ({ value: o.id, label: o.name }));

  function switchTo(next: string | null) {
    if (!next || next === orgId) return;
    const section = orgId ? location.pathname.split('/')[3] : undefined;
    navigate(`/orgs/${next}/${section ?? 'workspaces'}`);
  }

  return (
    <Select
      aria-label="Organization"
      placeholder={orgs.isPending ? 'Loading…' : 'Choose an organization'}
      data={data}
      value={orgId}
      onChange={switchTo}
      leftSection={<IconBuilding size={16} />}
      searchable={data.length > 8}
      allowDeselect={false}
      nothingFoundMessage="No organization"
      w={260}
      visibleFrom="xs"
      comboboxProps={{ withinPortal: true }}
      data-testid="org-switcher"
    />
  );
}
