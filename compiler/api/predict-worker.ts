// Worker thread of `snnc predict --workers N`: classifies the batches the main thread posts
// ({seq, items}) and posts back ({seq, lines}); compiler/api/predict.ts keeps the order.

import { parentPort, workerData } from 'node:worker_threads';
import { makeClassifier, type PredictItem } from './predict-core.js';

const { wasm, model } = workerData as { wasm: Uint8Array; model?: string };
const classifier = await makeClassifier(wasm, model);
parentPort!.on('message', (m: { seq: number; items: PredictItem[] }) => {
  try {
    parentPort!.postMessage({ seq: m.seq, lines: classifier.classify(m.items) });
  } catch (e) {
    const err = e as { code?: string; message?: string; hint?: string };
    const msg = err.message ?? String(e);
    // an SnncError's message is "<code>: <message> (<hint>)": send the parts so the main thread can rebuild it
    const raw = err.code && msg.startsWith(`${err.code}: `) ? msg.slice(err.code.length + 2, err.hint ? -(err.hint.length + 3) : undefined) : msg;
    parentPort!.postMessage({ seq: m.seq, error: { code: err.code, message: raw, hint: err.hint } });
  }
});
parentPort!.postMessage({ ready: true });
