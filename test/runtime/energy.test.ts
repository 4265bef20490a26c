// The energy model against hand-computed values (docs/energy.md).
import { describe, expect, it } from 'vitest';
import { annCost, artifactEnergy, estimateEnergy, horowitzMemoryPerByte, PROFILES } from '../../runtime/energy.js';
import type { ArtifactInfo } from '../../runtime/wasm/artifact-format.js';

describe('energy model', () => {
  it('counts ANN MACs of a same-padded conv only inside the sentence', () => {
    // width 3 (left 1), n = 4: taps per output position 2, 3, 3, 2 = 10
    const c = annCost([{ kind: 'conv1d', id: 'c', width: 3, inChannels: 2, outChannels: 5 }], 4, 2);
    expect(c.macs).toBe(10 * 2 * 5);
    expect(c.weightBytes).toBe(4 * 3 * 2 * 5);
    expect(c.embeddingBytes).toBe(4 * 4 * 2);
    expect(c.requants).toBe(4 * 5); // the int8 twin requantizes every conv output
    const d = annCost([{ kind: 'dense', id: 'd', inFeatures: 5, outFeatures: 3, pool: 'mean-positions', perPosition: true }], 4);
    // the pooled sum is additions (4 positions x 5), the classifier is one 5x3 product
    expect(d.macs).toBe(15);
    expect(d.adds).toBe(20);
    expect(d.requants).toBe(5); // one rounded mean per pooled feature
  });

  it('prices synaptic ops at the membrane width and MACs at fp32 mult + add', () => {
    const ops = { sops: 1000, updates: 100, spikes: 10, inputSpikes: 5, bytesRead: 2000 };
    const ann = { macs: 100, adds: 10, requants: 7, weightBytes: 400, embeddingBytes: 0 };
    const e = estimateEnergy({ ops, stateBits: 16, ann, snnReads: [{ bytesRead: 2000, tableBytes: 4000 }], annReads: [{ bytesRead: 400, tableBytes: 400 }] }, 'horowitz45-int');
    expect(e.snnArithPj).toBeCloseTo(1000 * 0.05 + 100 * 0.05, 10);
    expect(e.annArithPj).toBeCloseTo(100 * 4.6 + 10 * 0.9, 10); // the fp32 ANN requantizes nothing
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
    expect(Object.keys(PROFILES)).toEqual(['horowitz45-int', 'horowitz45-int8', 'horowitz45-fp32', 'loihi', 'truenorth']);
    const ops = { sops: 1, updates: 0, spikes: 0, inputSpikes: 0, bytesRead: 0 };
    expect(() => estimateEnergy({ ops, stateBits: 16, ann: { macs: 1, adds: 0, requants: 0, weightBytes: 0, embeddingBytes: 0 }, snnReads: [], annReads: [] }, 'abacus')).toThrow(/SNN_E_USAGE/);
  });

  it('horowitz45-int8: the int8 twin (8-bit multiply + 32-bit add per MAC, 32-bit multiply per requantization) reading int8 weights and packed levels', () => {
    const ops = { sops: 1000, updates: 100, spikes: 10, inputSpikes: 5, bytesRead: 2000 };
    const ann = { macs: 100, adds: 10, requants: 7, weightBytes: 400, embeddingBytes: 0 };
    const e = estimateEnergy({ ops, stateBits: 16, ann, snnReads: [], annReads: [] }, 'horowitz45-int8');
    expect(e.ann).toBe('int8');
    expect(e.snnArithPj).toBeCloseTo(1000 * 0.05 + 100 * 0.05, 10); // the SNN side is horowitz45-int's
    expect(e.annArithPj).toBeCloseTo(100 * (0.2 + 0.1) + 10 * 0.1 + 7 * 3.1, 10);
    // one conv (width 3, 4 -> 8 channels) into a pooled dense (8 -> 2); 4-bit levels of 4 values: 2 B per row
    const info = {
      encoders: [{ perPosition: true, dim: 4, bits: 4 }],
      synapses: [
        { kind: 'conv1d', id: 'c', width: 3, inFeatures: 4, outFeatures: 8, tableBytes: 96 },
        { kind: 'dense', id: 'd', inFeatures: 8, outFeatures: 2, pool: 'mean-positions', perPosition: true, tableBytes: 16 },
      ],
      populations: [{ stateBits: 16 }],
      energy: { integerBytes: 96 + 16 + 2 * 50, float32Bytes: 4 * (96 + 16) + 4 * 4 * 50 },
    } as unknown as ArtifactInfo;
    const snnOps = { sops: 500, updates: 0, spikes: 0, inputSpikes: 0, bytesRead: 400 + 3 * 2 };
    const i8 = artifactEnergy(info, snnOps, 3, 'horowitz45-int8');
    const f32 = artifactEnergy(info, snnOps, 3, 'horowitz45-int');
    expect(i8.snnMemoryPj).toBeCloseTo(f32.snnMemoryPj, 10);
    // int8 weights once (112 B) and the 3 packed rows (6 B), both tables within 8 KB
    expect(i8.annMemoryPj).toBeCloseTo((112 + 6) * 1.25, 10);
    expect(f32.annMemoryPj).toBeCloseTo((4 * 112 + 3 * 16) * 1.25, 10);
    const c = annCost([{ kind: 'conv1d', id: 'c', width: 3, inChannels: 4, outChannels: 8 }, { kind: 'dense', id: 'd', inFeatures: 8, outFeatures: 2, pool: 'mean-positions', perPosition: true }], 3);
    expect(i8.annArithPj).toBeCloseTo(c.macs * 0.3 + c.adds * 0.1 + c.requants * 3.1, 10);
    expect(i8.annArithPj).toBeLessThan(f32.annArithPj);
  });
});
