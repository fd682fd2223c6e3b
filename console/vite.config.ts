import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// Groups the large libraries into their own long-cached chunks; pages load lazily on top.
function vendorChunk(id: string): string | undefined {
  if (!id.includes('node_modules')) return undefined;
  if (/node_modules\/(recharts|d3-|victory|@mantine\/charts)/.test(id)) return 'charts';
  if (id.includes('@tabler/icons-react')) return 'icons';
  if (id.includes('@mantine/')) return 'mantine';
  if (/node_modules\/(react|react-dom|scheduler|react-router)\//.test(id)) return 'react';
  return 'vendor';
}

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: { output: { manualChunks: vendorChunk } },
  },
  server: {
    // `npm run dev` serves the API on 8080 by default; the console dev server proxies to it.
    proxy: { '/api': process.env.HEXAPLANE_API ?? 'http://127.0.0.1:8080' },
  },
});
