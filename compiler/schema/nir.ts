// Schema of a NIR graph as read from HDF5 (docs/nir.md), applied after reading and before
// lowering: the version string, the `metadata/snnc` block that `snnc export` writes, and per
// node type the parameters' presence, rank and ranges. Shapes that must agree between
// connected nodes need the graph's shape inference and are checked in lower.ts, naming both
// nodes. Parameters are validated through a small view (shape, size, smallest and largest
// value, integrality, and the values of small arrays) so no weight array is copied.

import { fail } from '../../core/errors.js';
import type { NirFile, NirNode, NirValue } from '../frontend/nir/types.js';
import { anyObject, arr, check, compileSchema, int, name, num, obj, oneOf, opt, str, type Schema } from './dsl.js';

/** NIR versions are `major.minor[.patch][suffix]` (e.g. 0.2.0, 1.0.6, 1.0.0rc1). */
export const NIR_VERSION_PATTERN = /^\d+\.\d+(\.\d+)?([.+-]?[0-9A-Za-z.+-]*)?$/;

/** The graph-level `metadata/snnc` JSON (compiler/frontend/nir/export.ts). */
const snncMetaSchema = obj({
  name: opt(str({ max: 1024 })),
  dt: opt(num({ gt: 0 })),
  decay: opt(oneOf('exp', 'linear')),
  timesteps: opt(int(1, 1_000_000)),
  encoder: opt(oneOf('rate', 'binary', 'poisson', 'direct')),
  bits: opt(int(1, 8)),
  classes: opt(arr(name(), { min: 2, max: 65535, unique: true })),
  population: opt(int(1, 65535)),
  resets: opt({ type: 'object', additionalProperties: oneOf('zero', 'subtract') }),
  thresholds: opt({ type: 'object', additionalProperties: num({ gt: 0 }) }),
  /** NIR node id -> the IR id `snnc export` renamed it from (reserved names never reach NIR). */
  ids: opt({ type: 'object', additionalProperties: str({ min: 1, max: 256 }) }),
  /** A text model's tokenizer, vocabulary, IR node list and caveats (frontend/nir/text.ts checks it). */
  text: opt(anyObject()),
});
const validateSnncMeta = compileSchema(snncMetaSchema);

/** What the schema sees of one parameter. */
interface ParamView {
  rank: number;
  size: number;
  numeric: boolean;
  /** Smallest / largest finite value (numeric parameters with values). */
  min?: number;
  max?: number;
  integer: boolean;
  /** The string, for string parameters (e.g. padding 'same'). */
  text?: string;
}

function view(v: NirValue): ParamView {
  if ('strings' in v) return { rank: v.shape.length, size: v.strings.length, numeric: false, integer: false, text: v.strings[0] };
  let min = Infinity;
  let max = -Infinity;
  let integer = true;
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i];
    if (!Number.isFinite(x)) continue; // NaN / infinity: SNN_E_NAN when lowering reads it
    if (x < min) min = x;
    if (x > max) max = x;
    if (!Number.isInteger(x)) integer = false;
  }
  return { rank: v.shape.length, size: v.data.length, numeric: true, integer, ...(min <= max ? { min, max } : {}) };
}

const numeric = (extra: Schema = {}): Schema => obj({ numeric: { const: true } }, extra);
/** Integer values all >= lo (absent values: the parameter is empty). */
const ints = (lo: number): Schema => numeric({ properties: { numeric: { const: true }, integer: { const: true }, min: num({ min: lo }) } });
const rank = (r: number): Schema => numeric({ properties: { numeric: { const: true }, rank: { const: r } } });
const padding: Schema = { anyOf: [ints(0), obj({ numeric: { const: false }, text: oneOf('same', 'valid') })] };

const conv = (d: number): Record<string, Schema | ReturnType<typeof opt>> => ({
  weight: rank(d + 2),
  stride: opt(ints(1)),
  dilation: opt(ints(1)),
  groups: opt(ints(1)),
  padding: opt(padding),
  bias: opt(numeric()),
  input_shape: opt(ints(1)),
});

