// `snnc sim <model.nir|model.snn> --input <file>`: runs a graph for N steps on a per-step
// input and records per-step traces (spikes, membranes, synaptic currents) of its
// populations from the integer reference simulator and, with --float, the float simulation.
// No readout or class count is needed (docs/nir.md "snnc sim"). A NIR file is lowered with
// an optional readout and, by default, a direct spike-train input (its values are per-step
// counts); a .snn model keeps its own encoder (a rate encoder then takes a value per step).

import { readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseNpy } from 'npyjs';
import { fail } from '../../core/errors.js';
import type { Graph, LifNode, Model } from '../ir/types.js';
import { readModelFile } from '../frontend/model-format.js';
import { readNirModel, type LowerReport } from '../frontend/nir/import.js';
import { lowerOptionsFrom, type ImportCliOptions } from './import.js';
import { runPipeline } from '../passes/pipeline.js';
import { simulate, type OpCounts } from '../../runtime/reference.js';
import { writeAtomic } from '../io/atomic.js';
import { loadArtifactFile } from '../../runtime/wasm-node.js';

export interface SimOptions extends Omit<ImportCliOptions, 'out' | 'calibrate' | 'classes' | 'population'> {
  input?: string;
  steps?: number;
  /** Quantities to record: spikes, v, i (comma-separated). Default: all three (i only where a population has a current). */
  record?: string;
  /** Populations to record (IR ids, or NIR node ids: all their groups), comma-separated; default all. */
  pop?: string;
  float?: boolean;
  out?: string;
  /** NIR input: direct (default: per-step spike counts) or rate. */
  encoder?: string;
}

/** One population's per-step record: rows are steps, columns its neurons. */
export interface PopulationTrace {
  id: string;
  /** The NIR node it comes from and which of its neurons it holds (NIR input only). */
  nir?: { node: string; neurons: number[] };
  channels: number;
  /** Integer run: one integer unit of v (and i) in float units (the population's weight scale); float run: 1. */
  scale: number;
  /** The decay the run applies: float beta, or the integer 1 - sum 2^-k of its leak shifts; likewise the current's. */
  beta: number;
  synBeta?: number;
  /** Integer run: the shifts of the membrane's (and the current's) leak. */
  leakShifts?: number[];
  synLeakShifts?: number[];
  /** Firing threshold in the run's units (integer: the quantized threshold). */
  threshold: number;
  spikes?: number[][];
  v?: number[][];
  i?: number[][];
}

export interface SimTrace {
  mode: 'integer' | 'float';
  populations: PopulationTrace[];
  ops: OpCounts;
  /** Winning class, when the graph has a readout. */
  label?: number;
}

export interface SimOutcome {
  text: string;
  model: string;
  steps: number;
  inputDim: number;
  encoder: string;
  dt?: number;
  integer: SimTrace;
  float?: SimTrace;
  out?: string;
  warnings: string[];
}

const QUANTITIES = ['spikes', 'v', 'i'] as const;
type Quantity = (typeof QUANTITIES)[number];
const MAX_INPUT_BYTES = 256 << 20;
const MAX_STEPS = 1_000_000;

