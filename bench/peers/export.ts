// Exports the weights of a converted spiking TextCNN (.snn, float stage) for the PyTorch peer
// (bench/peers/torch_peer.py): the embedding table as the model holds it (already rounded to
// the encoder's levels), per branch the conv weight and the pooled dense weight, as .npy
// files, and meta.json with the shapes, thresholds and dynamics. The tailored ANN is the same
// weights read as annForward reads them (classifier rows of branch b = dense_b / theta_b).
//
//   npx vite-node bench/peers/export.ts model.snn out-dir
//
import { mkdirSync, writeFileSync } from 'node:fs';
import { dump } from 'npyjs';
import { join } from 'node:path';
import type { Model } from '../../compiler/ir/types.js';
import { viewTextCnn } from '../../compiler/train/convert.js';

/** A float32 array as a .npy file (C order, little-endian), written by npyjs. */
export function npyBytes(data: Float32Array, shape: number[]): Uint8Array {
  if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`npy: shape [${shape}] does not hold ${data.length} values`);
  return new Uint8Array(dump(data, shape, { dtype: 'f4' }));
}

export interface PeerMeta {
  name: string;
  vocab: number;
  dim: number;
  maxLen: number;
  timesteps: number;
  encoder: { scheme: string; bits: number };
  classes: number;
  population: number;
  branches: { width: number; maps: number; threshold: number; beta: number; reset: string; conv: string; dense: string }[];
  output: { threshold: number; beta: number; reset: string };
  table: string;
}

/** Writes table.npy, conv<k>.npy ([k, dim, maps]), dense<k>.npy ([maps, K]) and meta.json to dir. */
export function exportTextCnn(model: Model, dir: string): PeerMeta {
  const v = viewTextCnn(model.graph);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'table.npy'), npyBytes(v.table.data as Float32Array, [v.vocab, v.dim]));
  const branches = v.branches.map((b) => {
    const conv = `conv${b.conv.width}.npy`;
    const dense = `dense${b.conv.width}.npy`;
    writeFileSync(join(dir, conv), npyBytes(b.conv.weight.data as Float32Array, [b.conv.width, v.dim, b.conv.outChannels]));
    writeFileSync(join(dir, dense), npyBytes(b.dense.weight.data as Float32Array, [b.dense.inFeatures, b.dense.outFeatures]));
    return { width: b.conv.width, maps: b.conv.outChannels, threshold: b.lif.threshold, beta: b.lif.beta, reset: b.lif.reset, conv, dense };
  });
  const meta: PeerMeta = {
    name: model.meta.name,
    vocab: v.vocab,
    dim: v.dim,
    maxLen: v.maxLen,
    timesteps: v.timesteps,
    encoder: { scheme: v.encoder.scheme, bits: v.encoder.bits },
    classes: v.classes,
    population: v.population,
    branches,
    output: { threshold: v.output.threshold, beta: v.output.beta, reset: v.output.reset },
    table: 'table.npy',
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

const isMain = process.argv[1] && /peers[\\/]export\.(ts|js)$/.test(process.argv[1]);
if (isMain) {
  const [file, dir] = process.argv.slice(2);
  if (!file || !dir) {
    process.stderr.write('usage: export.ts model.snn out-dir\n');
    process.exitCode = 2;
  } else {
    const { readModelFile } = await import('../../compiler/frontend/model-format.js');
    const meta = exportTextCnn(readModelFile(file), dir);
    process.stderr.write(`wrote ${meta.branches.length} branches, table ${meta.vocab} x ${meta.dim}, to ${dir}\n`);
  }
}
