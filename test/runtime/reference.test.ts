// The reference simulator against hand-computed cases of docs/semantics.md.
import { describe, expect, it } from 'vitest';
import type { Graph, Node } from '../../compiler/ir/types.js';
import { simulate } from '../../runtime/reference.js';
import { poissonCuts } from '../../core/encoders.js';
import { seedState, xorshift32 } from '../../core/prng.js';
import { packLevels, unpackLevel } from '../../core/levels.js';

/** vector(1) -> encoder -> dense(1 -> k) -> lif -> readout, all integer. */
function chain(opts: { level: number; bits: number; T: number; w: number[]; theta: number; shifts?: number[]; reset?: 'subtract' | 'zero'; scheme?: 'rate' | 'poisson' }): Graph {
  const k = opts.w.length;
  const nodes: Node[] = [
    { kind: 'vector', id: 'in', dim: 1 },
    { kind: 'encoder', id: 'enc', from: 'in', scheme: opts.scheme ?? 'rate', bits: opts.bits, seed: 1 },
    { kind: 'dense', id: 'fc', from: 'enc', to: 'out', inFeatures: 1, outFeatures: k, weight: { dtype: 'int', shape: [1, k], data: Int32Array.from(opts.w), fmt: { bits: 8, frac: 0 }, scale: 1 } },
    { kind: 'lif', id: 'out', channels: k, perPosition: false, reset: opts.reset ?? 'subtract', beta: 1, threshold: opts.theta, leakShifts: opts.shifts ?? [], stateBits: 32, integer: true },
    { kind: 'readout', id: 'r', from: 'out', classes: k, population: 1 },
  ];
  return { timesteps: opts.T, nodes, stage: 'integer', passes: [] };
}

