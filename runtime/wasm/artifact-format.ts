// The contract between the wasm backend (compiler/backends/wasm) and the wasm host
// (runtime/wasm-host.ts): the custom-section schema, its version and the export names.
// Plain types and constants only, so the host never pulls in binaryen.

import type { TokenizerSpec } from '../../compiler/ir/types.js';

/** Name of the custom section that carries the artifact's JSON metadata. */
export const ARTIFACT_SECTION = 'snnc';
/** Value of `format` in that JSON. */
export const ARTIFACT_FORMAT = 'snnc-wasm';
/** Bumped whenever the exports, the memory map or this schema change incompatibly. */
export const ARTIFACT_VERSION = 1;

/** Names of the module's exports (docs/wasm.md "Exports"). */
export const WASM_EXPORTS = {
  memory: 'memory',
  infer: 'infer',
  inputPtr: 'input_ptr',
  scoresPtr: 'scores_ptr',
  countersPtr: 'counters_ptr',
  errorPtr: 'error_ptr',
  maxLen: 'max_len',
} as const;

/**
 * Optional export (artifacts from before it lack it): `trace_spikes(on) -> address` turns the
 * per-step spike trace on (1) or off (0); docs/wasm.md "Spike trace".
 */
export const WASM_TRACE_EXPORT = 'trace_spikes';

/** Negative results of `infer(n)`; the error slot holds [code, position, value]. */
export const WASM_ERRORS = {
  badToken: -1,
  emptyInput: -2,
  thresholdOverflow: -3,
  nanInput: -4,
  /** A membrane readout's class score (sum of `population` int32 membranes) outside int32. */
  scoreOverflow: -5,
  /** A direct spike input's count above 2^bits - 1 (pos: step * dim + channel, value: the count). */
  badCount: -6,
} as const;

/** What the caller of `emitWasm` supplies besides the graph. */
export interface ArtifactMeta {
  name: string;
  classes: string[];
  family?: string;
  tokenizer?: TokenizerSpec;
  /** Index = token id; 0 = "<pad>", 1 = "<unk>". */
  vocab?: string[];
  /** Bytes of the float32 model's parameters (for the energy / size comparison). */
  float32Bytes: number;
  /** Free-form extras copied verbatim (must be JSON-serialisable). */
  extra?: Record<string, unknown>;
}

export type ArtifactInput = { kind: 'tokens'; maxLen: number; vocabSize: number } | { kind: 'vector'; dim: number };

/** One LIF population. Neurons active per step: perPosition ? n * channels : channels. */
export interface ArtifactPopulation {
  id: string;
  channels: number;
  perPosition: boolean;
  reset: 'subtract' | 'zero';
  threshold: number;
  leakShifts: number[];
  stateBits: 16 | 32;
  pooled: boolean;
  /** A recurrent scan over positions (docs/semantics.md "Scans"); absent otherwise. */
  scan?: 'forward' | 'backward';
  /** false: a leaky integrator that never fires (read by a membrane readout); absent = spiking. */
  spiking?: false;
}

/** One synapse layer, with what an ANN-equivalent MAC count needs. */
export interface ArtifactSynapse {
  id: string;
  kind: 'conv1d' | 'dense';
  from: string;
  to: string;
  /** conv1d only. */
  width?: number;
  inFeatures: number;
  outFeatures: number;
  /** True when the source is per position (MACs scale with the sentence length n). */
  perPosition: boolean;
  pool?: 'mean-positions' | 'max-positions';
  recurrent?: boolean;
  /** 'grouped': the level-grouped schedule (docs/semantics.md); absent: event-driven. */
  schedule?: 'grouped';
  layout: 'dense' | 'sparse';
  weightBits: 8 | 16 | 32;
  /** Non-zero weights (sparse) or rows x rowLength (dense). */
  entries: number;
  /** Bytes of the table as counted by `bytesRead` (unpadded). */
  tableBytes: number;
  /** ANN MACs of this layer for one sentence: macsPerToken * n + macsConstant. */
  macsPerToken: number;
  macsConstant: number;
}

export interface ArtifactEncoder {
  id: string;
  /** `direct`: a spike-train input; `infer` takes T rows of counts 0 .. 2^bits - 1 (docs/wasm.md "Input"). */
  scheme: 'rate' | 'binary' | 'poisson' | 'direct';
  bits: number;
  dim: number;
  perPosition: boolean;
  seed: number;
}

/** The JSON in the `snnc` custom section. */
export interface ArtifactInfo {
  format: typeof ARTIFACT_FORMAT;
  version: number;
  generator: string;
  name: string;
  family?: string;
  classes: string[];
  tokenizer?: TokenizerSpec;
  vocab?: string[];
  input: ArtifactInput;
  /** Simulation steps per inference (T). */
  timesteps: number;
  /** Every graph node id, in graph order. */
  layers: { id: string; kind: string }[];
  encoders: ArtifactEncoder[];
  /** LIF populations in graph order (the order of layerSpikes / layerUpdates). */
  populations: ArtifactPopulation[];
  synapses: ArtifactSynapse[];
  /**
   * `measure` absent or 'spikes': a class scores its neurons' spike counts (>= 0);
   * 'membrane': the sum of their final membranes (signed int32).
   */
  readout: { from: string; classes: number; population: number; measure?: 'spikes' | 'membrane' };
  energy: {
    timesteps: number;
    float32Bytes: number;
    /** Bytes of integer constants (tables + embedding levels), as counted by bytesRead. */
    integerBytes: number;
    /** ANN-equivalent MACs for a sentence of n tokens: annMacsPerToken * n + annMacsConstant. */
    annMacsPerToken: number;
    annMacsConstant: number;
    /** Neurons per population for n tokens: perToken * n + constant, summed over populations. */
    neuronsPerToken: number;
    neuronsConstant: number;
  };
  simd: boolean;
  memory: { pages: number; constBytes: number; stateBytes: number };
  extra?: Record<string, unknown>;
}
