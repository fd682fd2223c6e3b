import { createTheme, type MantineColorsTuple } from '@mantine/core';

// A slightly deeper indigo than Mantine's default, matching the hexagon mark.
const brand: MantineColorsTuple = ['#eef2ff', '#dbe2fe', '#b5c3f9', '#8ca2f5', '#6a86f1', '#5473ef', '#4869ef', '#3958d5', '#304ebf', '#2443a9'];

export const theme = createTheme({
  primaryColor: 'brand',
  colors: { brand },
  primaryShade: { light: 7, dark: 5 },
  defaultRadius: 'md',
  fontFamily: 'Inter, "Segoe UI", system-ui, -apple-system, Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace',
  headings: { fontWeight: '650' },
  components: {
    Table: { defaultProps: { verticalSpacing: 'sm', highlightOnHover: true } },
    Modal: { defaultProps: { radius: 'md', overlayProps: { backgroundOpacity: 0.4, blur: 2 } } },
    Paper: { defaultProps: { withBorder: true, radius: 'md' } },
    Badge: { defaultProps: { radius: 'sm' } },
  },
});
