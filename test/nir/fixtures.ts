// Writes NIR fixtures with h5wasm directly, mimicking what the Python `nir` package writes with
// h5py (0.2.x: nir/write.py; 1.x: nir/serialization.py), independently of snnc's own writer.
import h5wasm from 'h5wasm/node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xorshift32 } from '../../core/prng.js';

export type P = { f32?: ArrayLike<number>; f64?: ArrayLike<number>; i64?: ArrayLike<number>; shape?: number[] } | string;
export interface FNode {
  type: string;
  params?: Record<string, P>;
  nodes?: Record<string, FNode>;
  edges?: [string, string][];
  metadata?: Record<string, string | number>;
}

export const f32 = (xs: ArrayLike<number>, shape?: number[]): P => ({ f32: xs, shape });
export const f64 = (xs: ArrayLike<number>, shape?: number[]): P => ({ f64: xs, shape });
export const i64 = (xs: ArrayLike<number>, shape?: number[]): P => ({ i64: xs, shape });
export const full = (n: number, x: number): P => ({ f32: new Array(n).fill(x) });

export function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'snnc-nir-'));
}

export interface WriteFixture {
  version?: string | null;
  gzip?: boolean;
  /** 1.x layout extras: input_type/output_type groups and metadata groups, as h5py writes them. */
  layout?: '0.2' | '1.0';
}

export async function writeFixture(path: string, graph: FNode, o: WriteFixture = {}): Promise<string> {
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'w');
  const version = o.version === undefined ? (o.layout === '0.2' ? '0.2.0' : '1.0.6') : o.version;
  if (version !== null) f.create_dataset({ name: 'version', data: version });
  const write = (g: InstanceType<typeof h5wasm.Group>, n: FNode) => {
    g.create_dataset({ name: 'type', data: n.type });
    for (const [k, v] of Object.entries(n.params ?? {})) {
      if (typeof v === 'string') {
        g.create_dataset({ name: k, data: v });
        continue;
      }
      const data = v.f32 ? Float32Array.from(v.f32) : v.f64 ? Float64Array.from(v.f64) : BigInt64Array.from(Array.from(v.i64!, (x) => BigInt(x)));
      const shape = v.shape ?? [data.length];
      const chunk = o.gzip && shape.length > 0 && data.length > 0;
      g.create_dataset({ name: k, data, shape, ...(chunk ? { chunks: shape, compression: 'gzip' as const } : {}) });
    }
    if (o.layout !== '0.2' && n.type !== 'NIRGraph' && n.params && !('input_type' in n.params)) {
      // NIR 1.x's asdict() also stores the derived input/output types as groups
      g.create_group('input_type').create_dataset({ name: 'input', data: BigInt64Array.of(1n), shape: [1] });
      g.create_group('output_type').create_dataset({ name: 'output', data: BigInt64Array.of(1n), shape: [1] });
    }
    if (n.metadata || o.layout !== '0.2') {
      const m = g.create_group('metadata');
      for (const [k, v] of Object.entries(n.metadata ?? {})) m.create_dataset({ name: k, data: typeof v === 'number' ? Float64Array.of(v) : v, shape: [] });
    }
    if (n.type === 'NIRGraph') {
      const ng = g.create_group('nodes');
      for (const [k, c] of Object.entries(n.nodes ?? {})) write(ng.create_group(k), c);
      const e = n.edges ?? [];
      g.create_dataset({ name: 'edges', data: e.flat(), shape: [e.length, 2], dtype: 'S32' } as never);
    }
  };
  write(f.create_group('node'), graph);
  f.close();
  return path;
}

/** Deterministic pseudo-random numbers in [-1, 1). */
export function rand(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = xorshift32(s);
    return (s / 4294967296) * 2 - 1;
  };
}

export function randArray(n: number, seed: number, scale = 1): number[] {
  const r = rand(seed);
  return Array.from({ length: n }, () => r() * scale);
}

export function lif(n: number, o: { tau?: number; r?: number; thr?: number; vReset?: boolean } = {}): FNode {
  const tau = o.tau ?? 1e-3;
  return {
    type: 'LIF',
    params: {
      tau: full(n, tau),
      r: full(n, o.r ?? tau / 1e-4),
      v_leak: full(n, 0),
      v_threshold: full(n, o.thr ?? 1),
      ...(o.vReset === false ? {} : { v_reset: full(n, 0) }),
    },
  };
}

/** Input(din) -> Linear(w1) -> LIF(h) -> Linear(w2) -> LIF(c) -> Output(c). */
export function mlpGraph(din: number, h: number, c: number, seed = 1): FNode {
  return {
    type: 'NIRGraph',
    nodes: {
      input: { type: 'Input', params: { shape: i64([din]) } },
      fc1: { type: 'Linear', params: { weight: f32(randArray(h * din, seed), [h, din]) } },
      lif1: lif(h),
      fc2: { type: 'Linear', params: { weight: f32(randArray(c * h, seed + 1), [c, h]) } },
      lif2: lif(c),
      output: { type: 'Output', params: { shape: i64([c]) } },
    },
    edges: [
      ['input', 'fc1'],
      ['fc1', 'lif1'],
      ['lif1', 'fc2'],
      ['fc2', 'lif2'],
      ['lif2', 'output'],
    ],
  };
}

/** NIR LI (tau dv/dt = (v_leak - v) + r I, never fires); r defaults to tau/dt (input scale 1 at dt 1e-4). */
export function li(n: number, o: { tau?: number; r?: number | number[]; vLeak?: number } = {}): FNode {
  const tau = o.tau ?? 1e-3;
  const r = o.r ?? tau / 1e-4;
  return { type: 'LI', params: { tau: full(n, tau), r: Array.isArray(r) ? f32(r) : full(n, r), v_leak: full(n, o.vLeak ?? 0) } };
}

/** Input(din) -> Linear -> LIF(h) -> Linear -> out (an LI / I population) -> Output(c). */
export function integratorGraph(din: number, h: number, c: number, out: FNode, seed = 1): FNode {
  const g = mlpGraph(din, h, c, seed);
  g.nodes!.lif2 = out;
  return g;
}