/** Reads a per-step input file: CSV (one row a step), a JSON array of arrays, or JSONL (one array a line). */
export function readStepInput(path: string, width: number): number[][] {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return fail('SNN_E_USAGE', `input file ${path} does not exist`);
  }
  if (size > MAX_INPUT_BYTES) fail('SNN_E_SIZE', `input file ${path} is ${size} bytes; snnc sim reads at most ${MAX_INPUT_BYTES}`);
  const bytes = readFileSync(path);
  const ext = extname(path).toLowerCase();
  // NumPy's .npy (magic \x93NUMPY), read by npyjs: [steps, ...channels] in any numeric dtype
  if (ext === '.npy' || (bytes.length >= 6 && bytes[0] === 0x93 && bytes.subarray(1, 6).toString('latin1') === 'NUMPY')) return readNpy(path, bytes, width);
  const text = bytes.toString('utf8');
  // rows with the 1-based line each came from
  let rows: { line: number; cells: unknown[] }[];
  if (ext === '.json') {
    let x: unknown;
    try {
      x = JSON.parse(text);
    } catch (e) {
      return fail('SNN_E_DATA', `${path} is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(x)) fail('SNN_E_DATA', `${path}: expected a JSON array of per-step arrays`);
    rows = x.map((r, k) => {
      if (!Array.isArray(r)) fail('SNN_E_DATA', `${path}: step ${k + 1} is not an array`);
      return { line: k + 1, cells: r };
    });
  } else if (ext === '.jsonl' || ext === '.ndjson') {
    rows = [];
    text.split(/\r?\n/).forEach((l, k) => {
      if (!l.trim()) return;
      let r: unknown;
      try {
        r = JSON.parse(l);
      } catch (e) {
        fail('SNN_E_DATA', `${path} line ${k + 1} is not valid JSON: ${(e as Error).message}`);
      }
      if (!Array.isArray(r)) fail('SNN_E_DATA', `${path} line ${k + 1}: expected an array of ${width} values`);
      rows.push({ line: k + 1, cells: r });
    });
  } else {
    let recs: { record: string[]; info: { lines: number } }[];
    try {
      recs = parseCsv(text, { info: true, skip_empty_lines: true, trim: true, relax_column_count: true, comment: '#' }) as never;
    } catch (e) {
      return fail('SNN_E_DATA', `${path} is not valid CSV: ${(e as Error).message}`);
    }
    rows = recs.map((r) => ({ line: r.info.lines, cells: r.record }));
    // a header row: no cell is a number
    if (rows.length && rows[0].cells.every((c) => String(c).trim() === '' || Number.isNaN(Number(c)))) rows.shift();
  }
  if (!rows.length) fail('SNN_E_DATA', `${path} holds no input steps (empty file)`, `write one row per step with ${width} values`);
  if (rows.length > MAX_STEPS) fail('SNN_E_SIZE', `${path} holds ${rows.length} steps; at most ${MAX_STEPS}`);
  const where = ext === '.json' ? 'step' : 'line';
  return rows.map(({ line, cells }) => {
    if (cells.length !== width) fail('SNN_E_DATA', `${path} ${where} ${line}: ${cells.length} values, the model's input has ${width}`, 'one column per input channel');
    return cells.map((c, k) => {
      const x = typeof c === 'number' ? c : typeof c === 'string' && c.trim() !== '' ? Number(c) : NaN;
      if (!Number.isFinite(x)) fail('SNN_E_DATA', `${path} ${where} ${line}, column ${k + 1}: ${JSON.stringify(c)} is not a finite number`);
      return x;
    });
  });
}

/** C-order values of an n-dimensional array stored in Fortran order (first index fastest). */
function fortranToC(data: ArrayLike<number>, shape: number[]): number[] {
  const n = data.length;
  const out = new Array<number>(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < n; c++) {
    // idx is the C-order multi-index of c; its Fortran-order offset:
    let f = 0;
    for (let d = shape.length - 1; d >= 0; d--) f = f * shape[d] + idx[d];
    out[c] = data[f];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * A NumPy .npy input (npyjs parses the header and data): shape [steps] for a one-channel input or
 * [steps, ...] whose trailing dimensions hold the model's input channels in C order (a [T, 2, 34,
 * 34] event tensor for a [2, 34, 34] Input); integer, float and bool dtypes.
 */
