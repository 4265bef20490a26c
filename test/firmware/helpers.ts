// Helpers for the firmware tests: tool gates (fail in CI, skip visibly elsewhere), small
// models with a real SST-2 vocabulary, real SST-2 sentences as token ids, firmware builds in
// a temp dir, and SerialBoard sessions over a child process (host-c, simavr, QEMU).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph, Model } from '../../compiler/ir/types.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { emitC, type EmittedCModel } from '../../compiler/backends/c/index.js';
import type { CMode } from '../../compiler/backends/c/plan.js';
import { buildFirmware, type BuiltFirmware } from '../../compiler/backends/c/build.js';
import { loadTarget, repoRoot, type TargetDescription } from '../../targets/index.js';
import { spawnSerialBoard } from '../../runtime/serial/child.js';
import { Vocab, tokenize } from '../../runtime/tokenizer.js';
import { tinyTextCnn, type TinyOptions } from '../helpers/tiny-model.js';

export const IN_CI = Boolean(process.env.CI);

export function which(cmd: string): boolean {
  if (cmd.startsWith('/')) return existsSync(cmd);
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Gate {
  skip: boolean;
  reason: string;
  /** Throws in CI when a tool is missing (call it in beforeAll). */
  assert(): void;
}

/** Missing tools: skip with a visible reason on a developer machine, fail in CI. */
export function toolGate(tools: string[]): Gate {
  const missing = tools.filter((t) => !which(t));
  const reason = missing.length ? `missing ${missing.join(', ')}: run bash .ci/install-emulators.sh` : '';
  if (missing.length && !IN_CI) console.warn(`[test/firmware] skipping: ${reason}`);
  return {
    skip: missing.length > 0 && !IN_CI,
    reason,
    assert() {
      if (missing.length) throw new Error(`CI is missing tools for the firmware tests: ${reason}`);
    },
  };
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `snnc-${tag}-`));
}

/** SST-2 test sentences (label, text): the committed copy, else the shared data folder. */
export function sst2Sentences(): { label: number; text: string }[] {
  const candidates = [join(repoRoot(), 'examples', 'data', 'sst2', 'stsa.binary.test'), join(repoRoot(), '..', 'shared', 'data', 'sentence-classification', 'stsa.binary.test')];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new Error(`no SST-2 test file in ${candidates.join(' or ')}`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => ({ label: Number(l[0]), text: l.slice(2) }));
}

