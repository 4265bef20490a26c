// Text models (token input: textcnn, bisnn) to NIR and back (docs/nir.md "Text models").
//
// NIR has no tokenizer, no embedding lookup, no axis whose length varies per input, no pooling
// over such an axis, and no scan. An exported text model is therefore two things in one file:
//
// * a **body** of standard NIR nodes: the per-position network for a fixed number L = maxLen of
//   positions, fed by a spike-train Input of the embedding's spike codes. `positions` body
//   (textcnn): Input [dim, L], Conv1d, IF/LIF [C, L], Flatten + Linear summing over the L
//   positions into the next population (whose threshold is multiplied by L: the mean's
//   division moved onto the threshold, as the IR's integer semantics does). `sequence` body
//   (bisnn, T = 1): the scan over positions is NIR's time: step t feeds [token t's spikes,
//   token L-1-t's spikes], forward scans read the first half, backward scans the second, each
//   scan is a LIF with its self-recurrent Linear loop, the pooled synapses Linear into an I.
// * `metadata/snnc` `text`: what NIR lacks (tokenizer, vocabulary, maxLen, encoder, the IR node
//   list with perPosition / scan / pool and the exact float thresholds and betas, the NIR node
//   that carries each synapse's weights and how), and the embedding table as the float32
//   metadata array `snnc_embedding`.
//
// `snnc import` rebuilds the IR from both, reading every weight from the body's nodes, and
// refuses (naming the field or node) a text block that is malformed or disagrees with the body.

import type { Conv1dNode, DenseNode, EmbeddingNode, FloatTensor, LifNode, Model, Node, TokenizerSpec } from '../../ir/types.js';
import { fail } from '../../../core/errors.js';
import { validateModel } from '../../ir/validate.js';
import { arr, isStrings, scalar, type NirArray, type NirFile, type NirNode } from './types.js';
import { arr as sArr, check, compileSchema, int, name, num, obj, oneOf, opt, str, anyObject, bool, tagged } from '../../schema/dsl.js';
import type { DecayConvention } from './lower.js';

/** Version of the `text` block layout; bumped when its meaning changes. */
export const TEXT_LAYOUT = 1;
/** Metadata array holding the float embedding table [vocab, dim]. */
export const EMBEDDING_ARRAY = 'snnc_embedding';
/** Metadata array holding a synapse's weights that the body cannot carry (IR layout [in, out]). */
const weightArray = (irId: string) => `snnc_w_${irId}`;
const TOKENIZERS = ['snnc-word-v1', 'snnc-word-v2'] as const;

/** How a synapse's IR weight sits in its NIR node. */
type Layout =
  /** Conv1d [out, in, width] (conv1d; width 1 for a position-wise dense in the positions body). */
  | 'conv'
  /** Linear [out, in]. */
  | 'linear'
  /** Linear [out, in * L] after a Flatten of a [in, L] population: the same weights at every position (a pooled sum). */
  | 'tiled'
  /** Linear [out, 2 * in] from the sequence body's Input: columns `offset .. offset + in`, the rest zero. */
  | 'half'
  /** Not in the body (NIR cannot express it): metadata array `snnc_w_<id>`, IR layout [in, out]. */
  | 'metadata';

interface SynapseRef {
  node?: string;
  layout: Layout;
  offset?: number;
  flatten?: string;
}

/** One IR node of the text block: the IR node without tensors, plus where its NIR form is. */
type Skel = Record<string, unknown> & { kind: string; id: string; nir?: string | SynapseRef };

export interface TextBlock {
  layout: number;
  family: 'textcnn' | 'bisnn';
  body: 'positions' | 'sequence';
  positions: number;
  timesteps: number;
  tokenizer: TokenizerSpec;
  vocab: string[];
  nodes: Skel[];
  /** Free-form provenance of the model (meta.training), kept for the round trip. */
  training?: Record<string, unknown>;
  /** What a non-snnc tool computes from the body differently, one line each (also in docs/nir.md). */
  caveats: string[];
}

