import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console is built by scripts/build.js (so by `npm ci` and `npm start`) into dist/console,
 * which the API serves at /console (apps/api/src/http/console.ts). No dev server is needed.
 * JSX is compiled by Vite's own transformer with React's automatic runtime.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: process.env.ACCORD_CONSOLE_OUT ?? fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React Query marks its hooks "use client" for server-component bundlers; here all is client.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