function readNpy(path: string, bytes: Buffer, width: number): number[][] {
  let a: ReturnType<typeof parseNpy>;
  try {
    a = parseNpy(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (e) {
    return fail('SNN_E_DATA', `${path} is not a readable .npy file: ${(e as Error).message}`, "write it with numpy.save('x.npy', a)");
  }
  const shape = a.shape;
  if (/^(c8|c16|U\d*)$/.test(a.dtype)) fail('SNN_E_DATA', `${path}: dtype ${a.dtype} is not a number type; snnc sim reads integer, float or bool arrays`);
  const total = shape.reduce((x, y) => x * y, 1);
  const data = a.data as unknown as ArrayLike<number | bigint>;
  if (data.length !== total) fail('SNN_E_DATA', `${path}: shape [${shape.join(', ')}] holds ${total} values but the file has ${data.length ?? 0} (truncated?)`);
  if (shape.length === 0) fail('SNN_E_DATA', `${path}: a 0-dimensional array holds no steps`, 'save an array of shape [steps, channels]');
  const steps = shape[0];
  const per = shape.length === 1 ? 1 : shape.slice(1).reduce((x, y) => x * y, 1);
  if (!steps) fail('SNN_E_DATA', `${path} holds no input steps (shape [${shape.join(', ')}])`, `save an array of shape [steps, ${width}]`);
  if (steps > MAX_STEPS) fail('SNN_E_SIZE', `${path} holds ${steps} steps; at most ${MAX_STEPS}`);
  if (per !== width) fail('SNN_E_DATA', `${path}: shape [${shape.join(', ')}] gives ${per} values per step, the model's input has ${width}`, 'the first dimension is the step; the others hold the input channels');
  const raw = Array.from(data, Number);
  const flat = a.fortranOrder && shape.length > 1 ? fortranToC(raw, shape) : raw;
  const rows: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const row = flat.slice(t * per, (t + 1) * per);
    const bad = row.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) fail('SNN_E_DATA', `${path} step ${t + 1}, channel ${bad + 1}: ${row[bad]} is not a finite number`);
    rows.push(row);
  }
  return rows;
}

function parseRecord(s: string | undefined): Set<Quantity> {
  const out = new Set<Quantity>();
  for (const q of (s ?? 'spikes,v,i').split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!(QUANTITIES as readonly string[]).includes(q)) fail('SNN_E_USAGE', `--record takes spikes, v, i; got "${q}"`);
    out.add(q as Quantity);
  }
  if (!out.size) fail('SNN_E_USAGE', '--record names nothing to record');
  return out;
}

async function loadModel(path: string, o: SimOptions, steps: number | undefined): Promise<{ model: Model; report?: LowerReport }> {
  if (/\.(nir|h5|hdf5)$/i.test(path)) {
    const encoder = o.encoder ?? 'direct';
    if (encoder !== 'direct' && encoder !== 'rate') fail('SNN_E_USAGE', `--encoder must be direct or rate, got ${encoder}`);
    return readNirModel(path, { ...lowerOptionsFrom(o), ...(steps !== undefined ? { timesteps: steps } : {}), encoder, readout: 'optional', text: 'body' });
  }
  if (o.encoder !== undefined) fail('SNN_E_USAGE', '--encoder applies to NIR input only; a .snn model keeps its own encoder');
  return { model: readModelFile(path) };
}