/** An IR node of the text block: the IR node's fields (compiler/schema/model.ts) without tensors, plus `nir`. */
function skelNode() {
  const id = name();
  const ref = obj({ node: opt(name()), layout: oneOf('conv', 'linear', 'tiled', 'half', 'metadata'), offset: opt(int(0)), flatten: opt(name()) });
  return tagged('kind', {
    tokens: { id, maxLen: int(1, 65535) },
    embedding: { id, from: name(), vocab: int(2, 1 << 24), dim: int(1, 4096) },
    encoder: { id, from: name(), scheme: oneOf('rate', 'binary'), bits: int(1, 8), seed: int(0, 0xffffffff) },
    conv1d: { id, from: name(), to: name(), width: int(1, 64), inChannels: int(1, 1 << 20), outChannels: int(1, 1 << 20), nir: ref },
    dense: { id, from: name(), to: name(), inFeatures: int(1, 1 << 20), outFeatures: int(1, 1 << 20), pool: opt(oneOf('mean-positions', 'max-positions')), recurrent: opt(bool()), nir: ref },
    lif: {
      id,
      channels: int(1, 1 << 20),
      perPosition: bool(),
      scan: opt(oneOf('forward', 'backward')),
      spiking: opt(bool()),
      reset: oneOf('subtract', 'zero'),
      beta: num({ gt: 0, max: 1 }),
      threshold: num({ gt: 0 }),
      nir: name(),
    },
    readout: { id, from: name(), classes: int(2, 65535), population: int(1, 65535), measure: opt(oneOf('spikes', 'membrane')) },
  });
}

const textSchema = obj({
  layout: int(1, 1),
  family: oneOf('textcnn', 'bisnn'),
  body: oneOf('positions', 'sequence'),
  positions: int(1, 65535),
  timesteps: int(1, 1_000_000),
  tokenizer: obj({ kind: str({ min: 1, max: 64 }), lowercase: bool() }),
  vocab: sArr(str({ max: 4096 }), { min: 2, max: 1 << 22 }),
  nodes: sArr(skelNode(), { min: 1, max: 100_000 }),
  training: opt(anyObject()),
  caveats: sArr(str()),
});
const validateText = compileSchema(textSchema);
const refSchema = obj({ node: opt(name()), layout: oneOf('conv', 'linear', 'tiled', 'half', 'metadata'), offset: opt(int(0)), flatten: opt(name()) });
const validateRef = compileSchema(refSchema);

// ------------------------------------------------------------------------------- export

export interface TextExportOptions {
  dt: number;
  decay: DecayConvention;
}

/** NIR node ids: the model's own ids, never `input` / `output` (the Input and Output), never twice. */
function idAllocator(): (want: string) => string {
  const taken = new Set(['input', 'output']);
  return (want: string) => {
    let id = want;
    for (let k = 1; taken.has(id); k++) id = `${want}_${k}`;
    taken.add(id);
    return id;
  };
}

