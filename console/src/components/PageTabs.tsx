import { Tabs, type TabsProps } from '@mantine/core';
import type { TablerIcon } from '@tabler/icons-react';
import type { ReactNode } from 'react';

export interface PageTab {
  value: string;
  label: ReactNode;
  icon: TablerIcon;
  panel: ReactNode;
}

/** A page's tabs, each with an icon; a tab's test id is `tab-<value>`. */
export function PageTabs({ tabs, ...props }: Omit<TabsProps, 'children'> & { tabs: PageTab[] }) {
  return (
    <Tabs {...props}>
      <Tabs.List mb="lg">
        {tabs.map(({ value, label, icon: Icon }) => (
          <Tabs.Tab key={value} value={value} leftSection={<Icon size={16} />} data-testid={`tab-${value}`}>
            {label}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {tabs.map(({ value, panel }) => (
        <Tabs.Panel key={value} value={value}>
          {panel}
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}
