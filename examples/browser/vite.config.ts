// Builds the browser demo into one self-contained HTML file (out/demo/index.html): the page,
// the runtime it imports (runtime/wasm-host.ts, tokenizer.ts, classify.ts, energy.ts: the same
// code Node runs) and the default model (out/demo-model/model.wasm, compiled from
// examples/sst2/model.snn by `npm run demo:build`) inlined, so it opens from file:// offline.
// SNNC_DEMO_MODEL / SNNC_DEMO_OUT override the model and the output folder (the browser test).

import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { viteSingleFile } from 'vite-plugin-singlefile';

const ROOT = resolve(import.meta.dirname, '..', '..');

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  logLevel: 'warn',
  plugins: [viteSingleFile()],
  resolve: { alias: [{ find: /^default-model\.wasm/, replacement: process.env.SNNC_DEMO_MODEL ?? resolve(ROOT, 'out', 'demo-model', 'model.wasm') }] },
  build: { outDir: process.env.SNNC_DEMO_OUT ?? resolve(ROOT, 'out', 'demo'), emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  preview: { port: 4173, strictPort: false },
});
