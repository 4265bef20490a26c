// NIR graph -> snnc float Model (docs/nir.md): flattens nested graphs, composes the linear
// nodes between spike sources and neurons into dense synapses, turns cycles through neurons
// into recurrent synapses, and bridges continuous time to steps with dt. Refuses, naming the
// node and the reason, whatever the IR cannot express.

import type { DenseNode, EncoderNode, Graph, LifNode, Model, Node, ReadoutNode, VectorNode } from '../../ir/types.js';
import { fail } from '../../../core/errors.js';
import { validateModel } from '../../ir/validate.js';
import { isStrings, type NirArray, type NirFile, type NirNode, type NirValue } from './types.js';
import { checkNirFile, snncMetadata } from '../../schema/nir.js';
import { lowerTextNir, textBlock } from './text.js';

export type DecayConvention = 'exp' | 'linear';

export interface LowerOptions {
  /** Step length in the NIR file's time unit. Default: the file's snnc metadata, else 1e-4 (snnTorch's export). */
  dt?: number;
  /** beta = exp(-dt/tau) ('exp', default) or 1 - dt/tau ('linear', snnTorch's Euler step). */
  decay?: DecayConvention;
  /** Reset of populations whose v_reset is 0: 'zero' (NIR's v <- v_reset, default) or 'subtract'. */
  reset?: 'zero' | 'subtract';
  timesteps?: number;
  /** Rate encoder bits for the input vector. */
  bits?: number;
  /** Class names (their count sets the readout's classes). */
  classes?: string[];
  population?: number;
  /** Affine/Conv biases: refuse (default) or feed them from an extra always-1 input channel. */
  bias?: 'refuse' | 'input';
  /** Largest spread of beta within one population that is averaged away (default 1e-6). */
  betaTolerance?: number;
  name?: string;
  /**
   * The Input: `rate` (default) rate-codes a value in [0, 1]; `direct` takes a spike train,
   * one count per channel and step (0 .. 2^bits - 1; bits defaults to 1 then).
   */
  encoder?: 'rate' | 'direct';
  /**
   * `required` (default): the Output becomes a classifier readout (>= 2 classes). `optional`
   * (`snnc sim`): when the Output's neurons do not form a readout (one neuron, a split
   * population), the graph has none and is only simulated for its traces.
   */
  readout?: 'required' | 'optional';
  /**
   * A text model exported by snnc (metadata/snnc `text`): `model` (default) rebuilds the token
   * model; `body` lowers only the standard-node body, as any NIR graph (what other tools see).
   * Default: `model`; `snnc sim` asks for `body`.
   */
  text?: 'model' | 'body';
}

export interface LowerReport {
  version: string;
  layout: '0.x' | '1.x' | 'unknown';
  dt: number;
  decay: DecayConvention;
  timesteps: number;
  /** Nodes of the NIR graph (flattened) by type. */
  nodeTypes: Record<string, number>;
  /** What was not exact, one line each. */
  approximations: string[];
  notes: string[];
  /** Input vector length the imported model takes (+1 when the bias channel is on). */
  inputDim: number;
  biasChannel: boolean;
  /** IR population ids of every NIR neuron node, with the NIR neuron indices each holds (several after a split by tau). */
  populations: Record<string, { id: string; neurons: number[] }[]>;
  /** The input encoder the graph got. */
  encoder: 'rate' | 'direct';
  /** A text model rebuilt from an exported file (docs/nir.md "Text models"): what non-snnc tools see differently. */
  text?: { family: 'textcnn' | 'bisnn'; body: 'positions' | 'sequence'; positions: number; caveats: string[] };
}

const MAX_MATRIX = 1 << 25;
const MAX_SIZE = 1 << 24;
const BIAS = '\u0000bias';
const NEURONS = new Set(['LIF', 'IF', 'LI', 'I', 'CubaLIF', 'CubaLI']);
/** Non-spiking neurons: imported only as the output population, read by a membrane readout. */
const INTEGRATORS = new Set(['LI', 'I', 'CubaLI']);
/** Current-based neurons: a synaptic current state (tau_syn, w_in) ahead of the membrane. */
const CUBA = new Set(['CubaLIF', 'CubaLI']);
/** Nodes that pass their input's values through unchanged (the Output may read a population through them). */
const PASS = new Set(['Identity', 'Flatten']);
const LINEAR = new Set(['Linear', 'Affine', 'Scale', 'Flatten', 'Identity', 'Conv1d', 'Conv2d', 'SumPool2d', 'AvgPool2d', 'Threshold']);
const REFUSED: Record<string, string> = {
  Delay: 'the IR has no per-edge delay lines (only one-step recurrent synapses)',
};

const where = (id: string, n: { type: string }) => `NIR node "${id}" (${n.type})`;

// ---------------------------------------------------------------------------- parameters

function param(id: string, n: NirNode, name: string): NirArray {
  const v = n.params[name];
  if (!v) fail('SNN_E_HEADER', `${where(id, n)} misses parameter "${name}"`);
  if (isStrings(v)) fail('SNN_E_HEADER', `${where(id, n)}: parameter "${name}" must be numeric`);
  for (let i = 0; i < v.data.length; i++) if (!Number.isFinite(v.data[i])) fail('SNN_E_NAN', `${where(id, n)}: ${name} holds ${v.data[i]} at element ${i}`);
  return v;
}

function optParam(id: string, n: NirNode, name: string): NirArray | undefined {
  return n.params[name] === undefined ? undefined : param(id, n, name);
}

function intList(id: string, n: NirNode, v: NirValue | undefined, name: string, dims: number, dflt: number): number[] {
  if (v === undefined) return new Array(dims).fill(dflt);
  if (isStrings(v)) fail('SNN_E_HEADER', `${where(id, n)}: ${name} must be numeric`);
  const xs = Array.from(v.data);
  if (xs.some((x) => !Number.isSafeInteger(x) || x < 0 || x > MAX_SIZE)) fail('SNN_E_HEADER', `${where(id, n)}: ${name} must hold non-negative integers, got [${xs}]`);
  if (xs.length === 1) return new Array(dims).fill(xs[0]);
  if (xs.length !== dims) fail('SNN_E_GRAPH', `${where(id, n)}: ${name} has ${xs.length} values for ${dims} dimensions`);
  return xs;
}

/** A per-neuron parameter broadcast to n values (a scalar or one value fits any n). */
function perNeuron(id: string, node: NirNode, name: string, n: number, dflt?: number): Float64Array {
  const v = node.params[name] === undefined && dflt !== undefined ? undefined : param(id, node, name);
  if (!v) return new Float64Array(n).fill(dflt!);
  if (v.data.length === 1) return new Float64Array(n).fill(v.data[0]);
  if (v.data.length !== n) fail('SNN_E_GRAPH', `${where(id, node)}: ${name} has ${v.data.length} values for ${n} neurons (shape mismatch)`);
  return v.data;
}