/** `snnc sim`. */
export async function sim(modelPath: string, o: SimOptions = {}): Promise<SimOutcome> {
  if (!o.input) fail('SNN_E_USAGE', 'snnc sim needs --input <file> (CSV, JSON or JSONL: one row of input values per step)');
  if (o.steps !== undefined && !(Number.isInteger(o.steps) && o.steps > 0 && o.steps <= MAX_STEPS)) fail('SNN_E_USAGE', `--steps must be an integer 1..${MAX_STEPS}`);
  // an artifact reports spikes only: that is its default
  if (/\.wasm$/i.test(modelPath)) return simArtifact(modelPath, o, parseRecord(o.record ?? 'spikes'));
  const record = parseRecord(o.record);
  const { model, report } = await loadModel(modelPath, o, o.steps);
  const g0 = model.graph;
  const vec = g0.nodes.find((n) => n.kind === 'vector');
  if (!vec || vec.kind !== 'vector') return fail('SNN_E_USAGE', `model ${model.meta.name} takes tokens; snnc sim feeds a vector input per step`, 'use snnc run for text models');
  const rows = readStepInput(resolve(o.input), vec.dim);
  const steps = o.steps ?? rows.length;
  // steps past the file's last row get zeros (the input switched off)
  const input = Array.from({ length: steps }, (_, t) => rows[t] ?? new Array<number>(vec.dim).fill(0));
  const graph: Graph = { ...g0, timesteps: steps };
  const pipe = runPipeline(graph, { weightBits: Number(o.weightBits ?? 8) as 8 | 16 });
  const gi = pipe.graph;

  // which populations to record
  const lifIds = gi.nodes.filter((n): n is LifNode => n.kind === 'lif').map((n) => n.id);
  const nirOf = new Map<string, { node: string; neurons: number[] }>();
  for (const [node, parts] of Object.entries(report?.populations ?? {})) for (const p of parts) nirOf.set(p.id, { node, neurons: p.neurons });
  let want = lifIds;
  if (o.pop) {
    want = [];
    for (const name of o.pop.split(',').map((x) => x.trim()).filter(Boolean)) {
      const ids = lifIds.includes(name) ? [name] : (report?.populations[name] ?? []).map((p) => p.id);
      if (!ids.length) fail('SNN_E_USAGE', `--pop: no population "${name}" (populations: ${lifIds.join(', ')})`);
      for (const id of ids) if (!want.includes(id)) want.push(id);
    }
  }
  const details = (pipe.reports.find((r) => r.pass === 'quantize')?.details ?? {}) as Record<string, { scale?: number }>;
  const run = (mode: 'integer' | 'float'): SimTrace => {
    const g = mode === 'integer' ? gi : graph;
    const pops = new Map<string, PopulationTrace>();
    for (const id of want) {
      const n = g.nodes.find((x) => x.id === id) as LifNode;
      const eff = (shifts: number[] | undefined, b: number) => (mode === 'integer' ? 1 - (shifts ?? []).reduce((a, k) => a + 2 ** -k, 0) : b);
      const t: PopulationTrace = {
        id,
        ...(nirOf.has(id) ? { nir: nirOf.get(id) } : {}),
        channels: n.channels,
        scale: mode === 'integer' ? (details[id]?.scale ?? 1) : 1,
        beta: eff(n.leakShifts, n.beta),
        ...(n.synBeta !== undefined ? { synBeta: eff(n.synLeakShifts, n.synBeta) } : {}),
        threshold: n.threshold,
        ...(mode === 'integer' ? { leakShifts: n.leakShifts ?? [], ...(n.synBeta !== undefined ? { synLeakShifts: n.synLeakShifts ?? [] } : {}) } : {}),
      };
      if (record.has('spikes')) t.spikes = [];
      if (record.has('v')) t.v = [];
      if (record.has('i') && n.synBeta !== undefined) t.i = [];
      pops.set(id, t);
    }
    const r = simulate(g, { steps: input }, mode, {
      afterStep: (_t, id, v, spikes, cur) => {
        const t = pops.get(id);
        if (!t) return;
        t.spikes?.push(Array.from(spikes));
        t.v?.push(Array.from(v));
        if (t.i && cur) t.i.push(Array.from(cur));
      },
    });
    return { mode, populations: [...pops.values()], ops: r.ops, ...(r.label >= 0 ? { label: r.label } : {}) };
  };
  const integer = run('integer');
  const float = o.float ? run('float') : undefined;
  const enc = gi.nodes.find((n) => n.kind === 'encoder');
  const outcome: SimOutcome = {
    text: '',
    model: modelPath,
    steps,
    inputDim: vec.dim,
    encoder: enc && enc.kind === 'encoder' ? `${enc.scheme} (${enc.bits} bit${enc.bits > 1 ? 's' : ''})` : 'none',
    ...(report ? { dt: report.dt } : {}),
    integer,
    ...(float ? { float } : {}),
    warnings: pipe.warnings,
  };
  return finish(outcome, o.out, rows.length);
}

/**
 * `snnc sim out/model.wasm`: the compiled artifact's own per-step spike trace (docs/wasm.md
 * "Spike trace"), the integer run of the WASM kernels; it reports spikes only. A spike-train
 * (direct input) artifact takes one row of counts per step (at most T, zeros after); any other
 * takes one input vector for its T steps: every input row must be that vector.
 */
