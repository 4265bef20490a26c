// Exports the weights of a converted spiking TextCNN (.snn, float stage) for the PyTorch peer
// (bench/peers/torch_peer.py): the embedding table as the model holds it (already rounded to
// the encoder's levels), per branch the conv weight and the pooled dense weight, as .npy
// files, and meta.json with the shapes, thresholds and dynamics. The tailored ANN is the same
// weights read as annForward reads them (classifier rows of branch b = dense_b / theta_b).
//
//   npx vite-node bench/peers/export.ts model.snn out-dir
//
// The .npy writer is hand-written: the npm packages for the format (npyjs, numpy-parser) only
// parse, and version 1.0 of the format is a fixed header plus the raw little-endian data.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../../compiler/ir/types.js';
import { viewTextCnn } from '../../compiler/train/convert.js';

/** A float32 array as a version-1.0 .npy file (C order, little-endian). */
export function npyBytes(data: Float32Array, shape: number[]): Uint8Array {
  if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`npy: shape [${shape}] does not hold ${data.length} values`);
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
  const unpadded = 10 + dict.length + 1;
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY 1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('npy: a big-endian host is not supported');
  out.set(body, 10 + header.length);
  return out;
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