/** Token ids of the first `count` SST-2 training sentences (calibration of the twin ANN): the committed copy. */
export function sst2TrainIds(model: Model, count: number): number[][] {
  const vocab = new Vocab(model.vocab!);
  return readFileSync(join(repoRoot(), 'examples', 'data', 'sst2', 'stsa.binary.train'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, count)
    .map((l) => vocab.encode(tokenize(l.slice(2))))
    .filter((x) => x.length > 0);
}

/** The `size - 2` most frequent SST-2 test words, after <pad> and <unk>. */
export function sst2Vocab(size: number): string[] {
  const freq = new Map<string, number>();
  for (const s of sst2Sentences()) for (const w of tokenize(s.text)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const words = [...freq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map((e) => e[0]);
  return ['<pad>', '<unk>', ...words.slice(0, size - 2)];
}

/** Token ids of the first `count` SST-2 test sentences in a model's vocabulary. */
export function sst2Inputs(model: Model, count: number): { tokens: number[] }[] {
  const vocab = new Vocab(model.vocab!);
  return sst2Sentences()
    .slice(0, count)
    .map((s) => ({ tokens: vocab.encode(tokenize(s.text)) }))
    .filter((x) => x.tokens.length > 0);
}

/** A seeded random TextCNN with a real SST-2 vocabulary, lowered by the real pipeline. */
export function integerModel(o: TinyOptions & { weightBits?: 8 | 16; stateBits?: 16 | 32; prune?: number; layout?: 'auto' | 'dense' | 'sparse'; schedule?: 'event' | 'grouped' } = {}): { model: Model; graph: Graph } {
  const vocabSize = o.vocab ?? 400;
  const model = tinyTextCnn({ ...o, vocab: vocabSize });
  model.vocab = sst2Vocab(vocabSize);
  const { graph } = runPipeline(model.graph, { weightBits: o.weightBits, stateBits: o.stateBits, prune: o.prune, layout: o.layout, schedule: o.schedule });
  return { model: { ...model, graph }, graph };
}

export function build(graph: Graph, targetName: string, mode?: CMode, tag = targetName): { emitted: EmittedCModel; fw: BuiltFirmware; target: TargetDescription } {
  const target = loadTarget(targetName);
  const emitted = emitC(graph, target, { mode, name: tag });
  const fw = buildFirmware(emitted, target, tempDir(tag));
  return { emitted, fw, target };
}

export type { ChildBoard } from '../../runtime/serial/child.js';

/** Spawns a process whose stdio is the board's serial line and connects a SerialBoard to it. */
export const spawnBoard = spawnSerialBoard;

/** Compiles a C harness (cached by source hash in the temp dir); returns the binary path. */
export function buildHarness(name: string, flags: string[]): string {
  const src = join(repoRoot(), 'test', 'firmware', 'harness', `${name}.c`);
  const text = readFileSync(src);
  let h = 0;
  for (const b of text) h = (Math.imul(h, 31) + b) >>> 0;
  const out = join(tmpdir(), `snnc-${name}-${h.toString(16)}${flags.includes('-shared') ? '.so' : ''}`);
  if (!existsSync(out)) execFileSync('gcc', ['-O2', '-o', out, src, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  return out;
}

export const SIMAVR_FLAGS = ['-I/usr/include/simavr', '-I/usr/include/simavr/parts', '-lsimavr', '-lsimavrparts'];

/** The Uno model shape from targets/arduino-uno.json, with random weights and an SST-2 vocabulary. */
export function unoModel(seed = 11, schedule?: 'event' | 'grouped'): { model: Model; graph: Graph } {
  const cfg = loadTarget('arduino-uno').defaultModel!;
  return integerModel({
    dim: cfg.dim,
    widths: cfg.widths,
    maps: cfg.maps,
    maxLen: cfg.maxLen,
    timesteps: cfg.timesteps,
    scheme: cfg.scheme,
    population: cfg.population,
    classes: cfg.classes,
    weightBits: cfg.weightBits,
    seed,
    schedule,
  });
}

/**
 * A TextCNN that takes every path of the fast conv (firmware-stubs/snn_fast.c): widths[0]'s
 * population is also read by a max-pooled dense into a spare population (so its flags are
 * written, fused fire), widths[1]'s gets a
 * second conv from the encoder (two integrate-only passes, then snn_fire16), the others only by
 * mean-pooled denses (spike counts, fused fire); `maps` 16 gives two blocks of 8 channels, a dim
 * that is not a multiple of 8 padded nibbles. Lowered by the real pipeline (16-bit membranes
 * proven by quantize).
 */
export function fastVariantModel(o: TinyOptions = {}, schedule?: 'event' | 'grouped'): { model: Model; graph: Graph } {
  const vocabSize = o.vocab ?? 400;
  const model = tinyTextCnn({ dim: 12, maps: 16, widths: [3, 4, 5], maxLen: 10, timesteps: 6, reset: 'zero', beta: 0.8, seed: 17, ...o, vocab: vocabSize });
  model.vocab = sst2Vocab(vocabSize);
  const widths = o.widths ?? [3, 4, 5];
  const nodes = model.graph.nodes;
  const maps = o.maps ?? 16;
  const aux = new Float32Array(maps * 4).map((_, k) => ((k * 7919) % 13) / 13 - 0.4);
  const r = nodes.findIndex((n) => n.kind === 'readout');
  nodes.splice(
    r,
    0,
    { kind: 'dense', id: 'fcmax', from: `lif${widths[0]}`, to: 'aux', inFeatures: maps, outFeatures: 4, pool: 'max-positions', weight: { dtype: 'f32', shape: [maps, 4], data: aux } },
    { kind: 'lif', id: 'aux', channels: 4, perPosition: false, reset: 'subtract', beta: 1, threshold: 0.5 },
  );
  const i = nodes.findIndex((n) => n.id === `conv${widths[1]}`);
  const conv = nodes[i];
  if (conv.kind === 'conv1d' && conv.weight.dtype === 'f32') {
    const data = new Float32Array(conv.weight.data.length);
    for (let k = 0; k < data.length; k++) data[k] = -0.5 * conv.weight.data[data.length - 1 - k];
    nodes.splice(i + 1, 0, { ...conv, id: `${conv.id}b`, weight: { ...conv.weight, data } });
  }
  const { graph } = runPipeline(model.graph, { schedule });
  return { model: { ...model, graph }, graph };
}

/** Address ranges of the compute kernel's functions in an ELF (Thumb bit cleared); the model's constant tables (snn_tab*, snn_luts, ...) are never executed, so their ranges count nothing. */
export function computeRanges(nmTool: string, elf: string): [number, number][] {
  const out = execFileSync(nmTool, ['-S', '--defined-only', elf], { encoding: 'utf8' });
  // every kernel function (snn_* other than the protocol's and the platform's, the twin ANN's ann_*) and the kernel's static helpers
  const re = /^(ann_\w+|snn_(?!pf_|rx_|tx_|crc16|reset_handler)\w+|lut_\w+|pop8|add_dense.*|add_sparse.*|count.*|conv_os.*|dense_\w+|scan_add.*)$/;
  // the model's constants sit in .text too (never executed; left out to stay within the plugin's 64 ranges)
  const data = /^(snn_(tab\d+(_\w+)?|lut\d+|luts|levels(_\w+)?|cuts\d+|scan\d+(_in)?|pf_name)|ann_([wms]\d+|fc))$/;
  const ranges: [number, number][] = [];
  for (const line of out.split('\n')) {
    const m = line.trim().split(/\s+/);
    if (m.length !== 4 || !/^[tT]$/.test(m[2]) || !re.test(m[3]) || data.test(m[3])) continue;
    const lo = parseInt(m[0], 16) & ~1;
    ranges.push([lo, lo + parseInt(m[1], 16)]);
  }
  return ranges;
}

export const QEMU_CM3 = ['-M', 'mps2-an385', '-nographic', '-monitor', 'none', '-serial', 'stdio'];
