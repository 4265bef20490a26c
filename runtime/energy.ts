// Energy model (docs/energy.md): op counts from a runtime times per-op energies of a profile,
// against the equivalent ANN's MAC count on the same sentence. Pure arithmetic and tables;
// browser-safe, so the wasm host and the serial host share it.

import type { OpCounts } from './reference.js';
import type { ArtifactInfo } from './wasm/artifact-format.js';
import { fail } from '../core/errors.js';

/** Shape of one synapse layer, enough to count the equivalent ANN's MACs for n positions. */
export type SynapseShape =
  | { kind: 'conv1d'; id: string; width: number; inChannels: number; outChannels: number }
  | { kind: 'dense'; id: string; inFeatures: number; outFeatures: number; pool?: 'mean-positions' | 'max-positions'; perPosition: boolean; recurrent?: boolean };

export interface EnergyProfile {
  name: string;
  description: string;
  source: string;
  /** pJ per synaptic operation of the SNN, by membrane width. */
  synOp: (stateBits: 16 | 32) => number;
  /** pJ per LIF neuron update (leak + compare); 0 where the source does not give one. */
  neuronUpdate: (stateBits: 16 | 32) => number;
  /** Which ANN the SNN is compared with: the fp32 tailored ANN, or its int8 twin (docs/ann.md). */
  ann: 'fp32' | 'int8';
  /** pJ per ANN multiply-accumulate (fp32: multiply + add; int8: 8-bit multiply + 32-bit accumulate). */
  mac: number;
  /** pJ per ANN addition outside MACs (pooling sums). */
  annAdd: number;
  /** pJ per requantization of an int8 ANN output (one 32-bit multiply); 0 for fp32. */
  requant: number;
  /** pJ per byte read from a memory holding `totalBytes` of tables. */
  memoryPerByte: (totalBytes: number) => number;
}

// Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, 45 nm:
// int add 8/16/32 bit 0.03/0.05/0.1 pJ; fp32 add 0.9 pJ; fp32 mult 3.7 pJ; int8 mult 0.2 pJ; int32 mult 3.1 pJ;
// SRAM 64-bit read: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ; DRAM 1.3-2.6 nJ (we use 1.3 nJ).
export const HOROWITZ = {
  add8: 0.03,
  add16: 0.05,
  add32: 0.1,
  fadd32: 0.9,
  fmul32: 3.7,
  mul8: 0.2,
  mul32: 3.1,
} as const;

export function horowitzMemoryPerByte(totalBytes: number): number {
  if (totalBytes <= 8 * 1024) return 10 / 8;
  if (totalBytes <= 32 * 1024) return 20 / 8;
  if (totalBytes <= 1024 * 1024) return 100 / 8;
  return 1300 / 8;
}

const fpMac = HOROWITZ.fmul32 + HOROWITZ.fadd32;