describe('reference simulator', () => {
  it('rate encoder: accumulator starts half full, spike count = floor((half + T*L) / top)', () => {
    for (const [bits, level, T] of [[4, 1, 16], [4, 7, 10], [4, 15, 5], [2, 1, 9], [1, 1, 4], [3, 0, 8]]) {
      const top = (1 << bits) - 1;
      const g = chain({ level, bits, T, w: [1, 0], theta: 1000 });
      const r = simulate(g, { vector: [level / top] });
      expect(r.ops.inputSpikes).toBe(Math.floor(((top >> 1) + T * level) / top));
    }
  });

  it('integrate-and-fire with subtractive reset counts floor(total input / theta) spikes', () => {
    // level 15 of 15: one input spike per step; weight 3 into theta 7 over 14 steps: 42 / 7 = 6
    const r = simulate(chain({ level: 15, bits: 4, T: 14, w: [3, 2], theta: 7 }), { vector: [1] });
    expect(r.scores).toEqual([6, 4]);
    expect(r.ops.sops).toBe(28); // 14 input spikes x a 2-wide dense row
    expect(r.ops.updates).toBe(28);
    expect(r.ops.spikes).toBe(10);
    expect(r.ops.bytesRead).toBe(28 * 1); // int8 weights read as dense rows before sparsify
  });

  it('reset to zero drops the remainder', () => {
    // weight 5, theta 7: v = 5, 10 -> fire -> 0, 5, 10 -> fire ... 2 spikes per 2 steps... over 6 steps: 3
    const r = simulate(chain({ level: 15, bits: 4, T: 6, w: [5, 0], theta: 7, reset: 'zero' }), { vector: [1] });
    expect(r.scores[0]).toBe(3);
    const s = simulate(chain({ level: 15, bits: 4, T: 6, w: [5, 0], theta: 7 }), { vector: [1] });
    expect(s.scores[0]).toBe(4); // 30 / 7 with subtraction
  });

  it('leak is v -= sum(v >> k) before integration, flooring toward -infinity', () => {
    // shifts [1]: beta 1/2. weight 8, theta 100, 3 steps: v = 8, 4+8 = 12, 6+8 = 14 -> no spike
    // then check state through a threshold at 14 exactly: spike at step 3
    const g = chain({ level: 15, bits: 4, T: 3, w: [8, -3], theta: 14, shifts: [1] });
    const r = simulate(g, { vector: [1] });
    expect(r.scores[0]).toBe(1);
    // negative: -3, -2 + -3 = -5 (-3 >> 1 = -2), -5 - (-3) - 3 = -5: never reaches 14
    expect(r.scores[1]).toBe(0);
  });

  it('ties go to the lowest class index', () => {
    const r = simulate(chain({ level: 15, bits: 4, T: 4, w: [2, 2, 2], theta: 2 }), { vector: [1] });
    expect(r.scores).toEqual([4, 4, 4]);
    expect(r.label).toBe(0);
  });

  it('poisson encoder follows xorshift32 from seedState and the cut table', () => {
    expect(xorshift32(1)).toBe(270369);
    const cuts = poissonCuts(4);
    expect(cuts[0]).toBe(0);
    expect(cuts[15]).toBe(65536);
    const T = 50;
    const level = 5;
    let s = seedState(1);
    let expected = 0;
    for (let t = 0; t < T; t++) {
      s = xorshift32(s);
      if (s >>> 16 < cuts[level]) expected++;
    }
    const r = simulate(chain({ level, bits: 4, T, w: [1, 0], theta: 1000, scheme: 'poisson' }), { vector: [level / 15] });
    expect(r.ops.inputSpikes).toBe(expected);
  });

  it('pooled dense: the target threshold is multiplied by the number of positions', () => {
    const vocab = 4;
    const dim = 1;
    const table = new Float32Array([0, 0, 1, 1]);
    const nodes: Node[] = [
      { kind: 'tokens', id: 't', maxLen: 8 },
      { kind: 'embedding', id: 'e', from: 't', vocab, dim, levels: { bits: 1, data: packLevels(table, vocab, dim, 1) } },
      { kind: 'encoder', id: 'enc', from: 'e', scheme: 'binary', bits: 1, seed: 0 },
      { kind: 'dense', id: 'fc', from: 'enc', to: 'o', inFeatures: 1, outFeatures: 2, pool: 'mean-positions', weight: { dtype: 'int', shape: [1, 2], data: Int32Array.from([4, 2]), fmt: { bits: 8, frac: 0 }, scale: 1 } },
      { kind: 'lif', id: 'o', channels: 2, perPosition: false, reset: 'subtract', beta: 1, threshold: 4, leakShifts: [], stateBits: 32, integer: true },
      { kind: 'readout', id: 'r', from: 'o', classes: 2, population: 1 },
    ];
    const g: Graph = { timesteps: 10, nodes, stage: 'integer', passes: [] };
    // tokens [2, 1, 3]: embedding rows 1, 0, 1 -> 2 spiking positions per step; theta_eff = 4 * 3 = 12
    // class 0 gets 8 per step: 80 / 12 = 6 spikes; class 1 gets 4 per step: 40 / 12 = 3
    const r = simulate(g, { tokens: [2, 1, 3] });
    expect(r.scores).toEqual([6, 3]);
    expect(r.ops.bytesRead).toBe(3 * 1 + 20 * 2 * 1); // 3 embedding rows of 1 byte; 20 rows of 2 int8
  });

  it('conv1d same padding: position p feeds outputs p + left - j inside the sentence', () => {
    const vocab = 3;
    const table = new Float32Array([0, 1, 1]);
    const w = 3;
    const nodes: Node[] = [
      { kind: 'tokens', id: 't', maxLen: 8 },
      { kind: 'embedding', id: 'e', from: 't', vocab, dim: 1, levels: { bits: 1, data: packLevels(table, vocab, 1, 1) } },
      { kind: 'encoder', id: 'enc', from: 'e', scheme: 'binary', bits: 1, seed: 0 },
      { kind: 'conv1d', id: 'c', from: 'enc', to: 'l', width: w, inChannels: 1, outChannels: 1, weight: { dtype: 'int', shape: [w, 1, 1], data: Int32Array.from([1, 1, 1]), fmt: { bits: 8, frac: 0 }, scale: 1 } },
      { kind: 'lif', id: 'l', channels: 1, perPosition: true, reset: 'subtract', beta: 1, threshold: 1000, leakShifts: [], stateBits: 32, integer: true },
      { kind: 'dense', id: 'fc', from: 'l', to: 'o', inFeatures: 1, outFeatures: 2, pool: 'mean-positions', weight: { dtype: 'int', shape: [1, 2], data: Int32Array.from([1, 1]), fmt: { bits: 8, frac: 0 }, scale: 1 } },
      { kind: 'lif', id: 'o', channels: 2, perPosition: false, reset: 'subtract', beta: 1, threshold: 1, leakShifts: [], stateBits: 32, integer: true },
      { kind: 'readout', id: 'r', from: 'o', classes: 2, population: 1 },
    ];
    // 4 tokens, all spiking every step; width 3, left 1: taps landing inside = 4*3 - 2 edges = 10 per step
    const r = simulate({ timesteps: 2, nodes, stage: 'integer', passes: [] }, { tokens: [1, 2, 1, 2] });
    expect(r.ops.sops).toBe(2 * 10);
    expect(r.layerUpdates).toEqual([2 * 4, 2 * 2]);
  });

  it('bit-packed levels unpack LSB-first, rows padded to whole bytes', () => {
    const table = new Float32Array([0, 1 / 7, 2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7, 1, 0.5]);
    const data = packLevels(table, 3, 3, 3);
    expect(data.length).toBe(3 * 2);
    const got: number[] = [];
    for (let r = 0; r < 3; r++) for (let d = 0; d < 3; d++) got.push(unpackLevel(data, r * 16, d, 3));
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 4]);
  });

  it('refuses empty input and out-of-vocabulary ids with SNN_E_INPUT', () => {
    const table = new Float32Array([0, 1]);
    const nodes: Node[] = [
      { kind: 'tokens', id: 't', maxLen: 4 },
      { kind: 'embedding', id: 'e', from: 't', vocab: 2, dim: 1, levels: { bits: 1, data: packLevels(table, 2, 1, 1) } },
      { kind: 'encoder', id: 'enc', from: 'e', scheme: 'binary', bits: 1, seed: 0 },
      { kind: 'dense', id: 'fc', from: 'enc', to: 'o', inFeatures: 1, outFeatures: 2, pool: 'mean-positions', weight: { dtype: 'int', shape: [1, 2], data: Int32Array.from([1, 1]), fmt: { bits: 8, frac: 0 }, scale: 1 } },
      { kind: 'lif', id: 'o', channels: 2, perPosition: false, reset: 'subtract', beta: 1, threshold: 1, leakShifts: [], stateBits: 32, integer: true },
      { kind: 'readout', id: 'r', from: 'o', classes: 2, population: 1 },
    ];
    const g: Graph = { timesteps: 2, nodes, stage: 'integer', passes: [] };
    expect(() => simulate(g, { tokens: [] })).toThrow(/SNN_E_INPUT/);
    expect(() => simulate(g, { tokens: [5] })).toThrow(/SNN_E_INPUT/);
  });
});