async function simArtifact(path: string, o: SimOptions, record: Set<Quantity>): Promise<SimOutcome> {
  if (o.float) fail('SNN_E_USAGE', '--float needs the model (.nir or .snn), not a compiled artifact');
  for (const k of ['encoder', 'dt', 'decay', 'reset', 'betaTolerance', 'bias'] as const) if (o[k] !== undefined) fail('SNN_E_USAGE', `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to a .nir model, not a compiled artifact`);
  const model = await loadArtifactFile(path, { bounded: false });
  const meta = model.meta;
  if (meta.input.kind !== 'vector') fail('SNN_E_USAGE', `${path} takes text; snnc sim feeds a vector input`, 'use snnc run for text models');
  if (!model.canTrace) fail('SNN_E_ARTIFACT', `${path} has no spike trace export`, 'recompile it with this snnc');
  // membranes and currents: only an artifact compiled without readout traces them (docs/wasm.md "Graphs without readout")
  const traceState = (meta.extra?.outputReadout as { traceState?: boolean } | undefined)?.traceState === true;
  if ((record.has('v') || record.has('i')) && !traceState)
    fail('SNN_E_USAGE', 'this compiled artifact reports spikes per step, not membranes or currents (only one compiled without readout does)', 'pass --record spikes, or run snnc sim on the .nir/.snn model for v and i');
  const dim = meta.input.dim;
  const rows = readStepInput(resolve(o.input!), dim);
  const T = meta.timesteps;
  if (o.steps !== undefined && o.steps !== T) fail('SNN_E_USAGE', `${path} runs T = ${T} steps per inference (compiled in); --steps ${o.steps} needs the model`, 'omit --steps, or run snnc sim on the model');
  let traced: ReturnType<typeof model.inferTraced>;
  if (meta.encoders.some((e) => e.scheme === 'direct')) {
    // a spike-train artifact takes one row of counts per step; steps past the file's last row get zeros
    if (rows.length > T) fail('SNN_E_USAGE', `${path} runs T = ${T} steps per inference (compiled in), but the input holds ${rows.length} rows`, `give at most ${T} rows, or run snnc sim on the model with --steps`);
    traced = model.inferTraced({ steps: Array.from({ length: T }, (_, t) => rows[t] ?? new Array<number>(dim).fill(0)) });
  } else {
    const differs = rows.findIndex((r) => r.some((x, k) => x !== rows[0][k]));
    if (differs >= 0) fail('SNN_E_USAGE', `${path} takes one input vector for its ${T} steps (its encoder codes it), but input row ${differs + 1} differs from row 1`, 'give one row, or run snnc sim on the model for per-step inputs');
    traced = model.inferTraced({ vector: rows[0] });
  }
  const { result, spikes, v, i: cur } = traced;
  const want = o.pop ? new Set(o.pop.split(',').map((x) => x.trim())) : undefined;
  for (const id of want ?? []) if (!meta.populations.some((p) => p.id === id)) fail('SNN_E_USAGE', `--pop: no population "${id}" (populations: ${meta.populations.map((p) => p.id).join(', ')})`);
  const populations: PopulationTrace[] = [];
  meta.populations.forEach((p, k) => {
    if (want && !want.has(p.id)) return;
    if (p.perPosition) fail('SNN_E_USAGE', `population ${p.id} is per-position; snnc sim traces vector models`);
    const flags = spikes[k].map((idx) => {
      const row = new Array<number>(p.channels).fill(0);
      for (const j of idx) row[j] = 1;
      return row;
    });
    populations.push({
      id: p.id,
      channels: p.channels,
      scale: 1,
      beta: 1 - p.leakShifts.reduce((a, s) => a + 2 ** -s, 0),
      threshold: p.threshold,
      leakShifts: [...p.leakShifts],
      ...(record.has('spikes') ? { spikes: flags } : {}),
      ...(record.has('v') && v ? { v: v[k].map((row) => Array.from(row)) } : {}),
      ...(record.has('i') && cur?.[k] ? { i: cur[k]!.map((row) => Array.from(row)) } : {}),
    });
  });
  const enc = meta.encoders[0];
  // compiled without readout (docs/wasm.md "Graphs without readout"): its scores are the output neurons', no label
  const outputReadout = meta.extra?.outputReadout !== undefined;
  const outcome: SimOutcome = {
    text: '',
    model: path,
    steps: T,
    inputDim: dim,
    encoder: enc ? `${enc.scheme} (${enc.bits} bit${enc.bits > 1 ? 's' : ''})` : 'none',
    integer: { mode: 'integer', populations, ops: result.ops, ...(outputReadout ? {} : { label: result.label }) },
    warnings: [],
  };
  return finish(outcome, o.out, rows.length);
}