function shapeOf(id: string, n: NirNode, v: NirArray): number[] {
  const s = Array.from(v.data);
  if (s.length === 0 || s.length > 8 || s.some((x) => !Number.isSafeInteger(x) || x < 1 || x > MAX_SIZE) || s.reduce((a, b) => a * b, 1) > MAX_SIZE) {
    fail('SNN_E_SIZE', `${where(id, n)}: absurd shape [${s}] (each dimension 1..${MAX_SIZE}, at most ${MAX_SIZE} elements)`);
  }
  return s;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------- flattening

interface Flat {
  prims: Map<string, NirNode>;
  edges: [string, string][];
}

/** Inlines nested NIRGraphs: node "g.x" for node x of subgraph g; g's Input/Output become identities. */
function flatten(g: NirNode): Flat {
  const prims = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  const walk = (graph: NirNode, prefix: string, top: boolean): { inputs: string[]; outputs: string[] } => {
    const inputs: string[] = [];
    const outputs: string[] = [];
    const ports = new Map<string, { inputs: string[]; outputs: string[] }>();
    for (const [name, n] of Object.entries(graph.nodes ?? {})) {
      const id = prefix + name;
      if (n.type === 'NIRGraph') {
        ports.set(name, walk(n, id + '.', false));
        continue;
      }
      if (!top && (n.type === 'Input' || n.type === 'Output')) {
        prims.set(id, { ...n, type: 'Identity', params: { ...n.params, port: { shape: [], strings: [n.type] } } });
        (n.type === 'Input' ? inputs : outputs).push(id);
      } else prims.set(id, n);
    }
    const resolve = (name: string, dir: 'src' | 'dst'): string => {
      const sub = ports.get(name);
      if (sub) {
        const list = dir === 'dst' ? sub.inputs : sub.outputs;
        if (list.length !== 1) fail('SNN_E_GRAPH', `edge names subgraph "${prefix + name}", which has ${list.length} ${dir === 'dst' ? 'Input' : 'Output'} nodes: name one of them ("${prefix + name}.<node>")`);
        return list[0];
      }
      const id = prefix + name;
      if (!prims.has(id)) fail('SNN_E_GRAPH', `an edge names "${id}", which is not a node of the graph`);
      return id;
    };
    for (const [a, b] of graph.edges ?? []) edges.push([resolve(a, 'src'), resolve(b, 'dst')]);
    return { inputs, outputs };
  };
  walk(g, '', true);
  return { prims, edges };
}

// ---------------------------------------------------------------------------- linear maps

/** A linear map from a source's values to a node's values: identity, or dense rows x cols. */
type Mat = { identity: number } | { rows: number; cols: number; data: Float64Array };

function newMat(rows: number, cols: number, what: string): { rows: number; cols: number; data: Float64Array } {
  if (rows * cols > MAX_MATRIX) fail('SNN_E_SIZE', `${what}: a ${rows} x ${cols} weight matrix exceeds the ${MAX_MATRIX} values snnc composes`);
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/**
 * Applies op (input size inN -> output size outN, as a function on one vector that adds into
 * y) to every row. Rows are read in place (an identity's rows are one-hot vectors), so the
 * cost is that of the ops, which visit only the nonzero inputs.
 */
function applyRows(m: Mat, inN: number, outN: number, op: (x: Float64Array, y: Float64Array) => void, what: string): Mat {
  const rows = 'identity' in m ? m.identity : m.rows;
  const out = newMat(rows, outN, what);
  const row = (r: number) => out.data.subarray(r * outN, (r + 1) * outN);
  if ('identity' in m) {
    const x = new Float64Array(inN);
    for (let r = 0; r < rows; r++) {
      x[r] = 1;
      op(x, row(r));
      x[r] = 0;
    }
  } else for (let r = 0; r < rows; r++) op(m.data.subarray(r * m.cols, (r + 1) * m.cols), row(r));
  return out;
}

function addInto(acc: Map<string, Mat>, src: string, m: Mat, what: string): void {
  const prev = acc.get(src);
  if (!prev) {
    acc.set(src, m);
    return;
  }
  const dense = (a: Mat) => ('identity' in a ? applyRows(a, a.identity, a.identity, (x, y) => y.set(x), what) : a) as { rows: number; cols: number; data: Float64Array };
  const a = dense(prev);
  const b = dense(m);
  const s = newMat(a.rows, a.cols, what);
  for (let i = 0; i < s.data.length; i++) s.data[i] = a.data[i] + b.data[i];
  acc.set(src, s);
}

interface ConvSpec {
  cin: number;
  cout: number;
  inSp: number[];
  outSp: number[];
  k: number[];
  stride: number[];
  pad: number[];
  dil: number[];
  groups: number;
  /** weight[co][ci/groups][k...] or undefined for pooling (weight 1 or 1/area per channel). */
  weight?: Float64Array;
  poolScale?: number;
}

/**
 * The convolution (or pooling) as a scatter: every nonzero input value adds its products into
 * the outputs whose receptive field holds it. Work per vector: nonzero inputs x output
 * channels per group x kernel taps, so unrolling a conv row by row (one-hot rows) costs
 * O(inputs x cout/groups x taps), not O(inputs x outputs x taps).
 */
function convOp(c: ConvSpec): (x: Float64Array, y: Float64Array) => void {
  const d = c.k.length;
  const cinG = c.cin / c.groups;
  const coutG = c.cout / c.groups;
  const kSize = prod(c.k);
  const inSize = prod(c.inSp);
  const outSize = prod(c.outSp);
  const [in0, in1] = d === 2 ? c.inSp : [c.inSp[0], 1];
  const [out0, out1] = d === 2 ? c.outSp : [c.outSp[0], 1];
  const [k0n, k1n] = d === 2 ? c.k : [c.k[0], 1];
  const [s0, s1] = d === 2 ? c.stride : [c.stride[0], 1];
  const [p0, p1] = d === 2 ? c.pad : [c.pad[0], 0];
  const [d0, d1] = d === 2 ? c.dil : [c.dil[0], 1];
  // per input coordinate along each axis: the (kernel tap, output coordinate) pairs it reaches
  const taps = (n: number, kn: number, st: number, pd: number, dl: number, on: number): Int32Array[] =>
    Array.from({ length: n }, (_, i) => {
      const xs: number[] = [];
      for (let k = 0; k < kn; k++) {
        const t = i + pd - k * dl;
        if (t < 0 || t % st) continue;
        const o = t / st;
        if (o < on) xs.push(k, o);
      }
      return Int32Array.from(xs);
    });
  const t0 = taps(in0, k0n, s0, p0, d0, out0);
  const t1 = taps(in1, k1n, s1, p1, d1, out1);
  const w = c.weight;
  const scale = c.poolScale ?? 1;
  return (x, y) => {
    for (let idx = 0; idx < x.length; idx++) {
      const xv = x[idx];
      if (xv === 0) continue;
      const ci = Math.floor(idx / inSize);
      const sp = idx - ci * inSize;
      const i0 = Math.floor(sp / in1);
      const a = t0[i0];
      const b = t1[sp - i0 * in1];
      const g = Math.floor(ci / cinG);
      const cj = ci - g * cinG;
      const co0 = w ? g * coutG : ci;
      const co1 = w ? co0 + coutG : ci + 1;
      for (let co = co0; co < co1; co++) {
        const wBase = w ? (co * cinG + cj) * kSize : 0;
        const yBase = co * outSize;
        for (let u = 0; u < a.length; u += 2) {
          const kRow = wBase + a[u] * k1n;
          const oRow = yBase + a[u + 1] * out1;
          for (let v = 0; v < b.length; v += 2) y[oRow + b[v + 1]] += xv * (w ? w[kRow + b[v]] : scale);
        }
      }
    }
  };
}

// ---------------------------------------------------------------------------- lowering

export function lowerNir(file: NirFile, o: LowerOptions = {}): { model: Model; report: LowerReport } {
  checkNirFile(file);
  const version = file.version ?? 'unknown';
  const major = /^(\d+)\./.exec(version)?.[1];
  if (major !== undefined && Number(major) > 1) fail('SNN_E_VERSION', `NIR version ${version} is newer than the 0.x and 1.x layouts snnc reads`, 'export with NIR 1.x');
  const layout: LowerReport['layout'] = major === undefined ? 'unknown' : major === '0' ? '0.x' : '1.x';
  if (file.graph.type !== 'NIRGraph') fail('SNN_E_GRAPH', `the top NIR node is a ${file.graph.type}, not a NIRGraph`);
  const snncMeta = snncMetadata(file.graph.metadata.snnc);
  // the file's own dt was checked with its metadata (SNN_E_HEADER); this checks the flag
  if (o.dt !== undefined && !(o.dt > 0 && Number.isFinite(o.dt))) fail('SNN_E_USAGE', `--dt must be a positive number, got ${o.dt}`);
  const dt = o.dt ?? (typeof snncMeta.dt === 'number' ? snncMeta.dt : 1e-4);
  const decay: DecayConvention = o.decay ?? (snncMeta.decay === 'linear' ? 'linear' : 'exp');
  const T = o.timesteps ?? (typeof snncMeta.timesteps === 'number' ? snncMeta.timesteps : 32);
  const encoder = o.encoder ?? (snncMeta.encoder === 'direct' ? 'direct' : 'rate');
  const bits = o.bits ?? (typeof snncMeta.bits === 'number' ? snncMeta.bits : encoder === 'direct' ? 1 : 8);
  const tol = o.betaTolerance ?? 1e-6;
  const approximations: string[] = [];
  const notes: string[] = [];
  // a text model from `snnc export` (docs/nir.md "Text models"): rebuilt from its body and metadata
  // `snnc sim` (text: 'body') steps the body: the standard-node graph, fed spike trains
  if (snncMeta.text !== undefined && (o.text ?? 'model') === 'model') {
    const t = textBlock(snncMeta.text);
    const flags = (['timesteps', 'bits', 'encoder', 'classes', 'population', 'bias', 'reset', 'betaTolerance'] as const).filter((k) => o[k] !== undefined);
    if (flags.length) fail('SNN_E_USAGE', `a text model exported by snnc takes its ${flags.join(', ')} from metadata/snnc text, not from options`, 'import it without them');
    const model = lowerTextNir(file, snncMeta, t, { dt, decay, name: o.name });
    const nodeTypes: Record<string, number> = {};
    for (const n of Object.values(file.graph.nodes ?? {})) nodeTypes[n.type] = (nodeTypes[n.type] ?? 0) + 1;
    const report: LowerReport = { version, layout, dt, decay, timesteps: t.timesteps, nodeTypes, approximations, notes: [`a ${t.family} text model: tokenizer ${t.tokenizer.kind}, ${t.vocab.length} words, ${t.positions} positions, rebuilt from the ${t.body} body and metadata/snnc text`], inputDim: 0, biasChannel: false, populations: {}, encoder: 'rate', text: { family: t.family, body: t.body, positions: t.positions, caveats: t.caveats } };
    return { model, report };
  }

  const { prims, edges } = flatten(file.graph);
  const nodeTypes: Record<string, number> = {};
  for (const n of prims.values()) nodeTypes[n.type] = (nodeTypes[n.type] ?? 0) + 1;
  for (const [id, n] of prims) {
    if (REFUSED[n.type]) fail('SNN_E_GRAPH', `${where(id, n)} is not supported: ${REFUSED[n.type]}`);
    if (!NEURONS.has(n.type) && !LINEAR.has(n.type) && n.type !== 'Input' && n.type !== 'Output') {
      fail('SNN_E_GRAPH', `${where(id, n)} is not supported: unknown NIR node type`);
    }
  }
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  for (const id of prims.keys()) {
    preds.set(id, []);
    succs.set(id, []);
  }
  for (const [a, b] of edges) {
    preds.get(b)!.push(a);
    succs.get(a)!.push(b);
  }
  const inputs = [...prims].filter(([, n]) => n.type === 'Input');
  const outputs = [...prims].filter(([, n]) => n.type === 'Output');
  if (inputs.length !== 1) fail('SNN_E_GRAPH', `the graph has ${inputs.length} Input nodes; snnc models take exactly one input vector`);
  if (outputs.length !== 1) fail('SNN_E_GRAPH', `the graph has ${outputs.length} Output nodes; snnc models have exactly one readout`);
  const [inputId, inputNode] = inputs[0];
  if (preds.get(inputId)!.length) fail('SNN_E_GRAPH', `${where(inputId, inputNode)} has incoming edges`);
  // LI / I never spike: nothing in the IR may read them but a membrane readout, so they are
  // accepted only as the population the Output reads (directly or through Identity/Flatten)
  for (const [id, n] of prims) {
    if (!INTEGRATORS.has(n.type)) continue;
    const why = `${n.type === 'I' ? 'a pure integrator' : 'a leaky integrator'} is non-spiking and nothing in the IR may read a non-spiking population's spikes; snnc imports ${n.type} only as the output population (class score = its final membrane)`;
    const seen = new Set<string>();
    const check = (at: string): void => {
      const next = succs.get(at)!;
      if (!next.length && at === id) fail('SNN_E_GRAPH', `${where(id, n)} is not supported: it feeds nothing; ${why}`);
      for (const s of next) {
        const sn = prims.get(s)!;
        if (sn.type === 'Output') continue;
        if (!PASS.has(sn.type)) fail('SNN_E_GRAPH', `${where(id, n)} is not supported where it is: it feeds ${where(s, sn)}; ${why}`, 'end the graph with it, or make it a spiking LIF');
        if (!seen.has(s)) {
          seen.add(s);
          check(s);
        }
      }
    };
    check(id);
  }

  // ---- shapes (output shape of every node), memoized with cycle detection on linear nodes
  const shapes = new Map<string, number[]>();
  const visiting = new Set<string>();
  const inShape = (id: string): number[] => {
    const n = prims.get(id)!;
    const ps = preds.get(id)!;
    if (!ps.length) fail('SNN_E_GRAPH', `${where(id, n)} has no input edge`);
    const ss = ps.map(shapeOut);
    for (let i = 1; i < ss.length; i++) if (prod(ss[i]) !== prod(ss[0])) fail('SNN_E_GRAPH', `${where(id, n)}: inputs of different sizes (${ps.map((p, j) => `${p}: [${ss[j]}]`).join(', ')})`);
    return ss[0];
  };
  const shapeOut = (id: string): number[] => {
    const known = shapes.get(id);
    if (known) return known;
    const n = prims.get(id)!;
    let s: number[];
    if (n.type === 'Input') s = shapeOf(id, n, param(id, n, 'shape'));
    else if (NEURONS.has(n.type)) {
      const key = n.type === 'LIF' || n.type === 'LI' ? 'tau' : CUBA.has(n.type) ? 'tau_mem' : 'r';
      const p = param(id, n, key);
      if (p.data.length > 1) s = p.shape.length ? p.shape : [p.data.length];
      else {
        // scalar parameters: size from the input (a neuron may sit in a cycle: shape it from a non-cycle input)
        if (visiting.has(id)) fail('SNN_E_GRAPH', `${where(id, n)}: scalar parameters and a cyclic input: cannot infer its size`);
        visiting.add(id);
        s = inShape(id);
        visiting.delete(id);
      }
      if (prod(s) > MAX_SIZE) fail('SNN_E_SIZE', `${where(id, n)}: ${prod(s)} neurons`);
    } else if (n.type === 'Linear' || n.type === 'Affine') {
      // the output size is in the weight: no need to look upstream (recurrent loops resolve here)
      const w = param(id, n, 'weight');
      if (w.shape.length !== 2) fail('SNN_E_GRAPH', `${where(id, n)}: weight must be 2-D [out, in], got [${w.shape}]`);
      s = [w.shape[0]];
    } else {
      if (visiting.has(id)) fail('SNN_E_GRAPH', `${where(id, n)} is on a cycle without state (no neuron on the loop): the graph cannot be stepped`);
      visiting.add(id);
      const ins = inShape(id);
      visiting.delete(id);
      s = linearShape(id, n, ins);
    }
    shapes.set(id, s);
    return s;
  };

  const convSpecs = new Map<string, ConvSpec>();
  function linearShape(id: string, n: NirNode, ins: number[]): number[] {
    const inN = prod(ins);
    switch (n.type) {
      case 'Linear':
      case 'Affine': {
        const w = param(id, n, 'weight');
        if (w.shape.length !== 2) fail('SNN_E_GRAPH', `${where(id, n)}: weight must be 2-D [out, in], got [${w.shape}]`);
        if (w.shape[1] !== inN) fail('SNN_E_GRAPH', `${where(id, n)}: weight [${w.shape}] takes ${w.shape[1]} inputs, its input has ${inN} (shape mismatch)`);
        if (n.type === 'Affine') {
          const b = param(id, n, 'bias');
          if (b.data.length !== w.shape[0] && b.data.length !== 1) fail('SNN_E_GRAPH', `${where(id, n)}: bias has ${b.data.length} values for ${w.shape[0]} outputs`);
        }
        return [w.shape[0]];
      }
      case 'Scale': {
        const s = param(id, n, 'scale');
        if (s.data.length !== 1 && s.data.length !== inN) fail('SNN_E_GRAPH', `${where(id, n)}: scale has ${s.data.length} values for ${inN} inputs (shape mismatch)`);
        return ins;
      }
      case 'Flatten':
        return [inN];
      case 'Identity':
      case 'Output':
        return ins;
      case 'Threshold':
        return ins;
      default: {
        const c = convSpec(id, n, ins);
        convSpecs.set(id, c);
        return [c.cout, ...c.outSp];
      }
    }
  }

  function convSpec(id: string, n: NirNode, ins: number[]): ConvSpec {
    const d = n.type === 'Conv1d' ? 1 : 2;
    const pool = n.type === 'SumPool2d' || n.type === 'AvgPool2d';
    let cin: number;
    let inSp: number[];
    const declared = n.params.input_shape;
    if (ins.length === d + 1) {
      cin = ins[0];
      inSp = ins.slice(1);
      if (declared && !isStrings(declared) && declared.data.length && (declared.data.length !== d || inSp.some((x, i) => x !== declared.data[i]))) {
        fail('SNN_E_GRAPH', `${where(id, n)}: input_shape [${Array.from(declared.data)}] disagrees with its input of shape [${ins}] (spatial [${inSp}])`);
      }
    } else if (declared && !isStrings(declared) && declared.data.length === d) {
      inSp = Array.from(declared.data);
      cin = prod(ins) / prod(inSp);
      if (!Number.isInteger(cin)) fail('SNN_E_GRAPH', `${where(id, n)}: input of ${prod(ins)} values does not split into spatial shape [${inSp}]`);
    } else return fail('SNN_E_GRAPH', `${where(id, n)}: input shape [${ins}] is not [channels, ${d === 1 ? 'length' : 'height, width'}] and the node has no input_shape`);
    let k: number[];
    let cout: number;
    let groups = 1;
    let weight: Float64Array | undefined;
    let poolScale: number | undefined;
    if (pool) {
      k = intList(id, n, param(id, n, 'kernel_size'), 'kernel_size', d, 1);
      cout = cin;
      groups = cin;
      poolScale = n.type === 'AvgPool2d' ? 1 / prod(k) : 1;
    } else {
      const w = param(id, n, 'weight');
      if (w.shape.length !== d + 2) fail('SNN_E_GRAPH', `${where(id, n)}: weight must be ${d + 2}-D, got [${w.shape}]`);
      groups = intList(id, n, n.params.groups, 'groups', 1, 1)[0];
      cout = w.shape[0];
      k = w.shape.slice(2);
      if (w.shape[1] * groups !== cin || cout % groups) fail('SNN_E_GRAPH', `${where(id, n)}: weight [${w.shape}] with groups ${groups} does not fit ${cin} input channels (shape mismatch)`);
      weight = w.data;
    }
    const stride = intList(id, n, n.params.stride, 'stride', d, pool ? k[0] : 1);
    const dil = pool ? new Array(d).fill(1) : intList(id, n, n.params.dilation, 'dilation', d, 1);
    for (const [what, xs] of [['groups', [groups]], ['stride', stride], ['dilation', dil], ['kernel_size', k]] as const) {
      if (xs.some((x) => x < 1)) fail('SNN_E_GRAPH', `${where(id, n)}: ${what} must be >= 1, got [${xs}]`);
    }
    const padV = n.params.padding;
    let pad: number[];
    if (isStrings(padV)) {
      const p = padV.strings[0];
      if (p === 'valid') pad = new Array(d).fill(0);
      else if (p === 'same') {
        if (stride.some((s) => s !== 1)) fail('SNN_E_GRAPH', `${where(id, n)}: 'same' padding needs stride 1`);
        pad = k.map((kk, i) => Math.floor((dil[i] * (kk - 1)) / 2));
      } else return fail('SNN_E_GRAPH', `${where(id, n)}: unknown padding "${p}"`);
    } else pad = intList(id, n, padV, 'padding', d, 0);
    const outSp = inSp.map((N, i) => {
      const same = isStrings(padV) && padV.strings[0] === 'same';
      return same ? N : Math.floor((N + 2 * pad[i] - dil[i] * (k[i] - 1) - 1) / stride[i]) + 1;
    });
    if (outSp.some((x) => x < 1)) fail('SNN_E_GRAPH', `${where(id, n)}: kernel [${k}] does not fit input [${inSp}]`);
    return { cin, cout, inSp, outSp, k, stride, pad, dil, groups, weight, poolScale };
  }

  for (const id of prims.keys()) shapeOut(id);
  for (const [id, n] of prims) if (n.type === 'Linear' || n.type === 'Affine') linearShape(id, n, inShape(id));

  // ---- which nodes carry spikes (neurons and the input's rate code), for Threshold and Output
  const spiking = (id: string): boolean => {
    const n = prims.get(id)!;
    if ((NEURONS.has(n.type) && !INTEGRATORS.has(n.type)) || n.type === 'Input') return true;
    if (n.type === 'Identity' || n.type === 'Flatten' || n.type === 'Threshold') return preds.get(id)!.every(spiking);
    return false;
  };

  // ---- linear contributions: for every node, source (neuron / input / bias) -> matrix
  const contribs = new Map<string, Map<string, Mat>>();
  const computing = new Set<string>();
  const biasRow = (vec: Float64Array): Mat => ({ rows: 1, cols: vec.length, data: vec });
  const contrib = (id: string): Map<string, Mat> => {
    const n = prims.get(id)!;
    if (NEURONS.has(n.type) || n.type === 'Input') return new Map([[id, { identity: prod(shapes.get(id)!) }]]);
    const done = contribs.get(id);
    if (done) return done;
    if (computing.has(id)) fail('SNN_E_GRAPH', `${where(id, n)} is on a cycle without state (no neuron on the loop)`);
    computing.add(id);
    const acc = new Map<string, Mat>();
    for (const p of preds.get(id)!) for (const [s, m] of contrib(p)) addInto(acc, s, m, where(id, n));
    computing.delete(id);
    const inN = prod(inShape(id));
    const outN = prod(shapes.get(id)!);
    const out = new Map<string, Mat>();
    const what = where(id, n);
    let op: ((x: Float64Array, y: Float64Array) => void) | undefined;
    let bias: Float64Array | undefined;
    switch (n.type) {
      case 'Linear':
      case 'Affine': {
        const w = param(id, n, 'weight').data;
        // scatter over the nonzero inputs (unrolled rows are mostly one-hot)
        op = (x, y) => {
          for (let i = 0; i < inN; i++) {
            const xv = x[i];
            if (xv === 0) continue;
            for (let j = 0; j < outN; j++) y[j] += w[j * inN + i] * xv;
          }
        };
        if (n.type === 'Affine') {
          const b = perNeuron(id, n, 'bias', outN);
          if (b.some((x) => x !== 0)) bias = Float64Array.from(b);
        }
        break;
      }
      case 'Scale': {
        const s = perNeuron(id, n, 'scale', outN);
        op = (x, y) => {
          for (let i = 0; i < outN; i++) y[i] += s[i] * x[i];
        };
        break;
      }
      case 'Threshold': {
        const th = param(id, n, 'threshold').data;
        if (!preds.get(id)!.every(spiking) || th.some((t) => !(t >= 0 && t < 1))) {
          fail('SNN_E_GRAPH', `${what} is not supported: a stateless Heaviside on a continuous value has no IR counterpart (only a threshold in [0, 1) on spikes, an identity, is accepted)`);
        }
        notes.push(`${what}: threshold in [0, 1) on spikes is the identity`);
        break;
      }
      case 'Conv1d':
      case 'Conv2d':
      case 'SumPool2d':
      case 'AvgPool2d': {
        const c = convSpecs.get(id)!;
        op = convOp(c);
        if (n.params.bias && (n.type === 'Conv1d' || n.type === 'Conv2d')) {
          const b = perNeuron(id, n, 'bias', c.cout);
          if (b.some((x) => x !== 0)) {
            const per = prod(c.outSp);
            bias = new Float64Array(outN);
            for (let co = 0; co < c.cout; co++) bias.fill(b[co], co * per, (co + 1) * per);
          }
        }
        notes.push(`${what}: unrolled to a dense synapse over the flattened [${[c.cin, ...c.inSp]}] -> [${[c.cout, ...c.outSp]}] vectors (exact; sparsify keeps only the nonzero taps)`);
        break;
      }
      default: // Identity, Flatten, Output: the same values
        break;
    }
    for (const [s, m] of acc) out.set(s, op ? applyRows(m, inN, outN, op, what) : m);
    if (bias) {
      if ((o.bias ?? 'refuse') === 'refuse') {
        fail('SNN_E_GRAPH', `${what} has a nonzero bias: the IR has no constant input current`, 'retrain without bias, or import with --bias input (an extra input channel fixed at 1 carries it)');
      }
      addInto(out, BIAS, biasRow(bias), what);
    }
    contribs.set(id, out);
    return out;
  };

  // every linear node once (a cycle without a neuron on it fails here even off the main path)
  for (const [id, n] of prims) if (LINEAR.has(n.type) || n.type === 'Output') contrib(id);
  // shapes chain along every edge into a neuron or the Output: a source that gives another
  // number of values than the node holds is refused, naming both nodes and both shapes
  for (const [id, n] of prims) {
    if (!NEURONS.has(n.type) && n.type !== 'Output') continue;
    const declared = n.type === 'Output' ? n.params.shape : undefined;
    const own = NEURONS.has(n.type) ? shapes.get(id)! : declared && !isStrings(declared) && declared.data.length ? Array.from(declared.data) : undefined;
    if (!own) continue;
    for (const p of preds.get(id)!) {
      const s = shapes.get(p)!;
      if (prod(s) !== prod(own)) fail('SNN_E_GRAPH', `${where(p, prims.get(p)!)} gives ${prod(s)} values (shape [${s}]) to ${where(id, n)} of shape [${own}] (shape mismatch)`);
    }
  }

  // ---- neurons: their summed input per source, dt bridge, per-neuron folding
  const neuronIds = [...prims].filter(([, n]) => NEURONS.has(n.type)).map(([id]) => id);
  if (!neuronIds.length) fail('SNN_E_GRAPH', 'the graph has no neurons (LIF, IF, or LI / I as the output)');
  const inDim = prod(shapes.get(inputId)!);
  /** Neurons of one population that share beta (and synBeta): one IR population each. */
  interface Group {
    idx: number[];
    beta: number;
    synBeta?: number;
  }
  interface Pop {
    id: string;
    n: number;
    groups: Group[];
    threshold: number;
    reset: 'zero' | 'subtract';
    spiking: boolean;
    inputs: Map<string, Mat>;
    colScale: Float64Array;
  }
  const pops = new Map<string, Pop>();
  for (const id of neuronIds) {
    const node = prims.get(id)!;
    const n = prod(shapes.get(id)!);
    const what = where(id, node);
    const inputsOf = new Map<string, Mat>();
    for (const p of preds.get(id)!) for (const [s, m] of contrib(p)) addInto(inputsOf, s, m, what);
    if (!inputsOf.size) fail('SNN_E_GRAPH', `${what} has no input: every population needs an incoming synapse`);
    const spikes = !INTEGRATORS.has(node.type);
    const r = perNeuron(id, node, 'r', n);
    // an integrator has no threshold: 1 (or the one `snnc export` recorded) only sizes the quantizer's membrane bound
    const intTh = typeof snncMeta.thresholds === 'object' && snncMeta.thresholds ? (snncMeta.thresholds as Record<string, unknown>)[id] : undefined;
    const th = spikes ? perNeuron(id, node, 'v_threshold', n) : new Float64Array(n).fill(typeof intTh === 'number' && intTh > 0 ? intTh : 1);
    const vReset = spikes ? perNeuron(id, node, 'v_reset', n, 0) : new Float64Array(n);
    let beta: Float64Array;
    let g: Float64Array;
    let synBeta: Float64Array | undefined;
    const toBeta = (tau: Float64Array, name: string): Float64Array => {
      for (let j = 0; j < n; j++) if (!(tau[j] > 0)) fail('SNN_E_GRAPH', `${what}: ${name} must be positive, got ${tau[j]} (neuron ${j})`);
      const b = tau.map((t) => (decay === 'exp' ? Math.exp(-dt / t) : 1 - dt / t));
      const bad = b.findIndex((x) => !(x > 0 && x <= 1));
      if (bad >= 0) fail('SNN_E_GRAPH', `${what}: dt ${dt} and ${name} ${tau[bad]} give beta ${b[bad]} outside (0, 1]`, 'pass a smaller --dt or --decay exp');
      return b;
    };
    if (CUBA.has(node.type)) {
      // tau_syn di/dt = -i + w_in x; tau_mem dv/dt = (v_leak - v) + r i (docs/nir.md "Current-based neurons")
      const tauMem = perNeuron(id, node, 'tau_mem', n);
      const tauSyn = perNeuron(id, node, 'tau_syn', n);
      const wIn = perNeuron(id, node, 'w_in', n, 1);
      const vLeak = perNeuron(id, node, 'v_leak', n);
      for (let j = 0; j < n; j++) if (vLeak[j] !== 0) fail('SNN_E_GRAPH', `${what}: v_leak is ${vLeak[j]} (neuron ${j}); the IR's leak decays toward 0 only`, 'set v_leak to 0');
      beta = toBeta(tauMem, 'tau_mem');
      synBeta = toBeta(tauSyn, 'tau_syn');
      // the current is kept scaled by the membrane's input scale (linear, so exact): the
      // weight column takes both scales, (w_in dt / tau_syn) (r dt / tau_mem)
      g = tauMem.map((t, j) => ((r[j] * dt) / t) * ((wIn[j] * dt) / tauSyn[j]));
      for (let j = 0; j < n; j++) if (!(wIn[j] > 0)) fail('SNN_E_GRAPH', `${what}: w_in must be positive, got ${wIn[j]} (neuron ${j})`);
    } else if (node.type === 'LIF' || node.type === 'LI') {
      const tau = perNeuron(id, node, 'tau', n);
      const vLeak = perNeuron(id, node, 'v_leak', n);
      for (let j = 0; j < n; j++) {
        if (!(tau[j] > 0)) fail('SNN_E_GRAPH', `${what}: tau must be positive, got ${tau[j]} (neuron ${j})`);
        if (vLeak[j] !== 0) fail('SNN_E_GRAPH', `${what}: v_leak is ${vLeak[j]} (neuron ${j}); the IR's leak decays toward 0 only`, 'set v_leak to 0');
      }
      beta = tau.map((t) => (decay === 'exp' ? Math.exp(-dt / t) : 1 - dt / t));
      const bad = beta.findIndex((b) => !(b > 0 && b <= 1));
      if (bad >= 0) fail('SNN_E_GRAPH', `${what}: dt ${dt} and tau ${tau[bad]} give beta ${beta[bad]} outside (0, 1]`, 'pass a smaller --dt or --decay exp');
      g = tau.map((t, j) => (r[j] * dt) / t);
    } else {
      beta = new Float64Array(n).fill(1);
      g = r.map((x) => x * dt);
    }
    for (let j = 0; j < n; j++) {
      if (Math.abs(g[j] - 1) < 1e-6) g[j] = 1; // float32 parameters (snnTorch writes them) rarely give exactly 1
      if (!(g[j] > 0)) fail('SNN_E_GRAPH', `${what}: r must be positive, got ${r[j]} (neuron ${j})`);
      if (!(th[j] > 0)) fail('SNN_E_GRAPH', `${what}: v_threshold must be positive, got ${th[j]} (neuron ${j})`);
      if (vReset[j] !== 0) fail('SNN_E_GRAPH', `${what}: v_reset is ${vReset[j]} (neuron ${j}); the IR resets to 0 or subtracts the threshold`, 'set v_reset to 0');
    }
    // per-neuron decay: neurons whose (beta, synBeta) agree within the tolerance share one IR
    // population; a population whose betas spread further is split into groups of equal beta
    const groups = groupByBeta(beta, synBeta, tol);
    for (const gr of groups) {
      const spread = (xs: Float64Array) => {
        let lo = Infinity;
        let hi = -Infinity;
        let sum = 0;
        for (const j of gr.idx) {
          lo = Math.min(lo, xs[j]);
          hi = Math.max(hi, xs[j]);
          sum += xs[j];
        }
        return { lo, hi, mean: sum / gr.idx.length };
      };
      const a = spread(beta);
      if (a.hi > a.lo) approximations.push(`${what}: per-neuron beta ${a.lo}..${a.hi} averaged to ${a.mean}${groups.length > 1 ? ` in group ${groups.indexOf(gr)}` : ''}`);
      // beta on a 2^-40 grid: dyadic betas (0.875 = 1 - 2^-3) come back exact after an export round trip
      gr.beta = Math.min(1, Math.round(a.mean * 2 ** 40) / 2 ** 40);
      if (synBeta) {
        const c = spread(synBeta);
        if (c.hi > c.lo) approximations.push(`${what}: per-neuron synaptic beta ${c.lo}..${c.hi} averaged to ${c.mean}${groups.length > 1 ? ` in group ${groups.indexOf(gr)}` : ''}`);
        gr.synBeta = Math.min(1, Math.round(c.mean * 2 ** 40) / 2 ** 40);
      }
    }
    if (groups.length > 1) notes.push(`${what}: per-neuron tau: split into ${groups.length} populations of equal beta (${groups.map((gr, k) => `${id}.b${k}: ${gr.idx.length} neurons, beta ${gr.beta.toPrecision(6)}`).join('; ')})`);
    // per-neuron threshold and input scale fold into the incoming weight columns: scaling one
    // neuron's membrane by k > 0 (inputs, threshold and reset alike) changes none of its spikes
    const theta = th[0];
    const colScale = new Float64Array(n);
    for (let j = 0; j < n; j++) colScale[j] = g[j] * (theta / th[j]);
    if (th.some((t) => t !== theta)) notes.push(`${what}: per-neuron thresholds folded into its incoming weights (exact)`);
    const metaReset = typeof snncMeta.resets === 'object' && snncMeta.resets ? (snncMeta.resets as Record<string, string>)[id] : undefined;
    const reset = spikes ? (o.reset ?? (metaReset === 'subtract' ? 'subtract' : 'zero')) : 'zero';
    pops.set(id, { id, n, groups, threshold: theta, reset, spiking: spikes, inputs: inputsOf, colScale });
  }
  if (encoder === 'rate') approximations.push(`inputs: NIR's continuous input x becomes a rate code (${bits}-bit levels, ${T} steps) whose spike rate is x clamped to [0, 1]`);
  else notes.push(`inputs: a spike train, one count 0..${2 ** bits - 1} per channel and step, each step's value held for dt (docs/nir.md "Spike-train inputs")`);
  if ([...pops.values()].some((p) => p.spiking)) approximations.push(`spikes: NIR fires on v > threshold, the IR on v >= threshold (differs only when v equals the threshold exactly)`);

  // ---- order: DFS from the input over neuron -> neuron synapses; back edges become recurrent
  const order: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const recurrent = new Set<string>(); // "src->dst"
  const targetsOf = (src: string) => neuronIds.filter((t) => pops.get(t)!.inputs.has(src));
  const visit = (id: string) => {
    state.set(id, 'open');
    for (const t of targetsOf(id)) {
      if (state.get(t) === 'open') recurrent.add(`${id}->${t}`);
      else if (!state.has(t)) visit(t);
    }
    state.set(id, 'done');
    order.push(id);
  };
  for (const root of [...targetsOf(inputId), ...targetsOf(BIAS)]) if (!state.has(root)) visit(root);
  const unreached = neuronIds.filter((id) => !state.has(id));
  if (unreached.length) fail('SNN_E_GRAPH', `${where(unreached[0], prims.get(unreached[0])!)} is not driven by the input (only by itself or other undriven neurons)`);
  order.reverse();

  // ---- output
  const [outputId, outputNode] = outputs[0];
  let ro = preds.get(outputId)!;
  if (ro.length !== 1) fail('SNN_E_GRAPH', `${where(outputId, outputNode)} must have exactly one input edge, has ${ro.length}`);
  let readFrom = ro[0];
  while (PASS.has(prims.get(readFrom)!.type)) {
    ro = preds.get(readFrom)!;
    if (ro.length !== 1) break;
    readFrom = ro[0];
  }
  if (!pops.has(readFrom)) fail('SNN_E_GRAPH', `${where(outputId, outputNode)} reads ${where(readFrom, prims.get(readFrom)!)}, which is not a neuron population: the IR's readout counts spikes or reads an integrator's membranes`, 'end the graph with a LIF, IF, LI or I layer');
  const outPop = pops.get(readFrom)!;
  const declared = outputNode.params.shape;
  if (declared && !isStrings(declared) && declared.data.length && prod(Array.from(declared.data)) !== outPop.n) {
    fail('SNN_E_GRAPH', `${where(outputId, outputNode)}: shape [${Array.from(declared.data)}] != ${outPop.n} neurons of "${readFrom}" (shape mismatch)`);
  }
  // the classifier readout: required by default; `readout: 'optional'` (snnc sim) leaves it out
  // where the Output's neurons do not form one (a single neuron, a population split by tau)
  const optional = o.readout === 'optional';
  const classNames = o.classes ?? (Array.isArray(snncMeta.classes) ? (snncMeta.classes as unknown[]).map(String) : undefined);
  let classes: string[] = [];
  let population = 1;
  const splitOut = outPop.groups.length > 1;
  if (!(optional && (splitOut || (outPop.n < 2 && !classNames)))) {
    if (splitOut) fail('SNN_E_GRAPH', `${where(readFrom, prims.get(readFrom)!)}: the Output reads a population split by per-neuron tau into ${outPop.groups.length}; a readout reads one population`, 'make its tau uniform, raise --beta-tolerance, or simulate it with snnc sim');
    population = o.population ?? (classNames ? outPop.n / classNames.length : typeof snncMeta.population === 'number' ? snncMeta.population : 1);
    if (!Number.isInteger(population) || population < 1 || outPop.n % population) fail('SNN_E_USAGE', `the output population has ${outPop.n} neurons; it does not split into ${classNames ? `${classNames.length} classes` : `populations of ${population}`}`);
    classes = classNames ?? Array.from({ length: outPop.n / population }, (_, i) => `class${i}`);
    if (classes.length * population !== outPop.n) fail('SNN_E_USAGE', `${classes.length} classes x population ${population} != ${outPop.n} output neurons`);
    if (classes.length < 2) fail('SNN_E_GRAPH', `the output has ${outPop.n} neurons: a readout needs at least 2 classes`, 'to look at its dynamics, run snnc sim (no readout needed)');
    if (!outPop.spiking) notes.push(`${where(readFrom, prims.get(readFrom)!)}: non-spiking output; a class scores the sum of its neurons' membranes after the last step (snnc's readout: NIR defines none)`);
  } else notes.push(`${where(outputId, outputNode)}: no classifier readout (${splitOut ? 'its population is split by tau' : `${outPop.n} neuron`}); the graph is simulated for its traces only`);

  // ---- emit the IR
  const biasUsed = [...pops.values()].some((p) => p.inputs.has(BIAS));
  const dim = inDim + (biasUsed ? 1 : 0);
  if (biasUsed && encoder === 'direct') fail('SNN_E_GRAPH', 'a nonzero bias rides on an input channel fixed at 1, which a spike-train input cannot hold', 'import with the rate input, or retrain without bias');
  const { irId, vectorId, denseId, used } = irNames(snncMeta.ids, order, inputId, preds);
  const nodes: Node[] = [
    { kind: 'vector', id: vectorId, dim } satisfies VectorNode,
    { kind: 'encoder', id: 'encoder', from: vectorId, scheme: encoder, bits, seed: 0 } satisfies EncoderNode,
  ];
  /** The IR populations of NIR population id: one per group (`<id>.b<k>` when split). */
  const subIds = (id: string): { irid: string; idx: number[] }[] => {
    const p = pops.get(id)!;
    return p.groups.map((gr, k) => ({ irid: p.groups.length > 1 ? `${irId(id)}.b${k}` : irId(id), idx: gr.idx }));
  };
  const entry = (m: Mat, r: number, c: number): number => ('identity' in m ? (r === c ? 1 : 0) : m.data[r * m.cols + c]);
  const populations: LowerReport['populations'] = {};
  for (const id of order) {
    const p = pops.get(id)!;
    const sources = [...p.inputs.keys()].filter((s) => s !== BIAS);
    if (p.inputs.has(BIAS) && !p.inputs.has(inputId)) sources.push(inputId);
    sources.sort((a, b) => (a === inputId ? -1 : b === inputId ? 1 : order.indexOf(a) - order.indexOf(b)));
    const targets = subIds(id);
    populations[id] = targets.map((t) => ({ id: t.irid, neurons: t.idx }));
    for (const [k, tg] of targets.entries()) {
      const cols = tg.idx;
      for (const s of sources) {
        const fromInput = s === inputId;
        const srcParts = fromInput ? [{ irid: 'encoder', idx: Array.from({ length: dim }, (_, i) => i) }] : subIds(s);
        const rec = !fromInput && recurrent.has(`${s}->${id}`);
        for (const sp of srcParts) {
          const rows = sp.idx.length;
          const w = new Float32Array(rows * cols.length);
          const m = p.inputs.get(s);
          const mb = fromInput && biasUsed ? p.inputs.get(BIAS) : undefined;
          for (let r = 0; r < rows; r++) {
            const gr = sp.idx[r];
            for (let c = 0; c < cols.length; c++) {
              const j = cols[c];
              let x = 0;
              if (m && (!fromInput || gr < inDim)) x = entry(m, gr, j);
              else if (mb && gr === inDim) x = entry(mb, 0, j);
              w[r * cols.length + c] = x * p.colScale[j];
            }
          }
          const srcName = fromInput ? 'input' : sp.irid;
          let sid = (targets.length === 1 && srcParts.length === 1 ? denseId(s, id) : undefined) ?? `${srcName}_to_${tg.irid}`;
          while (used.has(sid)) sid += '_';
          used.add(sid);
          nodes.push({
            kind: 'dense',
            id: sid,
            from: sp.irid,
            to: tg.irid,
            inFeatures: rows,
            outFeatures: cols.length,
            weight: { dtype: 'f32', shape: [rows, cols.length], data: w },
            ...(rec ? { recurrent: true } : {}),
          } satisfies DenseNode);
        }
      }
      used.add(tg.irid);
      const gr = p.groups[k];
      nodes.push({
        kind: 'lif',
        id: tg.irid,
        channels: cols.length,
        perPosition: false,
        ...(p.spiking ? {} : { spiking: false }),
        reset: p.reset,
        beta: gr.beta,
        threshold: p.threshold,
        ...(gr.synBeta !== undefined ? { synBeta: gr.synBeta } : {}),
      } satisfies LifNode);
    }
  }
  if (classes.length) nodes.push({ kind: 'readout', id: 'readout', from: irId(readFrom), classes: classes.length, population, ...(outPop.spiking ? {} : { measure: 'membrane' as const }) } satisfies ReadoutNode);
  if (recurrent.size) notes.push(`recurrent synapses (read the previous step's spikes): ${[...recurrent].join(', ')}`);
  if (biasUsed) notes.push(`biases ride on input channel ${inDim} (0-based): pass a vector of ${dim} values whose last value is 1`);

  const graph: Graph = { timesteps: T, nodes, stage: 'float', passes: [] };
  const report: LowerReport = { version, layout, dt, decay, timesteps: T, nodeTypes, approximations, notes, inputDim: dim, biasChannel: biasUsed, populations, encoder };
  const model: Model = {
    meta: {
      name: o.name ?? (typeof snncMeta.name === 'string' ? snncMeta.name : 'nir'),
      family: 'nir',
      classes,
      extra: { nir: { version, dt, decay, approximations, notes, biasChannel: biasUsed } },
    },
    graph,
  };
  validateModel(model);
  return { model, report };
}

/**
 * Groups neurons by decay: sorted by beta (then synBeta), a neuron joins the current group
 * while both stay within `tol` of the group's first neuron, else starts a new group. One
 * group when the spread is within the tolerance (the old behaviour).
 */
function groupByBeta(beta: Float64Array, synBeta: Float64Array | undefined, tol: number): { idx: number[]; beta: number; synBeta?: number }[] {
  const n = beta.length;
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => beta[a] - beta[b] || (synBeta ? synBeta[a] - synBeta[b] : 0) || a - b);
  const out: { idx: number[]; beta: number; synBeta?: number }[] = [];
  let first = -1;
  for (const j of order) {
    const fits = first >= 0 && beta[j] - beta[first] <= tol && (!synBeta || Math.abs(synBeta[j] - synBeta[first]) <= tol);
    if (!fits) {
      out.push({ idx: [], beta: 0 });
      first = j;
    }
    out[out.length - 1].idx.push(j);
  }
  // neuron order within a group stays ascending, groups ordered by their first neuron
  for (const g of out) g.idx.sort((a, b) => a - b);
  out.sort((a, b) => a.idx[0] - b.idx[0]);
  return out;
}

/**
 * IR ids of the imported nodes. A file from `snnc export` carries `ids` (NIR id -> IR id) in
 * its metadata: populations, the input vector and single-Linear synapses get their original
 * names back. Otherwise, and for any name that would clash, NIR ids are kept, with `input`,
 * `encoder` and `readout` prefixed `nir_`.
 */
function irNames(meta: unknown, neurons: string[], inputId: string, preds: Map<string, string[]>) {
  const ids: Record<string, string> = typeof meta === 'object' && meta ? (meta as Record<string, string>) : {};
  const used = new Set(['encoder', 'readout']);
  const vectorId = ids[inputId] && !used.has(ids[inputId]) ? ids[inputId] : 'input';
  used.add(vectorId);
  const names = new Map<string, string>();
  for (const id of neurons) {
    const fallback = id === 'input' || id === 'encoder' || id === 'readout' || id === vectorId ? `nir_${id}` : id;
    let name = ids[id] !== undefined && !used.has(ids[id]) ? ids[id] : fallback;
    while (used.has(name)) name += '_';
    names.set(id, name);
    used.add(name);
  }
  /** The IR id of the synapse src -> dst when exactly one Linear named in `ids` carries it. */
  const denseId = (src: string, dst: string): string | undefined => {
    const via = (preds.get(dst) ?? []).filter((p) => ids[p] !== undefined && (preds.get(p) ?? []).length === 1 && preds.get(p)![0] === src);
    const want = via.length === 1 ? ids[via[0]] : undefined;
    return want !== undefined && !used.has(want) ? want : undefined;
  };
  return { irId: (id: string) => names.get(id) ?? id, vectorId, denseId, used };
}
