// Device-target benchmark: builds snnc firmware for host-c, arduino-uno (simavr, exact cycles)
// and cortex-m3 (QEMU + instruction-count TCG plugin), runs real SST-2 sentences through the
// serial protocol, checks every result against the reference simulator and writes
// bench/results/targets.json. Latency over 115200 baud is computed (bytes and cycles), not timed.
// Run: npx vite-node bench/targets.ts  (or node dist/bench/targets.js after npm run build)

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import type { Graph, Model } from '../compiler/ir/types.js';
import { readModelFile } from '../compiler/frontend/model-format.js';
import { runPipeline } from '../compiler/passes/pipeline.js';
import type { CMode } from '../compiler/backends/c/plan.js';
import { simulate, type InferenceResult } from '../runtime/reference.js';
import { loadTarget, repoRoot } from '../targets/index.js';
import { QEMU_CM3, SIMAVR_FLAGS, build, buildHarness, computeRanges, sst2Inputs, unoModel, which } from '../test/firmware/helpers.js';
import { spawnSerialBoard } from '../runtime/serial/child.js';

const N = Number(process.env.SNNC_BENCH_N ?? 100);
const BAUD = 115200;

interface Row {
  target: string;
  model: string;
  mode: CMode;
  flash_bytes: number;
  ram_bytes: number;
  predicted_flash_bytes: number;
  predicted_ram_bytes: number;
  cycles_per_inference?: number;
  instructions_per_inference?: number;
  per_sop: number;
  per_sop_unit: string;
  sops_per_inference: number;
  serial_bytes_per_sentence: number;
  latency_ms_115200?: number;
  bitexact: { checked: number; equal: number };
}

function same(a: InferenceResult, b: InferenceResult): boolean {
  return JSON.stringify({ l: a.label, s: a.scores, o: a.ops, ls: a.layerSpikes, lu: a.layerUpdates }) === JSON.stringify({ l: b.label, s: b.scores, o: b.ops, ls: b.layerSpikes, lu: b.layerUpdates });
}

async function runTarget(name: string, modelName: string, model: Model, graph: Graph, mode: CMode): Promise<Row | undefined> {
  const target = loadTarget(name);
  if (!which(target.toolchain!.cc)) return undefined;
  const { emitted, fw } = build(graph, name, mode, `bench-${name}`);
  const inputs = sst2Inputs(model, N);
  let cmd: string;
  let args: string[];
  if (name === 'host-c') [cmd, args] = [fw.elf, []];
  else if (name === 'arduino-uno') [cmd, args] = [buildHarness('simavr-uart', SIMAVR_FLAGS), [fw.elf]];
  else {
    const plugin = buildHarness('insn-count', ['-shared', '-fPIC']);
    const ranges = computeRanges('arm-none-eabi-nm', fw.elf).map(([lo, hi]) => `range=0x${lo.toString(16)}-0x${hi.toString(16)}`);
    [cmd, args] = ['qemu-system-arm', [...QEMU_CM3, '-plugin', [plugin, ...ranges].join(','), '-kernel', fw.elf]];
  }
  const b = await spawnSerialBoard(cmd, args, { graph, modelHash: emitted.hash, timeoutMs: 30000 });
  let equal = 0;
  let cycles = 0;
  let sops = 0;
  let wire = 0;
  for (const x of inputs) {
    const r = await b.board.classify(x);
    if (same(r, simulate(graph, x, 'integer'))) equal++;
    cycles += r.cycles;
    sops += r.ops.sops;
    wire += r.bytesSent + r.bytesReceived;
  }
  await b.stop('SIGTERM');
  const n = inputs.length;
  const row: Row = {
    target: name,
    model: modelName,
    mode,
    flash_bytes: fw.text + fw.data,
    ram_bytes: fw.data + fw.bss + (target.firmware?.stackBytes ?? 0),
    predicted_flash_bytes: emitted.budget.flashBytes,
    predicted_ram_bytes: emitted.budget.ramBytes,
    per_sop: 0,
    per_sop_unit: '',
    sops_per_inference: Math.round(sops / n),
    serial_bytes_per_sentence: Math.round(wire / n),
    bitexact: { checked: n, equal },
  };
  if (name === 'arduino-uno') {
    row.cycles_per_inference = Math.round(cycles / n);
    row.per_sop = +(cycles / sops).toFixed(2);
    row.per_sop_unit = 'cycles (16 MHz ATmega328P in simavr, Timer1 at clk/1; all compute: encoding, leak, integrate, fire)';
    row.latency_ms_115200 = +(((wire / n) * 10 * 1000) / BAUD + (cycles / n / 16e6) * 1000).toFixed(1);
  } else if (name === 'cortex-m3') {
    const m = /compute=(\d+)/.exec(b.stderr());
    const insns = m ? Number(m[1]) : 0;
    row.instructions_per_inference = Math.round(insns / n);
    row.per_sop = +(insns / sops).toFixed(2);
    row.per_sop_unit = 'instructions in the compute kernel (QEMU TCG plugin, exact)';
    row.latency_ms_115200 = +(((wire / n) * 10 * 1000) / BAUD).toFixed(1);
  } else row.per_sop_unit = 'n/a (no cycle counter on host-c)';
  return row;
}

function tool(cmd: string[]): string {
  try {
    return execFileSync(cmd[0], cmd.slice(1), { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'missing';
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const uno = unoModel();
  const models: { name: string; model: Model; graph: Graph }[] = [{ name: 'uno-config (random weights)', ...uno }];
  const sst = join(repoRoot(), 'examples', 'sst2', 'model.snn');
  if (existsSync(sst)) {
    const m = readModelFile(sst);
    models.push({ name: 'examples/sst2/model.snn', model: m, graph: runPipeline(m.graph, { weightBits: 8 }).graph });
  }
  for (const m of models) {
    for (const t of ['host-c', 'arduino-uno', 'cortex-m3']) {
      const mode: CMode = t === 'arduino-uno' ? 'spikes' : 'tokens';
      try {
        const row = await runTarget(t, m.name, m.model, m.graph, mode);
        if (row) rows.push(row);
        if (row) console.log(JSON.stringify(row));
      } catch (e) {
        console.log(`${t} / ${m.name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  const out = {
    note: 'latency_ms_115200 is computed, not measured: wire bytes x 10 bits / 115200 baud + compute cycles / 16 MHz (AVR); Cortex-M3 adds only the wire time (QEMU has no cycle model)',
    targets: rows,
    machine: {
      os: `${platform()} ${release()}`,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      simavr: existsSync('/usr/include/simavr/sim_avr.h') ? 'libsimavr (Debian)' : 'missing',
      qemu: tool(['qemu-system-arm', '--version']),
      avr_gcc: tool(['avr-gcc', '--version']),
      arm_gcc: tool(['arm-none-eabi-gcc', '--version']),
      sentences: N,
    },
  };
  const dir = join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'targets.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${join(dir, 'targets.json')}`);
}

await main();