export const PROFILES: Record<string, EnergyProfile> = {
  'horowitz45-int': {
    name: 'horowitz45-int',
    description: 'snnc integer adds at the membrane width vs fp32 MACs (45 nm)',
    source: 'Horowitz, ISSCC 2014',
    synOp: (b) => (b === 16 ? HOROWITZ.add16 : HOROWITZ.add32),
    neuronUpdate: (b) => (b === 16 ? HOROWITZ.add16 : HOROWITZ.add32),
    ann: 'fp32',
    mac: fpMac,
    annAdd: HOROWITZ.fadd32,
    requant: 0,
    memoryPerByte: horowitzMemoryPerByte,
  },
  'horowitz45-int8': {
    name: 'horowitz45-int8',
    description: 'snnc integer adds at the membrane width vs the int8 twin ANN: 8-bit multiply + 32-bit accumulate per MAC, int8 weights and the packed input levels read (45 nm)',
    source: 'Horowitz, ISSCC 2014 (int8 mult 0.2 pJ, int32 add 0.1 pJ, int32 mult 3.1 pJ)',
    synOp: (b) => (b === 16 ? HOROWITZ.add16 : HOROWITZ.add32),
    neuronUpdate: (b) => (b === 16 ? HOROWITZ.add16 : HOROWITZ.add32),
    ann: 'int8',
    mac: HOROWITZ.mul8 + HOROWITZ.add32,
    annAdd: HOROWITZ.add32,
    requant: HOROWITZ.mul32,
    memoryPerByte: horowitzMemoryPerByte,
  },
  'horowitz45-fp32': {
    name: 'horowitz45-fp32',
    description: 'the spiking-TextCNN papers\' convention: one fp32 add (0.9 pJ) per synaptic op vs 4.6 pJ per MAC',
    source: 'Horowitz, ISSCC 2014; as used by Lv et al., ICLR 2023',
    synOp: () => HOROWITZ.fadd32,
    neuronUpdate: () => 0,
    ann: 'fp32',
    mac: fpMac,
    annAdd: HOROWITZ.fadd32,
    requant: 0,
    memoryPerByte: horowitzMemoryPerByte,
  },
  loihi: {
    name: 'loihi',
    description: 'Intel Loihi synaptic op energy vs fp32 MACs at 45 nm',
    source: 'Davies et al., IEEE Micro 2018 (23.6 pJ per synaptic op)',
    synOp: () => 23.6,
    neuronUpdate: () => 0,
    ann: 'fp32',
    mac: fpMac,
    annAdd: HOROWITZ.fadd32,
    requant: 0,
    memoryPerByte: () => 0,
  },
  truenorth: {
    name: 'truenorth',
    description: 'IBM TrueNorth synaptic event energy vs fp32 MACs at 45 nm',
    source: 'Merolla et al., Science 2014 (26 pJ per synaptic event)',
    synOp: () => 26,
    neuronUpdate: () => 0,
    ann: 'fp32',
    mac: fpMac,
    annAdd: HOROWITZ.fadd32,
    requant: 0,
    memoryPerByte: () => 0,
  },
};

export const DEFAULT_PROFILE = 'horowitz45-int';

/** The equivalent ANN's work for one input of n positions. */
export interface AnnCost {
  macs: number;
  adds: number;
  /** Outputs the int8 twin requantizes (docs/ann.md): every conv output (n per channel) and every pooled mean. */
  requants: number;
  /** fp32 weight bytes, each read once per inference (perfect reuse: the ANN's best case). */
  weightBytes: number;
  /** fp32 bytes of the n embedding rows read. */
  embeddingBytes: number;
}

/**
 * MACs of the equivalent ANN (same weights, ReLU instead of LIF, one pass instead of T
 * steps). A 'same' conv counts only taps that land inside the sentence, as the SNN does.
 */
export function annCost(layers: SynapseShape[], n: number, embeddingDim = 0): AnnCost {
  let macs = 0;
  let adds = 0;
  let requants = 0;
  let weights = 0;
  for (const l of layers) {
    if (l.kind === 'conv1d') {
      const left = (l.width - 1) >> 1;
      let taps = 0;
      for (let q = 0; q < n; q++) for (let j = 0; j < l.width; j++) {
        const p = q - left + j;
        if (p >= 0 && p < n) taps++;
      }
      macs += taps * l.inChannels * l.outChannels;
      requants += n * l.outChannels;
      weights += l.width * l.inChannels * l.outChannels;
    } else {
      // position-wise layers run at every position; a mean-pooled one is one product after the pooling sum
      // (an RNN's input and recurrent products run at every position too; max pooling is
      // n comparisons per channel, counted as adds)
      const positions = l.perPosition && l.pool === undefined ? n : 1;
      macs += positions * l.inFeatures * l.outFeatures;
      if (l.pool !== undefined) adds += n * l.inFeatures;
      if (l.pool === 'mean-positions') requants += l.inFeatures;
      weights += l.inFeatures * l.outFeatures;
    }
  }
  return { macs, adds, requants, weightBytes: 4 * weights, embeddingBytes: 4 * n * embeddingDim };
}

export interface EnergyReport {
  profile: string;
  source: string;
  /** The ANN compared with (the profile's). */
  ann: 'fp32' | 'int8';
  /** SNN arithmetic: synaptic ops (+ neuron updates where the profile prices them), pJ. */
  snnArithPj: number;
  snnMemoryPj: number;
  annArithPj: number;
  annMemoryPj: number;
  /** E_snn / E_ann counting arithmetic only, as the papers do. */
  ratio: number;
  /** The same with memory reads added on both sides. */
  ratioWithMemory: number;
}

/** Bytes read from one table; the table's own size picks its memory tier. */
export interface MemoryRead {
  bytesRead: number;
  tableBytes: number;
}

