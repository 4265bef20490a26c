// Batch-1 latency of inference on the calling thread vs in the bounded worker (runtime/wasm-node.ts),
// on the shipped SST-2 model: interleaved repetitions, median and range per mode.
//   npx vite-node bench/bounded.ts -- [reps] [inferences]
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compiler/api.js';
import { loadArtifactFile } from '../runtime/wasm-node.js';

const [reps, count] = process.argv.slice(2).filter((a) => a !== '--').map(Number);
const out = mkdtempSync(join(tmpdir(), 'snnc-bounded-'));
const c = await compile(join(import.meta.dirname, '..', 'examples', 'sst2', 'model.snn'), { out });
const direct = await loadArtifactFile(c.wasmPath!, { bounded: false });
const bounded = await loadArtifactFile(c.wasmPath!);
const vocab = direct.meta.input.kind === 'tokens' ? direct.meta.input.vocabSize : 2;
let s = 1;
const inputs = Array.from({ length: count || 200 }, () => ({ tokens: Array.from({ length: 20 }, () => 2 + ((s = (s * 1103515245 + 12345) >>> 0) % (vocab - 2))) }));
for (const x of inputs.slice(0, 20)) (direct.infer(x), bounded.infer(x)); // warm-up
const times: Record<string, number[]> = { direct: [], bounded: [] };
for (let r = 0; r < (reps || 5); r++) {
  for (const [name, m] of [['direct', direct], ['bounded', bounded]] as const) {
    const t0 = process.hrtime.bigint();
    for (const x of inputs) m.infer(x);
    times[name].push(Number(process.hrtime.bigint() - t0) / 1e6 / inputs.length);
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [k, v] of Object.entries(times)) process.stdout.write(`${k}: median ${med(v).toFixed(3)} ms/inference, range ${Math.min(...v).toFixed(3)}-${Math.max(...v).toFixed(3)} (${v.length} reps x ${inputs.length})\n`);
process.stdout.write(`overhead: ${(med(times.bounded) - med(times.direct)).toFixed(3)} ms (${((100 * med(times.bounded)) / med(times.direct) - 100).toFixed(1)}%); load ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
