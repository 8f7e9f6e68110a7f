import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The backend the dev server and `vite preview` forward /api to.
const backend = process.env.JOBMON_BACKEND ?? 'http://127.0.0.1:8080';
const proxy = { '/api': { target: backend, changeOrigin: false } };

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy },
  preview: { proxy },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
});