const SHOW_NEURONS = 8;
const SHOW_STEPS = 40;

/** People's view: per population a summary and the first neurons' traces, step by step. */
function formatSim(r: SimOutcome, rowCount: number): string {
  const lines = [`simulated ${r.model}: ${r.steps} steps (${rowCount} input rows${r.steps > rowCount ? ', zeros after' : ''}), input ${r.inputDim} channels, encoder ${r.encoder}${r.dt !== undefined ? `, dt ${r.dt}` : ''}`];
  for (const tr of [r.integer, r.float].filter((x): x is SimTrace => x !== undefined)) {
    lines.push(`${tr.mode} simulation: ${tr.ops.spikes} spikes, ${tr.ops.sops} synaptic ops, ${tr.ops.updates} neuron updates${tr.label !== undefined ? `, label ${tr.label}` : ''}`);
    for (const p of tr.populations) {
      const count = p.spikes ? p.spikes.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0) : undefined;
      lines.push(`  ${p.id}${p.nir && p.nir.node !== p.id ? ` (NIR ${p.nir.node}, neurons ${p.nir.neurons.join(',')})` : ''}: ${p.channels} neuron${p.channels === 1 ? '' : 's'}${count !== undefined ? `, ${count} spikes` : ''}${tr.mode === 'integer' ? `, 1 unit = ${p.scale.toPrecision(4)}` : ''}`);
      const k = Math.min(p.channels, SHOW_NEURONS);
      const cols: string[] = [];
      for (let j = 0; j < k; j++) {
        if (p.v) cols.push(`v${j}`);
        if (p.i) cols.push(`i${j}`);
      }
      const head = `    ${'t'.padStart(5)}  ${p.spikes ? 'spikes'.padEnd(Math.max(6, k)) + '  ' : ''}${cols.map((c) => c.padStart(10)).join(' ')}`;
      lines.push(head);
      const n = Math.min(r.steps, SHOW_STEPS);
      const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(5)).padStart(10);
      for (let t = 0; t < n; t++) {
        const s = p.spikes ? p.spikes[t].slice(0, k).map((x) => (x ? '|' : '.')).join('').padEnd(Math.max(6, k)) + '  ' : '';
        const vals: string[] = [];
        for (let j = 0; j < k; j++) {
          if (p.v) vals.push(fmt(p.v[t][j]));
          if (p.i) vals.push(fmt(p.i[t][j]));
        }
        lines.push(`    ${String(t).padStart(5)}  ${s}${vals.join(' ')}`);
      }
      if (r.steps > n || p.channels > k) lines.push(`    (first ${n} steps and ${k} neurons shown; -o file.json writes all)`);
    }
  }
  if (r.out) lines.push(`traces -> ${r.out}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

/** Writes the traces to `out` (JSON, atomically) when asked, and formats the printed text. */
function finish(outcome: SimOutcome, out: string | undefined, steps: number): SimOutcome {
  if (out) {
    const file = resolve(out);
    const { text: _t, ...rest } = outcome;
    writeAtomic(file, JSON.stringify({ ...rest, out: file }) + '\n');
    outcome.out = file;
  }
  outcome.text = formatSim(outcome, steps);
  return outcome;
}
