import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The proxy serves the built files under /app/ (VIGILO_PROXY_WEB_ROOT); the API is on the same origin.
export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // One chunk of our code, one of the libraries: both hashed and cached for a year by the proxy.
    rollupOptions: { output: { manualChunks: (id: string) => (id.includes('node_modules') ? 'vendor' : undefined) } },
  },
  server: {
    // `npm run dev -w @vigilo/analyst-web` against a running proxy (scripts/dev): the API calls go through it.
    proxy: { '/v1': process.env['VIGILO_PROXY_URL'] ?? 'http://127.0.0.1:8080' },
  },
});