export interface EnergyInputs {
  ops: OpCounts;
  stateBits: 16 | 32;
  ann: AnnCost;
  /** The SNN's reads, per table (synapse tables, embedding levels); they add up to ops.bytesRead. */
  snnReads: MemoryRead[];
  /** The ANN's reads, per table (fp32 weights, fp32 embeddings). */
  annReads: MemoryRead[];
}

export function estimateEnergy(x: EnergyInputs, profileName = DEFAULT_PROFILE): EnergyReport {
  const p = PROFILES[profileName];
  if (!p) fail('SNN_E_USAGE', `unknown energy profile "${profileName}"`, `known: ${Object.keys(PROFILES).join(', ')}`);
  const snnArithPj = x.ops.sops * p.synOp(x.stateBits) + x.ops.updates * p.neuronUpdate(x.stateBits);
  const mem = (reads: MemoryRead[]) => reads.reduce((a, r) => a + r.bytesRead * p.memoryPerByte(r.tableBytes), 0);
  const snnMemoryPj = mem(x.snnReads);
  const annArithPj = x.ann.macs * p.mac + x.ann.adds * p.annAdd + x.ann.requants * p.requant;
  const annMemoryPj = mem(x.annReads);
  return {
    profile: p.name,
    source: p.source,
    ann: p.ann,
    snnArithPj,
    snnMemoryPj,
    annArithPj,
    annMemoryPj,
    ratio: annArithPj > 0 ? snnArithPj / annArithPj : NaN,
    ratioWithMemory: annArithPj + annMemoryPj > 0 ? (snnArithPj + snnMemoryPj) / (annArithPj + annMemoryPj) : NaN,
  };
}

/** Layer shapes from a compiled artifact's metadata (runtime/wasm/artifact-format.ts). */
export function shapesFromArtifact(info: ArtifactInfo): SynapseShape[] {
  return info.synapses.map((s) =>
    s.kind === 'conv1d'
      ? { kind: 'conv1d', id: s.id, width: s.width ?? 1, inChannels: s.inFeatures, outChannels: s.outFeatures }
      : { kind: 'dense', id: s.id, inFeatures: s.inFeatures, outFeatures: s.outFeatures, pool: s.pool, perPosition: s.perPosition, recurrent: s.recurrent },
  );
}

/** Energy of one inference of a compiled artifact on an input of n positions. */
export function artifactEnergy(info: ArtifactInfo, ops: OpCounts, n: number, profileName = DEFAULT_PROFILE): EnergyReport & { annMacs: number } {
  const enc = info.encoders.find((e) => e.perPosition);
  const dim = enc?.dim ?? 0;
  const ann = annCost(shapesFromArtifact(info), n, dim);
  const stateBits = info.populations.some((p) => p.stateBits === 32) ? 32 : 16;
  // split the SNN's reads into synapse rows and embedding rows: each table sits in the
  // memory tier of its own size (docs/energy.md)
  const synTableBytes = info.synapses.reduce((a, s) => a + s.tableBytes, 0);
  const embTableBytes = info.energy.integerBytes - synTableBytes;
  const embRead = enc ? n * Math.ceil((dim * enc.bits) / 8) : 0;
  const snnReads: MemoryRead[] = [
    { bytesRead: ops.bytesRead - embRead, tableBytes: synTableBytes },
    { bytesRead: embRead, tableBytes: embTableBytes },
  ];
  // the fp32 ANN reads its fp32 weights once and n fp32 embedding rows; the int8 twin its
  // int8 weights once and the same packed level rows as the SNN (docs/ann.md)
  const annReads: MemoryRead[] =
    PROFILES[profileName]?.ann === 'int8'
      ? [
          { bytesRead: ann.weightBytes / 4, tableBytes: ann.weightBytes / 4 },
          { bytesRead: embRead, tableBytes: embTableBytes },
        ]
      : [
          { bytesRead: ann.weightBytes, tableBytes: ann.weightBytes },
          { bytesRead: ann.embeddingBytes, tableBytes: info.energy.float32Bytes - ann.weightBytes },
        ];
  const r = estimateEnergy({ ops, stateBits, ann, snnReads, annReads }, profileName);
  return { ...r, annMacs: ann.macs };
}
