// The energy model against hand-computed values (docs/energy.md).
import { describe, expect, it } from 'vitest';
import { annCost, estimateEnergy, horowitzMemoryPerByte, PROFILES } from '../../runtime/energy.js';

describe('energy model', () => {
  it('counts ANN MACs of a same-padded conv only inside the sentence', () => {
    // width 3 (left 1), n = 4: taps per output position 2, 3, 3, 2 = 10
    const c = annCost([{ kind: 'conv1d', id: 'c', width: 3, inChannels: 2, outChannels: 5 }], 4, 2);
    expect(c.macs).toBe(10 * 2 * 5);
    expect(c.weightBytes).toBe(4 * 3 * 2 * 5);
    expect(c.embeddingBytes).toBe(4 * 4 * 2);
    const d = annCost([{ kind: 'dense', id: 'd', inFeatures: 5, outFeatures: 3, pool: 'mean-positions', perPosition: true }], 4);
    // the pooled sum is additions (4 positions x 5), the classifier is one 5x3 product
    expect(d.macs).toBe(15);
    expect(d.adds).toBe(20);
  });

  it('prices synaptic ops at the membrane width and MACs at fp32 mult + add', () => {
    const ops = { sops: 1000, updates: 100, spikes: 10, inputSpikes: 5, bytesRead: 2000 };
    const ann = { macs: 100, adds: 10, weightBytes: 400, embeddingBytes: 0 };
    const e = estimateEnergy({ ops, stateBits: 16, ann, snnReads: [{ bytesRead: 2000, tableBytes: 4000 }], annReads: [{ bytesRead: 400, tableBytes: 400 }] }, 'horowitz45-int');
    expect(e.snnArithPj).toBeCloseTo(1000 * 0.05 + 100 * 0.05, 10);
    expect(e.annArithPj).toBeCloseTo(100 * 4.6 + 10 * 0.9, 10);
    expect(e.ratio).toBeCloseTo(e.snnArithPj / e.annArithPj, 12);
    expect(e.snnMemoryPj).toBeCloseTo(2000 * 1.25, 10);
    expect(e.ratioWithMemory).toBeCloseTo((e.snnArithPj + 2500) / (e.annArithPj + 400 * 1.25), 10);
    const p = estimateEnergy({ ops, stateBits: 32, ann, snnReads: [], annReads: [] }, 'horowitz45-fp32');
    expect(p.snnArithPj).toBeCloseTo(1000 * 0.9, 10); // the papers' convention: no neuron updates
    const l = estimateEnergy({ ops, stateBits: 32, ann, snnReads: [], annReads: [] }, 'loihi');
    expect(l.snnArithPj).toBeCloseTo(23600, 10);
  });

  it('picks the memory tier by table size and refuses unknown profiles', () => {
    expect(horowitzMemoryPerByte(8 * 1024)).toBe(1.25);
    expect(horowitzMemoryPerByte(8 * 1024 + 1)).toBe(2.5);
    expect(horowitzMemoryPerByte(1 << 20)).toBe(12.5);
    expect(horowitzMemoryPerByte((1 << 20) + 1)).toBe(162.5);
    expect(Object.keys(PROFILES)).toEqual(['horowitz45-int', 'horowitz45-fp32', 'loihi', 'truenorth']);
    const ops = { sops: 1, updates: 0, spikes: 0, inputSpikes: 0, bytesRead: 0 };
    expect(() => estimateEnergy({ ops, stateBits: 16, ann: { macs: 1, adds: 0, weightBytes: 0, embeddingBytes: 0 }, snnReads: [], annReads: [] }, 'abacus')).toThrow(/SNN_E_USAGE/);
  });
});
