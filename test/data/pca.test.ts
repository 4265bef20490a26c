// Whitened PCA of embedding tables (the 16-dim embeddings of the Uno configuration).
import { describe, expect, it } from 'vitest';
import { pcaReduce } from '../../compiler/data/pca.js';
import { rng } from '../helpers/tiny-model.js';

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

describe('pcaReduce', () => {
  it('finds planted axes in order of variance and whitens them', () => {
    // rows = a*e1*5 + b*(e2+e3)/sqrt2*2 + small noise, in 6 dims
    const r = rng(4);
    const dim = 6;
    const rows = 4001;
    const t = new Float32Array(rows * dim);
    const a: number[] = [0];
    for (let i = 1; i < rows; i++) {
      const x = gaussian(r);
      const y = gaussian(r);
      a.push(x);
      t[i * dim + 0] = 5 * x + 3;
      t[i * dim + 1] = (2 * y) / Math.SQRT2;
      t[i * dim + 2] = (2 * y) / Math.SQRT2;
      for (let d = 3; d < dim; d++) t[i * dim + d] = 0.1 * gaussian(r);
    }
    const { table, explained } = pcaReduce(t, dim, 2);
    expect(explained[0]).toBeGreaterThan(explained[1]);
    expect(explained[0] + explained[1]).toBeGreaterThan(0.99);
    expect(explained[0]).toBeCloseTo(25 / 29, 1);
    // component 0 is the planted x (up to the sign convention), unit variance, and <pad> stays zero
    let sxy = 0;
    let sxx = 0;
    let s1 = 0;
    for (let i = 1; i < rows; i++) {
      sxy += table[i * 2] * a[i];
      sxx += table[i * 2] ** 2;
      s1 += table[i * 2 + 1] ** 2;
    }
    expect(Math.abs(sxy / Math.sqrt(sxx * (rows - 1)))).toBeGreaterThan(0.99);
    expect(sxx / (rows - 1)).toBeCloseTo(1, 2);
    expect(s1 / (rows - 1)).toBeCloseTo(1, 2);
    expect([table[0], table[1]]).toEqual([0, 0]);
  });

  it('gives uncorrelated output columns and is deterministic', () => {
    const r = rng(8);
    const dim = 10;
    const rows = 2000;
    const t = new Float32Array(rows * dim);
    for (let i = dim; i < t.length; i++) t[i] = gaussian(r) * (1 + (i % dim));
    const x = pcaReduce(t, dim, 4);
    const y = pcaReduce(t, dim, 4);
    expect(y.table).toEqual(x.table);
    for (let c = 0; c < 4; c++) {
      for (let e = c + 1; e < 4; e++) {
        let s = 0;
        for (let i = 1; i < rows; i++) s += x.table[i * 4 + c] * x.table[i * 4 + e];
        expect(Math.abs(s / (rows - 1))).toBeLessThan(0.02);
      }
    }
  });

  it('refuses a dimension outside 1..dim with SNN_E_USAGE', () => {
    expect(() => pcaReduce(new Float32Array(40), 4, 5)).toThrow(/SNN_E_USAGE|must be 1..4/);
  });
});