/** Parameters by node type: what must be there and the ranges lowering relies on. */
const PARAMS: Record<string, Schema> = {
  Input: obj({ shape: ints(1) }),
  Output: obj({ shape: opt(ints(1)) }),
  Linear: obj({ weight: rank(2) }),
  Affine: obj({ weight: rank(2), bias: numeric() }),
  Scale: obj({ scale: numeric() }),
  Threshold: obj({ threshold: numeric() }),
  LIF: obj({ tau: numeric(), r: numeric(), v_leak: numeric(), v_threshold: numeric(), v_reset: opt(numeric()) }),
  IF: obj({ r: numeric(), v_threshold: numeric(), v_reset: opt(numeric()) }),
  LI: obj({ tau: numeric(), r: numeric(), v_leak: numeric() }),
  I: obj({ r: numeric() }),
  CubaLIF: obj({ tau_syn: numeric(), tau_mem: numeric(), r: numeric(), v_leak: numeric(), v_threshold: numeric(), v_reset: opt(numeric()), w_in: opt(numeric()) }),
  CubaLI: obj({ tau_syn: numeric(), tau_mem: numeric(), r: numeric(), v_leak: numeric(), w_in: opt(numeric()) }),
  Conv1d: obj(conv(1)),
  Conv2d: obj(conv(2)),
  SumPool2d: obj({ kernel_size: ints(1), stride: opt(ints(1)), padding: opt(padding) }),
  AvgPool2d: obj({ kernel_size: ints(1), stride: opt(ints(1)), padding: opt(padding) }),
};
const VALIDATORS = Object.fromEntries(Object.entries(PARAMS).map(([t, s]) => [t, compileSchema(s)]));

/** The parsed `metadata/snnc` block: absent -> {}; invalid JSON or fields -> SNN_E_HEADER naming the field. */
export function snncMetadata(v: string | number | undefined): Record<string, unknown> {
  if (v === undefined) return {};
  if (typeof v !== 'string') fail('SNN_E_HEADER', 'NIR graph metadata/snnc must be a JSON string');
  let x: unknown;
  try {
    x = JSON.parse(v);
  } catch (e) {
    fail('SNN_E_HEADER', `NIR graph metadata/snnc is not valid JSON: ${(e as Error).message}`, 'the file was edited or damaged; export it again');
  }
  if (!x || typeof x !== 'object' || Array.isArray(x)) fail('SNN_E_HEADER', 'NIR graph metadata/snnc must be a JSON object');
  return check(validateSnncMeta, x, 'NIR graph metadata/snnc', 'SNN_E_HEADER');
}

/** Validates a read NIR file before it is lowered (types and ranges; shapes are lower.ts's). */
export function checkNirFile(file: NirFile): void {
  if (file.version !== undefined && !NIR_VERSION_PATTERN.test(file.version)) {
    fail('SNN_E_VERSION', `NIR version ${JSON.stringify(file.version.slice(0, 40))} is not a version number`, 'NIR files carry versions such as 0.2.0 or 1.0.6');
  }
  snncMetadata(file.graph.metadata.snnc);
  const walk = (n: NirNode, at: string): void => {
    for (const [id, c] of Object.entries(n.nodes ?? {})) {
      const here = at ? `${at}.${id}` : id;
      if (c.type === 'NIRGraph') walk(c, here);
      else checkNode(here, c);
    }
  };
  walk(file.graph, '');
}

function checkNode(id: string, n: NirNode): void {
  const validate = VALIDATORS[n.type];
  if (!validate) return; // unknown types are refused by lowering, naming the type
  const params: Record<string, ParamView> = {};
  for (const [k, v] of Object.entries(n.params)) params[k] = view(v);
  const missing = Object.keys((PARAMS[n.type].properties ?? {}) as object).find((k) => !(k in params) && ((PARAMS[n.type].required ?? []) as string[]).includes(k));
  if (missing) fail('SNN_E_HEADER', `NIR node "${id}" (${n.type}) misses parameter "${missing}"`);
  // a non-numeric parameter is a malformed file (SNN_E_HEADER), a value out of range an invalid graph
  check(validate, params, `NIR node "${id}" (${n.type})`, (path) => (/^\/[^/]+$/.test(path) || path.endsWith('/numeric') ? 'SNN_E_HEADER' : 'SNN_E_GRAPH'));
}
