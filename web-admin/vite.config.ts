import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';

/**
 * Production: `vite build` writes dist/, which core serves at /admin, /billing, /studio, /gallery.
 * Development: `npm run dev -w web-admin` serves the app with hot reload and forwards API, file and
 * webhook paths to a running core (CORE_URL, default http://127.0.0.1:8787 as `npm start` listens).
 */
export default defineConfig(({ mode }) => {
  const core = loadEnv(mode, process.cwd(), '').CORE_URL ?? 'http://127.0.0.1:8787';
  const toCore = { target: core, changeOrigin: false };
  return {
    plugins: [react()],
    build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
    server: {
      port: 5173,
      proxy: { '/trpc': toCore, '/files': toCore, '/webhooks': toCore, '/healthz': toCore },
    },
  };
});
