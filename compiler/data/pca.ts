// Reduces an embedding table to k dimensions for small devices: the top-k principal
// components of the word vectors (covariance eigenvectors by deflated power iteration,
// deterministic), each standardised to unit variance, so that after the positive shift every
// kept dimension straddles 0.5 and a 1-bit (binary) encoder splits the vocabulary roughly in
// half on each. Row 0 (<pad>) stays zero; row 1 (<unk>) is projected like any word.

import { fail } from '../../core/errors.js';

export interface PcaResult {
  /** [rows, k], row 0 zeros. */
  table: Float32Array;
  /** Share of the total variance each kept component explains. */
  explained: number[];
}

/** Projects `table` ([rows, dim], row 0 = <pad>) onto its top `k` whitened principal components. */
export function pcaReduce(table: Float32Array, dim: number, k: number): PcaResult {
  if (!Number.isInteger(k) || k < 1 || k > dim) fail('SNN_E_USAGE', `embedding dimension ${k} must be 1..${dim}`);
  const rows = table.length / dim;
  if (!Number.isInteger(rows) || rows < 3) fail('SNN_E_EMBEDDINGS', 'embedding table too small for PCA');
  const n = rows - 1;
  const mean = new Float64Array(dim);
  for (let r = 1; r < rows; r++) for (let d = 0; d < dim; d++) mean[d] += table[r * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= n;
  const cov = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (let r = 1; r < rows; r++) {
    for (let d = 0; d < dim; d++) x[d] = table[r * dim + d] - mean[d];
    for (let i = 0; i < dim; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      for (let j = i; j < dim; j++) cov[i * dim + j] += xi * x[j];
    }
  }
  for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) cov[j * dim + i] = cov[i * dim + j] /= n;
  let total = 0;
  for (let i = 0; i < dim; i++) total += cov[i * dim + i];

  const comps: Float64Array[] = [];
  const values: number[] = [];
  const work = Float64Array.from(cov);
  for (let c = 0; c < k; c++) {
    // deterministic start, 500 power iterations (converges far sooner for GloVe)
    let v = new Float64Array(dim);
    for (let d = 0; d < dim; d++) v[d] = 1 + ((d * 7919 + c * 104729) % 13) / 13;
    let lambda = 0;
    for (let it = 0; it < 500; it++) {
      const w = new Float64Array(dim);
      for (let i = 0; i < dim; i++) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += work[i * dim + j] * v[j];
        w[i] = s;
      }
      const norm = Math.hypot(...w);
      if (!(norm > 0)) break;
      for (let i = 0; i < dim; i++) w[i] /= norm;
      const delta = Math.abs(norm - lambda);
      v = w;
      lambda = norm;
      if (delta < 1e-12 * Math.max(1, lambda)) break;
    }
    // sign convention: largest-magnitude coordinate positive (stable across runs)
    let big = 0;
    for (let d = 1; d < dim; d++) if (Math.abs(v[d]) > Math.abs(v[big])) big = d;
    if (v[big] < 0) for (let d = 0; d < dim; d++) v[d] = -v[d];
    comps.push(v);
    values.push(lambda);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) work[i * dim + j] -= lambda * v[i] * v[j];
  }
  const out = new Float32Array(rows * k);
  for (let r = 1; r < rows; r++) {
    for (let d = 0; d < dim; d++) x[d] = table[r * dim + d] - mean[d];
    for (let c = 0; c < k; c++) {
      const v = comps[c];
      let s = 0;
      for (let d = 0; d < dim; d++) s += x[d] * v[d];
      out[r * k + c] = values[c] > 0 ? s / Math.sqrt(values[c]) : 0;
    }
  }
  return { table: out, explained: values.map((l) => (total > 0 ? l / total : 0)) };
}
