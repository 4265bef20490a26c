// Import + compile time and peak memory of an N-MNIST-sized spiking CNN given as NIR (issue 12,
// item 6): Input [2, 34, 34] -> Conv2d 2->12 5x5 -> LIF -> SumPool2d 3 -> Conv2d 12->32 5x5 ->
// LIF -> SumPool2d 2 -> Conv2d 32->10 3x3 -> LIF -> Output [10], the shape of a small Sinabs
// N-MNIST network. The graph is generated deterministically (xorshift32 weights) and written
// with snnc's NIR writer; every repetition runs in a fresh child process (so its peak RSS is
// its own): `readNirModel` (the import), then `compile` of the .nir file (import again, the
// pass pipeline, WASM and C emission: what `snnc compile cnn.nir` does).
//   npm run bench:nir            (= npm run build && node dist/bench/nir-import.js [reps])
// Writes bench/results/nir-import.json.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNirFile } from '../compiler/frontend/nir/hdf5.js';
import { cnnGraph } from './nir-cnn.js';

const here = dirname(fileURLToPath(import.meta.url));

async function child(nir: string, out: string): Promise<void> {
  const { readNirModel } = await import('../compiler/frontend/nir/import.js');
  const { compile } = await import('../compiler/api.js');
  const t0 = performance.now();
  await readNirModel(nir);
  const t1 = performance.now();
  const c = await compile(nir, { out });
  const t2 = performance.now();
  const wasm = c.wasmPath ? statSync(c.wasmPath).size : 0;
  const u = process.resourceUsage();
  // CPU seconds (user + system) of the whole child: what the run costs whatever the machine's load
  const cpuSeconds = (u.userCPUTime + u.systemCPUTime) / 1e6;
  process.stdout.write(JSON.stringify({ importSeconds: (t1 - t0) / 1000, compileSeconds: (t2 - t1) / 1000, cpuSeconds, peakRssMB: u.maxRSS / 1024, wasmBytes: wasm }) + '\n');
}

async function main(): Promise<void> {
  const reps = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'snnc-nir-bench-'));
  const nir = join(dir, 'cnn.nir');
  await writeNirFile(nir, cnnGraph());
  const runs: { importSeconds: number; compileSeconds: number; cpuSeconds: number; peakRssMB: number; wasmBytes: number }[] = [];
  const load: number[][] = [];
  for (let r = 0; r < reps; r++) {
    load.push(loadavg());
    const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', nir, join(dir, `out${r}`)], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (p.status !== 0) throw new Error(`repetition ${r} failed: ${p.stderr}`);
    const line = p.stdout.trim().split('\n').pop()!;
    runs.push(JSON.parse(line));
    process.stdout.write(`rep ${r + 1}/${reps}: ${line}\n`);
  }
  load.push(loadavg());
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[s.length >> 1], min: s[0], max: s[s.length - 1] };
  };
  const result = {
    what: 'NIR import + snnc compile of an N-MNIST-sized spiking CNN (bench/nir-import.ts); importSeconds = readNirModel, compileSeconds = compile() of the .nir (its own import included), wall clock; cpuSecondsWholeChild = user + system CPU of the child running both',
    graph: 'Input [2,34,34] -> Conv2d 2->12 5x5 -> LIF [12,30,30] -> SumPool2d 3 -> Conv2d 12->32 5x5 -> LIF [32,6,6] -> SumPool2d 2 -> Conv2d 32->10 3x3 -> LIF [10] -> Output',
    nirBytes: statSync(nir).size,
    reps,
    importSeconds: stat(runs.map((r) => r.importSeconds)),
    compileSeconds: stat(runs.map((r) => r.compileSeconds)),
    cpuSecondsWholeChild: stat(runs.map((r) => r.cpuSeconds)),
    peakRssMB: stat(runs.map((r) => r.peakRssMB)),
    wasmBytes: runs[0].wasmBytes,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg1mDuring: load.map((l) => Number(l[0].toFixed(2))) },
    date: new Date().toISOString(),
    runs,
  };
  const outFile = join(here, '..', '..', 'bench', 'results', 'nir-import.json');
  const target = statSafe(join(here, '..', '..', 'bench', 'results')) ? outFile : join(here, 'results', 'nir-import.json');
  writeFileSync(target, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`import ${result.importSeconds.median.toFixed(2)} s (${result.importSeconds.min.toFixed(2)}-${result.importSeconds.max.toFixed(2)}), compile ${result.compileSeconds.median.toFixed(2)} s (${result.compileSeconds.min.toFixed(2)}-${result.compileSeconds.max.toFixed(2)}), CPU ${result.cpuSecondsWholeChild.median.toFixed(1)} s, peak RSS ${result.peakRssMB.median.toFixed(0)} MB; wrote ${target}\n`);
}

function statSafe(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
else await main();
