// THE IR of snnc: one tagged union of nodes, shared by the model format, the trainer's
// output, every pass, every backend and the reference simulator. It imports nothing, so
// any module (including runtime/) may depend on it without pulling in the compiler.
// Semantics of every node are specified in docs/semantics.md; this file is the shape.

/** A fixed-point format: a signed integer of `bits` bits whose value is `int * 2^-frac`. */
export interface FixedPoint {
  bits: 8 | 16 | 32;
  frac: number;
}

/** A dense float tensor, row-major. */
export interface FloatTensor {
  dtype: 'f32';
  shape: number[];
  data: Float32Array;
}

/** A dense integer tensor, row-major; every value fits `fmt.bits` signed bits. */
export interface IntTensor {
  dtype: 'int';
  shape: number[];
  data: Int32Array;
  fmt: FixedPoint;
  /** Real value of one integer step (the float weight is int * scale); 2^-frac when frac is exact. */
  scale: number;
}

export type Tensor = FloatTensor | IntTensor;

/**
 * Event-driven synapse table, indexed by presynaptic channel (see docs/semantics.md
 * "Synapse tables"). `dense`: every presynaptic channel owns a full row of `rowLength`
 * weights. `sparse`: row r owns entries [rowStart[r], rowStart[r+1]) of (target, weight).
 * Which one a pass picked changes op counts (a dense row adds its zeros), never results.
 */
export type SynapseTable =
  | { layout: 'dense'; rows: number; rowLength: number; weights: Int32Array; weightBits: 8 | 16 }
  | {
      layout: 'sparse';
      rows: number;
      rowLength: number;
      rowStart: Uint32Array;
      target: Uint16Array;
      weights: Int32Array;
      weightBits: 8 | 16;
    };

// ---------------------------------------------------------------------------------- nodes

/** Token ids of one sentence, truncated to `maxLen`; defines the position axis n <= maxLen. */
export interface TokensNode {
  kind: 'tokens';
  id: string;
  maxLen: number;
}

/** A fixed-size real vector input (e.g. a sentence embedding), values in [0, 1]. */
export interface VectorNode {
  kind: 'vector';
  id: string;
  dim: number;
}

/**
 * Embedding lookup: token id -> `dim` values in [0, 1] (positive-shifted). Row 0 is the
 * padding token and must be all zeros; row 1 is <unk>. After the pack pass, `levels`
 * holds the q-bit integer levels that the encoder consumes and `table` may be dropped.
 */
export interface EmbeddingNode {
  kind: 'embedding';
  id: string;
  from: string;
  vocab: number;
  dim: number;
  table?: FloatTensor;
  levels?: { bits: number; data: Uint8Array };
}

/**
 * Value -> spike encoder over the model's T steps. `rate`: deterministic
 * accumulate-and-fire on q-bit levels; `binary`: rate with q = 1; `poisson`: Bernoulli per
 * step from the specified xorshift32 PRNG; `direct`: no encoding, the input gives each step's
 * spike count per channel (0 .. 2^bits - 1; bits = 1: a 0/1 spike train) (docs/semantics.md "Encoders").
 */
export interface EncoderNode {
  kind: 'encoder';
  id: string;
  from: string;
  scheme: 'rate' | 'binary' | 'poisson' | 'direct';
  bits: number;
  seed: number;
}

/**
 * 1-D convolution along positions with 'same' padding: output position p sees inputs
 * p - left .. p - left + width - 1 where left = floor((width - 1) / 2).
 * Float weight shape [width, inChannels, outChannels]. Drives LIF `to`.
 */
export interface Conv1dNode {
  kind: 'conv1d';
  id: string;
  from: string;
  to: string;
  width: number;
  inChannels: number;
  outChannels: number;
  weight: Tensor;
  table?: SynapseTable;
  /** Integer schedule of the additions (docs/semantics.md "Level-grouped input schedule"); absent: event-driven. */
  schedule?: SynapseSchedule;
}

/**
 * How a synapse's additions are ordered in the integer network. Absent: event-driven (one
 * table row per source spike). `grouped`: the source is a deterministic rate or binary
 * encoder, whose inputs of one level all spike on the same steps; the synapse sums, once per
 * inference, the table rows of each (target row, level) group, and each step adds the sums of
 * the levels that spike. Same membranes, spikes and labels; different op counters. Set by
 * the `schedule` pass.
 */
export type SynapseSchedule = 'grouped';

/**
 * Fully connected synapses, weight shape [inFeatures, outFeatures] (presynaptic-major).
 * `pool: 'mean-positions'`: the source is per-position and the target is not; the input
 * is the mean over positions (integer semantics: sum, with the target threshold times n).
 * `pool: 'max-positions'`: the same shapes; the input is the max over positions of the
 * source's spikes (channel c counts once per step if it spiked at any position).
 * `recurrent: true`: uses the source's spikes of the previous step; into a `scan`
 * population (self-recurrence only) the spikes of the previous position in scan order.
 */