export function exportTextNir(model: Model, o: TextExportOptions): NirFile {
  const g = model.graph;
  const { dt, decay } = o;
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const tokens = g.nodes.find((n) => n.kind === 'tokens')!;
  const emb = g.nodes.find((n): n is EmbeddingNode => n.kind === 'embedding');
  const enc = g.nodes.find((n) => n.kind === 'encoder');
  const readout = g.nodes.find((n) => n.kind === 'readout');
  if (tokens.kind !== 'tokens' || !emb || !enc || enc.kind !== 'encoder' || !readout || readout.kind !== 'readout') {
    return fail('SNN_E_USAGE', `model ${model.meta.name}: a text model exports as tokens -> embedding -> encoder -> ... -> readout`);
  }
  if (!emb.table) return fail('SNN_E_USAGE', `embedding ${emb.id} has no float table (a packed graph): export the .snn as trained`);
  if (!model.vocab || !model.tokenizer) return fail('SNN_E_USAGE', `model ${model.meta.name} has no vocabulary or tokenizer`);
  if (enc.scheme === 'poisson') fail('SNN_E_USAGE', 'a poisson encoder draws spikes from snnc\'s PRNG: its spike train has no NIR form', 'export a model with a rate or binary encoder');
  const L = tokens.maxLen;
  const lifs = g.nodes.filter((n): n is LifNode => n.kind === 'lif');
  const scans = lifs.some((n) => n.scan);
  const body: TextBlock['body'] = scans ? 'sequence' : 'positions';
  if (body === 'sequence') {
    if (g.timesteps !== 1) fail('SNN_E_USAGE', `a scan model exports with its scans as NIR time, which needs T = 1 (it has T = ${g.timesteps})`);
    const plain = lifs.find((n) => n.perPosition && !n.scan);
    if (plain) fail('SNN_E_USAGE', `population ${plain.id} is per position without a scan: a model mixing scans and per-position layers has no NIR body`);
    if (g.nodes.some((n) => n.kind === 'conv1d')) fail('SNN_E_USAGE', 'a model mixing scans and conv1d has no NIR body');
  } else if (g.nodes.some((n) => n.kind === 'dense' && n.pool === 'max-positions')) {
    fail('SNN_E_USAGE', 'max over positions without scans: NIR has no max-pool over positions', 'use mean pooling');
  }
  const nid = idAllocator();
  const nirOf = new Map<string, string>([[tokens.id, 'input'], [emb.id, 'input'], [enc.id, 'input'], [readout.id, 'output']]);
  for (const n of lifs) nirOf.set(n.id, nid(n.id));
  const nodes: Record<string, NirNode> = {};
  const edges: [string, string][] = [];
  const caveats: string[] = [];
  const dim = emb.dim;
  nodes.input = { type: 'Input', params: { shape: arr(body === 'positions' ? [dim, L] : [2 * dim]) }, metadata: {} };
  // a population fed by a mean over positions integrates the sum with its threshold times n (= L in the body)
  const meanFed = new Set(g.nodes.flatMap((n) => (n.kind === 'dense' && n.pool === 'mean-positions' ? [n.to] : [])));
  const size = (n: LifNode) => n.channels * (body === 'positions' && n.perPosition ? L : 1);
  const shapeOf = (n: LifNode) => (body === 'positions' && n.perPosition ? [n.channels, L] : [n.channels]);
  const tauOf = (b: number) => (decay === 'exp' ? -dt / Math.log(b) : dt / (1 - b));
  const skel: Skel[] = [];
  for (const n of g.nodes) {
    const { weight: _w, table: _t, ...rest } = n as Node & { weight?: unknown; table?: unknown };
    void _w;
    void _t;
    const s: Skel = { ...(rest as Skel) };
    if (n.kind === 'embedding') delete s.levels;
    if (n.kind === 'lif') {
      if (n.synBeta !== undefined) fail('SNN_E_USAGE', `population ${n.id} has a synaptic current: not in a text model snnc exports`);
      if (n.scan && n.threshold <= 0) fail('SNN_E_USAGE', `population ${n.id}: threshold must be positive`);
      const c = size(n);
      const sh = shapeOf(n);
      const fill = (x: number) => arr(new Float64Array(c).fill(x), sh);
      const th = n.threshold * (meanFed.has(n.id) ? L : 1);
      let nn: NirNode;
      if (n.spiking === false) {
        if (readout.from !== n.id) fail('SNN_E_USAGE', `non-spiking population ${n.id} is not the one the readout reads`);
        nn = n.beta === 1 ? { type: 'I', params: { r: fill(1 / dt) }, metadata: {} } : { type: 'LI', params: { tau: fill(tauOf(n.beta)), r: fill(tauOf(n.beta) / dt), v_leak: fill(0) }, metadata: {} };
      } else if (n.beta === 1) nn = { type: 'IF', params: { r: fill(1 / dt), v_threshold: fill(th), v_reset: fill(0) }, metadata: {} };
      else nn = { type: 'LIF', params: { tau: fill(tauOf(n.beta)), r: fill(tauOf(n.beta) / dt), v_leak: fill(0), v_threshold: fill(th), v_reset: fill(0) }, metadata: {} };
      if (n.scan) nn.metadata.snnc_scan = n.scan;
      nodes[nirOf.get(n.id)!] = nn;
      s.nir = nirOf.get(n.id)!;
    } else if (n.kind === 'conv1d') {
      const w = n.weight.data as Float32Array;
      const W = n.width;
      const t = new Float64Array(w.length);
      // IR [width, in, out] -> NIR (PyTorch) [out, in, width]
      for (let k = 0; k < W; k++) for (let i = 0; i < n.inChannels; i++) for (let j = 0; j < n.outChannels; j++) t[(j * n.inChannels + i) * W + k] = w[(k * n.inChannels + i) * n.outChannels + j];
      const id = nid(n.id);
      // 'same' padding: PyTorch pads (W-1)//2 on the left, the IR's left = floor((W-1)/2)
      nodes[id] = { type: 'Conv1d', params: convParams(t, n.outChannels, n.inChannels, W, L), metadata: {} };
      edges.push([nirOf.get(n.from)!, id], [id, nirOf.get(n.to)!]);
      s.nir = { node: id, layout: 'conv' } satisfies SynapseRef;
    } else if (n.kind === 'dense') {
      const src = byId.get(n.from)!;
      const dst = byId.get(n.to) as LifNode;
      const srcPer = src.kind === 'encoder' || (src.kind === 'lif' && src.perPosition);
      const w = n.weight.data as Float32Array;
      const I = n.inFeatures;
      const O = n.outFeatures;
      const linear = (cols: number, at: (i: number) => number): Float64Array => {
        const t = new Float64Array(O * cols);
        for (let i = 0; i < I; i++) for (let j = 0; j < O; j++) t[j * cols + at(i)] = w[i * O + j];
        return t;
      };
      let ref: SynapseRef;
      if (body === 'positions') {
        if (n.recurrent) fail('SNN_E_USAGE', `dense ${n.id} is recurrent: not in a per-position NIR body`);
        if (n.pool === 'mean-positions') {
          // Flatten [in, L] -> [in * L]; Linear with the same row at every position: the sum over positions
          const flat = nid(`${n.id}_flatten`);
          const id = nid(n.id);
          const t = new Float64Array(O * I * L);
          for (let i = 0; i < I; i++) for (let p = 0; p < L; p++) for (let j = 0; j < O; j++) t[j * I * L + i * L + p] = w[i * O + j];
          // nir.Flatten: input_type is the unbatched shape it flattens from start_dim to end_dim
          nodes[flat] = { type: 'Flatten', params: { input_type: arr([I, L]), start_dim: scalar(0), end_dim: scalar(-1) }, metadata: {} };
          nodes[id] = { type: 'Linear', params: { weight: { shape: [O, I * L], data: t } }, metadata: {} };
          edges.push([nirOf.get(n.from)!, flat], [flat, id], [id, nirOf.get(n.to)!]);
          ref = { node: id, layout: 'tiled', flatten: flat };
        } else if (srcPer) {
          if (!dst.perPosition) fail('SNN_E_USAGE', `dense ${n.id}: per-position source into a global population without pooling`);
          // position-wise: a width-1 Conv1d over [in, L]
          const id = nid(n.id);
          nodes[id] = { type: 'Conv1d', params: convParams(linear(I, (i) => i), O, I, 1, L), metadata: {} };
          edges.push([nirOf.get(n.from)!, id], [id, nirOf.get(n.to)!]);
          ref = { node: id, layout: 'conv' };
        } else {
          const id = nid(n.id);
          nodes[id] = { type: 'Linear', params: { weight: { shape: [O, I], data: linear(I, (i) => i) } }, metadata: {} };
          edges.push([nirOf.get(n.from)!, id], [id, nirOf.get(n.to)!]);
          ref = { node: id, layout: 'linear' };
        }
      } else {
        const dir = (x: Node) => (x.kind === 'lif' ? x.scan : undefined);
        if (src.kind === 'encoder') {
          // the Input holds [token t, token L-1-t]: a forward scan reads the first half, a backward the second
          const offset = dst.scan === 'backward' ? dim : 0;
          const id = nid(n.id);
          nodes[id] = { type: 'Linear', params: { weight: { shape: [O, 2 * dim], data: linear(2 * dim, (i) => offset + i) } }, metadata: {} };
          edges.push(['input', id], [id, nirOf.get(n.to)!]);
          ref = { node: id, layout: 'half', offset };
        } else if (n.pool || dir(src) === dir(dst) || !dst.perPosition) {
          // same direction (or the recurrent loop): step t is the same position for both; a pooled
          // synapse into the non-spiking output sums over steps (mean: exact; max: the sum, not the max)
          const id = nid(n.id);
          nodes[id] = { type: 'Linear', params: { weight: { shape: [O, I], data: linear(I, (i) => i) } }, metadata: {} };
          edges.push([nirOf.get(n.from)!, id], [id, nirOf.get(n.to)!]);
          if (n.pool === 'max-positions') {
            nodes[id].metadata.snnc_pool = 'max-positions';
            caveats.push(`${id}: the model takes the max over positions of ${n.from}'s spikes; NIR has no max over time, this Linear sums them`);
          }
          ref = { node: id, layout: 'linear' };
        } else {
          // a forward scan reads a backward one (or the reverse) at the same position: at NIR step t
          // they are at positions t and L-1-t, so no body edge can carry it; weights in metadata
          caveats.push(`${n.id} (${n.from} -> ${n.to}): a scan reading the other direction at the same position has no NIR form; its weights are the metadata array ${weightArray(n.id)} and the body lacks this input`);
          ref = { layout: 'metadata' };
        }
      }
      s.nir = ref;
    } else if (n.kind === 'readout') {
      nodes.output = { type: 'Output', params: { shape: arr([n.classes * n.population]) }, metadata: {} };
      edges.push([nirOf.get(n.from)!, 'output']);
    }
    skel.push(s);
  }
  const metaArrays: Record<string, NirArray> = { [EMBEDDING_ARRAY]: { shape: [emb.vocab, emb.dim], data: Float64Array.from(emb.table.data) } };
  for (const n of g.nodes) if (n.kind === 'dense' && (skel.find((s) => s.id === n.id)!.nir as SynapseRef).layout === 'metadata') metaArrays[weightArray(n.id)] = { shape: [n.inFeatures, n.outFeatures], data: Float64Array.from(n.weight.data) };
  caveats.unshift(
    body === 'positions'
      ? `the body is the network for exactly ${L} positions: a sentence of ${L} tokens (after truncation) gives the model's spikes; a shorter one, padded with zero spikes, differs (extra positions near its end, sums over ${L} positions instead of the mean over n)`
      : `the body runs the scans as NIR time, one position per step for ${L} steps; a sentence of exactly ${L} tokens gives the model's scan spikes; a shorter one, padded with zero spikes, differs (the forward scans run on past its end)`,
  );
  const sub = lifs.filter((n) => n.reset === 'subtract' && n.spiking !== false).map((n) => nirOf.get(n.id)!);
  if (sub.length) caveats.push(`${sub.join(', ')} reset by subtracting the threshold (metadata/snnc resets); NIR says only v <- v_reset = 0, so a tool that resets to 0 differs after a membrane overshoots the threshold`);
  const text: TextBlock = {
    layout: TEXT_LAYOUT,
    family: model.meta.family === 'bisnn' ? 'bisnn' : 'textcnn',
    body,
    positions: L,
    timesteps: g.timesteps,
    tokenizer: model.tokenizer,
    vocab: model.vocab,
    nodes: skel,
    ...(model.meta.training ? { training: model.meta.training } : {}),
    caveats,
  };
  const snnc = {
    name: model.meta.name,
    dt,
    decay,
    // the body's own clock: T steps of the positions body; L steps (one per position) of the sequence body
    timesteps: body === 'positions' ? g.timesteps : L,
    encoder: 'direct',
    bits: 1,
    classes: model.meta.classes,
    population: readout.population,
    // NIR's LIF / IF reset to v_reset; snnc's subtractive resets are named here, as for vector models
    resets: Object.fromEntries(lifs.filter((n) => n.reset === 'subtract' && n.spiking !== false).map((n) => [nirOf.get(n.id)!, 'subtract'])),
    text,
  };
  return { version: '1.0.0', graph: { type: 'NIRGraph', params: {}, metadata: { snnc: JSON.stringify(snnc) }, metadataArrays: metaArrays, nodes, edges } };
}

