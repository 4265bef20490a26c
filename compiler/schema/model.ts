// Schema of the `.snn` header (docs/formats.md): the JSON `{"format", "version", "model"}` as
// stored, tensors still as `{"$tensor": {...}}` references. decodeModel runs it after the CRC
// and before it reads a tensor, so no field is used before its type and range are known. What a
// schema cannot say (ids and references, tensor sizes against shapes, table contents) is
// compiler/ir/validate.ts, which runs next on the revived model.

import type { ErrorCode } from '../../core/errors.js';
import { arr, anyObject, bool, check, compileSchema, constant, int, name, num, obj, oneOf, opt, str, tagged, type Schema } from './dsl.js';

const U32 = 0xffffffff;

/** `{"$tensor": {array, storage, length, offset}}`: offsets 8-byte aligned (docs/formats.md). */
const tensorRef = obj({
  $tensor: obj({
    array: oneOf('Float32Array', 'Int32Array', 'Uint8Array', 'Uint16Array', 'Uint32Array'),
    storage: oneOf('f32', 'f16', 'i8', 'i16', 'i32', 'u8', 'u16', 'u32'),
    // the 2^28 element bound is SNN_E_SIZE, checked by the reader before it allocates
    length: int(0),
    offset: { ...int(0), multipleOf: 8 },
  }),
});

const tensor = obj({
  dtype: oneOf('f32', 'int'),
  shape: arr(int(0, 2 ** 31 - 1), { max: 8 }),
  data: tensorRef,
  fmt: opt(obj({ bits: oneOf(8, 16, 32), frac: int(-64, 64) })),
  scale: opt(num({ min: 0 })),
});

const table = obj({
  layout: oneOf('dense', 'sparse'),
  rows: int(0, 2 ** 31 - 1),
  rowLength: int(1, 1 << 20),
  weights: tensorRef,
  weightBits: oneOf(8, 16),
  rowStart: opt(tensorRef),
  target: opt(tensorRef),
});

const id = name();
const node = tagged('kind', {
  tokens: { id, maxLen: int(1, 65535) },
  vector: { id, dim: int(1, 1 << 20) },
  embedding: {
    id,
    from: name(),
    vocab: int(2, 1 << 24),
    dim: int(1, 4096),
    table: opt(tensor),
    levels: opt(obj({ bits: int(1, 8), data: tensorRef })),
  },
  encoder: { id, from: name(), scheme: oneOf('rate', 'binary', 'poisson', 'direct'), bits: int(1, 8), seed: int(0, U32) },
  conv1d: { id, from: name(), to: name(), width: int(1, 64), inChannels: int(1, 1 << 20), outChannels: int(1, 1 << 20), weight: tensor, table: opt(table) },
  dense: {
    id,
    from: name(),
    to: name(),
    inFeatures: int(1, 1 << 20),
    outFeatures: int(1, 1 << 20),
    weight: tensor,
    pool: opt(oneOf('mean-positions', 'max-positions')),
    recurrent: opt(bool()),
    table: opt(table),
  },
  lif: {
    id,
    channels: int(1, 1 << 20),
    perPosition: bool(),
    scan: opt(oneOf('forward', 'backward')),
    spiking: opt(bool()),
    reset: oneOf('subtract', 'zero'),
    beta: num({ gt: 0, max: 1 }),
    threshold: num({ gt: 0 }),
    leakShifts: opt(arr(int(1, 30), { max: 30 })),
    synBeta: opt(num({ gt: 0, max: 1 })),
    synLeakShifts: opt(arr(int(1, 30), { max: 30 })),
    stateBits: opt(oneOf(16, 32)),
    integer: opt(bool()),
  },
  readout: { id, from: name(), classes: int(2, 65535), population: int(1, 65535), measure: opt(oneOf('spikes', 'membrane')) },
});

const plan = obj({
  constBytes: int(0),
  stateBytes: int(0),
  items: arr(obj({ node: str(), what: str(), bytes: int(0), region: oneOf('const', 'state') })),
});

export const graphSchema = obj({
  timesteps: int(1, 1_000_000),
  stage: oneOf('float', 'integer'),
  passes: arr(str()),
  plan: opt(plan),
  nodes: arr(node, { min: 1, max: 100_000 }),
});

/** The tokenizers snnc implements (docs/data.md): lowercasing is part of snnc-word-v1 and -v2, so `lowercase: false` is refused, not ignored. */
export const tokenizerSchema = obj({ kind: oneOf('snnc-word-v1', 'snnc-word-v2'), lowercase: constant(true) });

/** Class names: non-empty, distinct strings (they label outputs and map data-set labels). */
export const classesSchema = arr(name(), { min: 2, max: 65535, unique: true });

/** Vocabulary: index = token id; distinct non-empty strings (a duplicate would make two ids for one word). */
export const vocabSchema = arr(name(), { min: 2, max: 1 << 24, unique: true });

export const headerSchema: Schema = obj({
  format: constant('snnc-model'),
  version: constant(1),
  model: obj({
    meta: obj({
      name: str({ max: 1024 }),
      family: oneOf('textcnn', 'bisnn', 'mlp', 'nir'),
      // none for a graph without readout (a NIR graph simulated for its traces, docs/nir.md); a readout's count is checked against the graph
      classes: arr(name(), { min: 0, max: 65535, unique: true }),
      training: opt(anyObject()),
      extra: opt(anyObject()),
    }),
    tokenizer: opt(tokenizerSchema),
    vocab: opt(vocabSchema),
    graph: graphSchema,
  }),
});

const validateHeader = compileSchema(headerSchema);

/** Codes by where the field sits, as the reader raised them before the schema existed. */
function codeFor(path: string): ErrorCode {
  if (path.includes('/$tensor')) return 'SNN_E_HEADER';
  if (path.startsWith('/model/graph') || path.startsWith('/model/vocab') || path.startsWith('/model/tokenizer')) return 'SNN_E_GRAPH';
  return 'SNN_E_HEADER';
}

/** Checks a parsed `.snn` header; throws SNN_E_HEADER / SNN_E_GRAPH naming the field. */
export function checkModelHeader(header: unknown): void {
  check(validateHeader, header, 'model header', codeFor);
}