export interface DenseNode {
  kind: 'dense';
  id: string;
  from: string;
  to: string;
  inFeatures: number;
  outFeatures: number;
  weight: Tensor;
  pool?: 'mean-positions' | 'max-positions';
  recurrent?: boolean;
  table?: SynapseTable;
  /** Integer schedule of the additions; absent: event-driven (see Conv1dNode.schedule). */
  schedule?: SynapseSchedule;
}

/**
 * Leaky integrate-and-fire population. Per step: leak, integrate, fire, reset.
 * Float: v = beta * v + I; spike if v >= threshold. Integer: beta is expressed as
 * 1 - sum(2^-k for k in leakShifts) and the leak is v -= sum(v >> k) (arithmetic shifts).
 */
export interface LifNode {
  kind: 'lif';
  id: string;
  channels: number;
  /** true: one neuron per (position, channel); false: `channels` neurons. */
  perPosition: boolean;
  /**
   * Recurrent scan over positions (per-position populations only): within each step the
   * population visits positions one at a time, `forward` 0..n-1 or `backward` n-1..0, with
   * one membrane vector of `channels` carried from position to position (zero at the start
   * of every step). Its spikes are per position. See docs/semantics.md "Scans".
   */
  scan?: 'forward' | 'backward';
  /** false: a leaky integrator that never fires or resets (read by a membrane readout). */
  spiking?: boolean;
  reset: 'subtract' | 'zero';
  /** Float model: the decay factor; 1 means integrate-and-fire. */
  beta: number;
  /** Float threshold (float model) or integer threshold (after quantize). */
  threshold: number;
  /** Integer leak: v -= sum(v >> k). Empty: no leak (beta = 1). Set by quantize. */
  leakShifts?: number[];
  /**
   * Current-based population (NIR CubaLIF / CubaLI): a synaptic current i per neuron ahead of
   * the membrane, decayed by `synBeta` (float: i = synBeta * i + input; v = beta * v + i).
   * Absent: the synaptic input goes straight into v (LIF). docs/semantics.md "Synaptic current".
   */
  synBeta?: number;
  /** Integer leak of the synaptic current: i -= sum(i >> k). Set by quantize. */
  synLeakShifts?: number[];
  /** Integer membrane state width proven by the compiler. */
  stateBits?: 16 | 32;
  /** Set by quantize: the population's values are integers. */
  integer?: boolean;
}

/**
 * Class readout over `population` neurons per class, class-major. `measure: 'spikes'`
 * (default): a class scores the spike count of its neurons over all steps. `membrane`: the
 * sum of their final membrane values (the population must be `spiking: false`).
 */
export interface ReadoutNode {
  kind: 'readout';
  id: string;
  from: string;
  classes: number;
  population: number;
  measure?: 'spikes' | 'membrane';
}

export type Node =
  | TokensNode
  | VectorNode
  | EmbeddingNode
  | EncoderNode
  | Conv1dNode
  | DenseNode
  | LifNode
  | ReadoutNode;

export type NodeKind = Node['kind'];

/** The network: nodes in topological order (a node's `from` precedes it; recurrent edges excepted). */
export interface Graph {
  /** Number of simulation steps per inference. */
  timesteps: number;
  nodes: Node[];
  /** Which stage produced it; the passes append to `passes`. */
  stage: 'float' | 'integer';
  passes: string[];
  /** Set by the plan-memory pass. */
  plan?: MemoryPlan;
}

/** Exact byte budget of an integer graph on a target (docs/semantics.md "Memory plan"). */
export interface MemoryPlan {
  /** Constant bytes: synapse tables, embedding levels, thresholds (flash / data segments). */
  constBytes: number;
  /** Mutable bytes for one inference at maxLen: membranes, spikes, encoder state, counters. */
  stateBytes: number;
  /** Per-node breakdown, stable order. */
  items: { node: string; what: string; bytes: number; region: 'const' | 'state' }[];
}

// ----------------------------------------------------------------------- the whole model

export interface TokenizerSpec {
  /** Versioned tokenizer algorithm; see runtime/tokenizer.ts and docs/tokenizer.md (v2 = v1 + one token per CJK character). */
  kind: 'snnc-word-v1' | 'snnc-word-v2';
  lowercase: boolean;
}

export interface ModelMeta {
  name: string;
  family: 'textcnn' | 'bisnn' | 'mlp' | 'nir';
  classes: string[];
  /** Free-form provenance: dataset, seed, training stage and accuracies measured. */
  training?: Record<string, unknown>;
  /** Everything else a tool wants to keep, e.g. scales applied by quantize. */
  extra?: Record<string, unknown>;
}

/** What a `.snn` file holds (docs/formats.md). */
export interface Model {
  meta: ModelMeta;
  tokenizer?: TokenizerSpec;
  /** Vocabulary; index = token id. 0 = "<pad>", 1 = "<unk>". */
  vocab?: string[];
  graph: Graph;
}