function convParams(t: Float64Array, out: number, inC: number, width: number, L: number): Record<string, NirArray | { shape: number[]; strings: string[] }> {
  return {
    weight: { shape: [out, inC, width], data: t },
    bias: arr(new Float64Array(out)),
    // scalars, as the Python nir package's Conv1d declares them (input_shape: the length N)
    stride: scalar(1),
    padding: { shape: [], strings: ['same'] },
    dilation: scalar(1),
    groups: scalar(1),
    input_shape: scalar(L),
  };
}

// ------------------------------------------------------------------------------- import

const where = (field: string) => `NIR graph metadata/snnc text.${field}`;
const badMeta = (field: string, msg: string): never => fail('SNN_E_HEADER', `${where(field)} ${msg}`, 'the file was edited or damaged; export it again');
const badBody = (msg: string): never => fail('SNN_E_GRAPH', `NIR text model: ${msg}`, 'the body and metadata/snnc text disagree; export it again');

/** Parses and checks the text block (SNN_E_HEADER naming the field). */
export function textBlock(x: unknown): TextBlock {
  const t = check<TextBlock>(validateText, x, 'NIR graph metadata/snnc text', 'SNN_E_HEADER');
  if (!(TOKENIZERS as readonly string[]).includes(t.tokenizer.kind)) badMeta('tokenizer.kind', `is "${t.tokenizer.kind}", a tokenizer this snnc does not know (${TOKENIZERS.join(', ')})`);
  if (t.tokenizer.lowercase !== true) badMeta('tokenizer.lowercase', 'must be true (snnc\'s tokenizers lowercase)');
  if (t.vocab[0] !== '<pad>' || t.vocab[1] !== '<unk>') badMeta('vocab', 'must start with <pad>, <unk>');
  return t;
}

/** Rebuilds the text model from the body and the text block (docs/nir.md "Text models"). */
export function lowerTextNir(
  file: NirFile,
  meta: Record<string, unknown>,
  t: TextBlock,
  o: { dt: number; decay: DecayConvention; name?: string },
): Model {
  const top = file.graph;
  const nodes = top.nodes ?? {};
  const L = t.positions;
  const dt = o.dt;
  const edges = new Set((top.edges ?? []).map(([a, b]) => `${a}\u0000${b}`));
  const hasEdge = (a: string, b: string) => edges.has(`${a}\u0000${b}`);
  const claimed = new Set<string>();
  const nirNode = (id: unknown, field: string, types: string[]): NirNode => {
    if (typeof id !== 'string') return badMeta(field, 'must name a NIR node');
    // every body node stands for one IR node (the Input and Output are checked more than once)
    if (id !== 'input' && id !== 'output') {
      if (claimed.has(id)) badMeta(field, `names NIR node "${id}", which another node of the text block already names`);
      claimed.add(id);
    }
    const n = nodes[id];
    if (!n) return badBody(`${field} names NIR node "${id}", which the graph does not have`);
    if (!types.includes(n.type)) return badBody(`NIR node "${id}" is a ${n.type}, ${field} needs ${types.join(' or ')}`);
    return n;
  };
  const numeric = (n: NirNode, id: string, p: string): NirArray => {
    const v = n.params[p];
    if (!v || isStrings(v)) return badBody(`NIR node "${id}" (${n.type}) misses numeric parameter "${p}"`);
    return v;
  };
  const sk = t.nodes;
  const byId = new Map<string, Skel>();
  const popNir = new Set<string>();
  for (const [i, s] of sk.entries()) {
    if (byId.has(s.id)) badMeta(`nodes[${i}].id`, `repeats "${s.id}"`);
    byId.set(s.id, s);
    // one NIR node per population (synapses are checked as they are read)
    if (s.kind !== 'lif') continue;
    if (popNir.has(String(s.nir))) badMeta(`nodes[${i}].nir`, `names NIR node "${String(s.nir)}", which another node of the text block already names`);
    popNir.add(String(s.nir));
  }
  const nirOfLif = (id: unknown, field: string): string => {
    const s = typeof id === 'string' ? byId.get(id) : undefined;
    if (!s) return badMeta(field, `names "${String(id)}", which is not a node of the text block`);
    if (s.kind === 'lif') return String(s.nir);
    if (s.kind === 'encoder') return 'input';
    return badMeta(field, `names ${s.kind} "${s.id}", not a population or the encoder`);
  };
  const meanFed = new Set(sk.flatMap((s) => (s.kind === 'dense' && s.pool === 'mean-positions' ? [String(s.to)] : [])));
  const emb = sk.find((s) => s.kind === 'embedding');
  if (!emb) return badMeta('nodes', 'has no embedding node');
  const dim = emb.dim as number;
  const table = top.metadataArrays?.[EMBEDDING_ARRAY];
  if (!table) return badMeta('nodes', `names an embedding, but the graph's metadata has no ${EMBEDDING_ARRAY} array`);
  if (table.shape.length !== 2 || table.shape[0] !== t.vocab.length || table.shape[1] !== dim) {
    badBody(`metadata array ${EMBEDDING_ARRAY} has shape [${table.shape}], the vocabulary (${t.vocab.length} words) and embedding dim (${String(dim)}) need [${t.vocab.length}, ${String(dim)}]`);
  }
  const input = nirNode('input', 'input', ['Input']);
  const want = t.body === 'positions' ? [dim, L] : [2 * dim];
  const got = Array.from(numeric(input, 'input', 'shape').data);
  if (got.length !== want.length || got.some((x, i) => x !== want[i])) badBody(`the Input has shape [${got}], the ${t.body} body of an embedding of ${String(dim)} over ${L} positions needs [${want}]`);
  const out: Node[] = [];
  const f32 = (shape: number[], data: Float32Array): FloatTensor => ({ dtype: 'f32', shape, data });
  const exactF32 = (x: number) => Math.fround(x) === x;
  for (const [i, s] of sk.entries()) {
    const field = `nodes[${i}]`;
    const { nir, ...irFields } = s;
    if (s.kind === 'tokens') {
      if (s.maxLen !== L) badMeta(`${field}.maxLen`, `is ${String(s.maxLen)}, text.positions says ${L}`);
      out.push(irFields as unknown as Node);
    } else if (s.kind === 'embedding') {
      for (let k = 0; k < table.data.length; k++) if (!exactF32(table.data[k]) || !(table.data[k] >= 0 && table.data[k] <= 1)) badBody(`metadata array ${EMBEDDING_ARRAY} holds ${table.data[k]} at element ${k}: embedding values are float32 in [0, 1]`);
      out.push({ ...(irFields as unknown as EmbeddingNode), table: f32([t.vocab.length, dim], Float32Array.from(table.data)) });
    } else if (s.kind === 'encoder' || s.kind === 'readout') {
      if (s.kind === 'readout') {
        nirNode('output', 'output', ['Output']);
        const from = nirOfLif(s.from, `${field}.from`);
        if (!hasEdge(from, 'output')) badBody(`the readout reads ${String(s.from)}, but the body has no edge "${from}" -> "output"`);
      }
      out.push(irFields as unknown as Node);
    } else if (s.kind === 'lif') {
      const id = String(nir);
      const spiking = s.spiking !== false;
      const beta = s.beta as number;
      const threshold = s.threshold as number;
      const type = !spiking ? (beta === 1 ? 'I' : 'LI') : beta === 1 ? 'IF' : 'LIF';
      const n = nirNode(nir, `${field}.nir`, [type]);
      const count = (s.channels as number) * (t.body === 'positions' && s.perPosition ? L : 1);
      const r = numeric(n, id, 'r');
      if (r.data.length !== count) badBody(`NIR node "${id}" holds ${r.data.length} neurons, population ${s.id} of the text block ${count}`);
      if (spiking) {
        const th = numeric(n, id, 'v_threshold');
        const wantTh = threshold * (meanFed.has(s.id) ? L : 1);
        for (const x of th.data) if (Math.abs(x - wantTh) > 1e-9 * Math.max(1, Math.abs(wantTh))) badBody(`NIR node "${id}": v_threshold ${x} disagrees with the text block's threshold ${threshold}${meanFed.has(s.id) ? ` x ${L} positions` : ''}`);
      }
      if (beta !== 1) {
        const tau = numeric(n, id, 'tau');
        for (const x of tau.data) {
          const b = o.decay === 'exp' ? Math.exp(-dt / x) : 1 - dt / x;
          if (!(Math.abs(b - beta) <= 1e-9)) badBody(`NIR node "${id}": tau ${x} gives beta ${b}, the text block says ${beta}`);
        }
      }
      if (s.scan !== undefined && n.metadata.snnc_scan !== s.scan) badBody(`NIR node "${id}": metadata snnc_scan is ${String(n.metadata.snnc_scan)}, the text block says ${String(s.scan)}`);
      out.push(irFields as unknown as Node);
    } else if (s.kind === 'conv1d' || s.kind === 'dense') {
      if (!validateRef(nir)) return badMeta(`${field}.nir`, 'must be {node, layout: conv|linear|tiled|half|metadata}');
      const ref = nir as SynapseRef;
      const from = nirOfLif(s.from, `${field}.from`);
      const to = nirOfLif(s.to, `${field}.to`);
      const I = (s.kind === 'conv1d' ? s.inChannels : s.inFeatures) as number;
      const O = (s.kind === 'conv1d' ? s.outChannels : s.outFeatures) as number;
      if (!(Number.isInteger(I) && I > 0 && Number.isInteger(O) && O > 0)) badMeta(field, 'needs positive integer channel counts');
      let w: Float32Array;
      let shape: number[];
      const expectEdges = (a: string, b: string) => {
        if (!hasEdge(a, b)) badBody(`${s.kind} ${s.id}: the body has no edge "${a}" -> "${b}"`);
      };
      if (ref.layout === 'metadata') {
        const a = top.metadataArrays?.[weightArray(s.id)];
        if (!a || a.shape.length !== 2 || a.shape[0] !== I || a.shape[1] !== O) return badBody(`${s.kind} ${s.id}: metadata array ${weightArray(s.id)} missing or not [${I}, ${O}]`);
        w = Float32Array.from(a.data);
        shape = [I, O];
      } else {
        const types = ref.layout === 'conv' ? ['Conv1d'] : ['Linear'];
        const n = nirNode(ref.node, `${field}.nir.node`, types);
        const id = ref.node!;
        const wt = numeric(n, id, 'weight');
        const src = ref.layout === 'tiled' ? ref.flatten! : from;
        if (ref.layout === 'tiled') {
          nirNode(ref.flatten, `${field}.nir.flatten`, ['Flatten']);
          expectEdges(from, ref.flatten!);
        }
        expectEdges(src, id);
        expectEdges(id, to);
        if (ref.layout === 'conv') {
          const W = s.kind === 'conv1d' ? (s.width as number) : 1;
          if (wt.shape.join() !== [O, I, W].join()) badBody(`NIR node "${id}": weight [${wt.shape}], ${s.kind} ${s.id} needs [${O}, ${I}, ${W}]`);
          const pad = n.params.padding;
          if (!isStrings(pad) || pad.strings[0] !== 'same') badBody(`NIR node "${id}": padding must be 'same' (the IR's conv1d)`);
          for (const p of ['stride', 'dilation', 'groups']) {
            const v = n.params[p];
            if (v && (isStrings(v) || Array.from(v.data).some((x) => x !== 1))) badBody(`NIR node "${id}": ${p} must be 1`);
          }
          const b = n.params.bias;
          if (b && (isStrings(b) || Array.from(b.data).some((x) => x !== 0))) badBody(`NIR node "${id}": a nonzero bias has no IR counterpart`);
          w = new Float32Array(W * I * O);
          for (let k = 0; k < W; k++) for (let c = 0; c < I; c++) for (let j = 0; j < O; j++) w[(k * I + c) * O + j] = wt.data[(j * I + c) * W + k];
          shape = s.kind === 'conv1d' ? [W, I, O] : [I, O];
        } else {
          const cols = ref.layout === 'tiled' ? I * L : ref.layout === 'half' ? 2 * dim : I;
          if (wt.shape.join() !== [O, cols].join()) badBody(`NIR node "${id}": weight [${wt.shape}], ${s.kind} ${s.id} needs [${O}, ${cols}]`);
          const off = ref.layout === 'half' ? (ref.offset ?? -1) : 0;
          if (ref.layout === 'half' && !(off === 0 || off === dim)) badMeta(`${field}.nir.offset`, `must be 0 or ${dim}`);
          if (ref.layout === 'half' && I !== dim) badMeta(field, `reads the encoder: inFeatures must be ${dim}`);
          w = new Float32Array(I * O);
          for (let c = 0; c < I; c++)
            for (let j = 0; j < O; j++) {
              const at = ref.layout === 'tiled' ? c * L : off + c;
              w[c * O + j] = wt.data[j * cols + at];
            }
          // the rest of the weight must be what the layout implies: equal at every position, zero in the other half
          for (let j = 0; j < O; j++)
            for (let k = 0; k < cols; k++) {
              const x = wt.data[j * cols + k];
              if (ref.layout === 'tiled' && x !== w[Math.floor(k / L) * O + j]) badBody(`NIR node "${id}": a mean over positions has the same weights at every position; row ${j} column ${k} differs`);
              if (ref.layout === 'half' && (k < off || k >= off + I) && x !== 0) badBody(`NIR node "${id}": row ${j} column ${k} reads the other half of the Input (must be 0)`);
            }
          shape = [I, O];
        }
      }
      out.push({ ...(irFields as unknown as Conv1dNode | DenseNode), weight: f32(shape, w) } as Node);
    } else {
      badMeta(`${field}.kind`, `is ${s.kind}`);
    }
  }
  const classes = Array.isArray(meta.classes) ? (meta.classes as unknown[]).map(String) : [];
  const model: Model = {
    meta: { name: o.name ?? (typeof meta.name === 'string' ? meta.name : 'nir'), family: t.family, classes, ...(t.training ? { training: t.training } : {}) },
    tokenizer: { kind: t.tokenizer.kind, lowercase: true },
    vocab: t.vocab,
    graph: { timesteps: t.timesteps, nodes: out, stage: 'float', passes: [] },
  };
  validateModel(model);
  return model;
}
