// `snnc attack`: black-box synonym-substitution attacks (PWWS, TextFooler; the search is
// compiler/api/attack-search.ts) on the three networks of a TextCNN model - the tailored ANN
// and the float SNN (TF.js, the trainer's code paths) and the compiled integer SNN (WebAssembly,
// bit-exact with runtime/reference.ts) - on the same seeded sample of sentences. Substitutes are
// the nearest neighbours of a word in the model's own embedding table (cosine of the
// mean-centred rows, at least --min-similarity, at most --top-k), stop words and punctuation are
// never replaced, at most --max-change of a sentence's words change. docs/robustness.md.

import { basename } from 'node:path';
import type { Model } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { loadEvalData, tableOptionsOf, type DataFileFlags } from '../data/user-data.js';
import { mulberry32, shuffled } from '../data/prng.js';
import { progress, status } from '../progress.js';
import type { ScheduleChoice } from '../passes/schedule.js';
import { maxLenOf, pct, readModelOrNir, safeIds, vocabOf } from './shared.js';
import { compileToHost } from './eval.js';
import { ATTACK_KINDS, mcnemarExact, searchAdversary, type AttackKind, type BatchScorer, type BatchScores, type Candidates } from './attack-search.js';

export { ATTACK_KINDS, mcnemarExact, searchAdversary, maxChanges, type AttackKind, type BatchScorer, type BatchScores, type Candidates, type SearchOutcome, type SearchSettings } from './attack-search.js';

/** The networks an attack runs on: tailored ANN, float SNN, compiled integer SNN. */
export type AttackSubject = 'ann' | 'snn' | 'int';
export const ATTACK_SUBJECTS: readonly AttackSubject[] = ['ann', 'snn', 'int'];
const SUBJECT_NAMES: Record<AttackSubject, string> = { ann: 'tailored ANN (TF.js)', snn: 'spiking, float (TF.js)', int: 'spiking, integer (wasm)' };

export const ATTACK_DEFAULTS = { limit: 100, seed: 1, topK: 20, minSimilarity: 0.5, maxChange: 0.25, sentenceSimilarity: 0.8 } as const;

export interface AttackOptions extends DataFileFlags {
  data?: string;
  dataDir?: string;
  attack?: string;
  /** Sentences in the seeded sample. */
  limit?: number;
  seed?: number;
  topK?: number;
  minSimilarity?: number;
  /** Share of a sentence's words that may change (0..1). */
  maxChange?: number;
  /** TextFooler's sentence-similarity floor (window cosine of mean embeddings). */
  sentenceSimilarity?: number;
  /** Which networks: a comma list of ann, snn, int (default all three). */
  models?: string;
  schedule?: ScheduleChoice;
  backend?: string;
  /** Adversarial examples to keep per network in the outcome (default 3). */
  examples?: number;
}

export interface SubjectResult {
  subject: AttackSubject;
  name: string;
  sentences: number;
  /** Correct before the attack (the sentences attacked). */
  correct: number;
  /** Attacks that flipped a correct label. */
  succeeded: number;
  cleanAccuracy: number;
  attackedAccuracy: number;
  /** succeeded / correct. */
  successRate: number;
  /** Mean share of words changed in the successful attacks. */
  meanChangedShare: number;
  meanQueries: number;
  seconds: number;
  /** Per sampled sentence: correct under attack (for the paired tests). */
  correctAfter: boolean[];
  examples: { text: string; adversarial: string; label: string; now: string }[];
}

export interface PairedTest {
  a: AttackSubject;
  b: AttackSubject;
  bothCorrect: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  /** McNemar's exact test, two-sided. */
  pValue: number;
}

export interface AttackOutcome {
  text: string;
  model: string;
  dataset: string;
  attack: AttackKind;
  settings: { limit: number; seed: number; topK: number; minSimilarity: number; maxChange: number; sentenceSimilarity?: number; timesteps: number };
  sentences: number;
  results: SubjectResult[];
  paired: PairedTest[];
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < 1) fail('SNN_E_USAGE', `${name} must be a positive integer, got ${x}`);
  return x;
}

function inRange(name: string, v: number | undefined, dflt: number, lo: number, hi: number): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < lo || x > hi) fail('SNN_E_USAGE', `${name} must be a number in [${lo}, ${hi}], got ${x}`);
  return x;
}

export function attackKind(s: string | undefined): AttackKind {
  const a = s ?? 'pwws';
  if (!(ATTACK_KINDS as readonly string[]).includes(a)) fail('SNN_E_USAGE', `unknown attack "${a}"`, `use one of ${ATTACK_KINDS.join(', ')}`);
  return a as AttackKind;
}

function subjectsOf(s: string | undefined): AttackSubject[] {
  if (s === undefined) return [...ATTACK_SUBJECTS];
  const xs = s.split(',').map((x) => x.trim()).filter(Boolean);
  if (!xs.length) fail('SNN_E_USAGE', '--models names no network', `use a comma list of ${ATTACK_SUBJECTS.join(', ')}`);
  for (const x of xs) if (!(ATTACK_SUBJECTS as readonly string[]).includes(x)) fail('SNN_E_USAGE', `unknown network "${x}" in --models`, `use a comma list of ${ATTACK_SUBJECTS.join(', ')}`);
  return ATTACK_SUBJECTS.filter((x) => xs.includes(x));
}

// NLTK's English stop words (as TextFooler keeps them) plus the tokenizer's contraction pieces
const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself yourselves he him his himself she she's her hers herself it it's its itself they them their theirs themselves " +
    "what which who whom this that that'll these those am is are was were be been being have has had having do does did doing a an the and but if or because as until while of at by for with about " +
    'against between into through during before after above below to from up down in out on off over under again further then once here there when where why how all any both each few more most other ' +
    "some such no nor not only own same so than too very s t can will just don don't should should've now d ll m o re ve y ain aren aren't couldn couldn't didn didn't doesn doesn't hadn hadn't hasn hasn't " +
    "haven haven't isn isn't ma mightn mightn't mustn mustn't needn needn't shan shan't shouldn shouldn't wasn wasn't weren weren't won won't wouldn wouldn't n't 's 're 've 'll 'd 'm"
  ).split(/\s+/),
);

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word.toLowerCase());
}

/** A word the attacks may replace or insert: letters (with inner ' or -), not a stop word. */
function isWord(w: string | undefined): boolean {
  return w !== undefined && /^\p{L}[\p{L}'-]*$/u.test(w) && !isStopWord(w);
}

/**
 * Substitutes from a model's embedding table: the rows are mean-centred (the trainer shifts
 * GloVe to non-negative values, which would make every cosine large; centring undoes a
 * per-dimension shift) and normalized; a word's substitutes are the `topK` most cosine-similar
 * words at or above `minSimilarity`. TextFooler's sentence similarity is the cosine of the mean
 * centred embedding of a 15-word window around the change, original vs perturbed.
 */
export function embeddingCandidates(model: Model, o: { topK: number; minSimilarity: number }): Candidates {
  const emb = model.graph.nodes.find((n) => n.kind === 'embedding');
  if (!emb || emb.kind !== 'embedding' || !emb.table) fail('SNN_E_USAGE', 'the model has no float embedding table to draw substitutes from', 'attack a .snn TextCNN model');
  const words = model.vocab;
  if (!words) fail('SNN_E_USAGE', 'the model has no vocabulary');
  const V = emb.vocab;
  const D = emb.dim;
  const src = emb.table.data;
  const mean = new Float64Array(D);
  for (let i = 0; i < V; i++) for (let d = 0; d < D; d++) mean[d] += src[i * D + d];
  for (let d = 0; d < D; d++) mean[d] /= V;
  const unit = new Float32Array(V * D);
  const centred = new Float32Array(V * D);
  for (let i = 0; i < V; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      const x = src[i * D + d] - mean[d];
      centred[i * D + d] = x;
      s += x * x;
    }
    const r = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < D; d++) unit[i * D + d] = centred[i * D + d] * r;
  }
  const ok = words.map((w) => isWord(w));
  const cache = new Map<number, number[]>();
  const of = (id: number): number[] => {
    const hit = cache.get(id);
    if (hit) return hit;
    const out: { j: number; c: number }[] = [];
    if (id >= 0 && id < V && ok[id]) {
      const q = id * D;
      for (let j = 0; j < V; j++) {
        if (j === id || !ok[j]) continue;
        let c = 0;
        const r = j * D;
        for (let d = 0; d < D; d++) c += unit[q + d] * unit[r + d];
        if (c >= o.minSimilarity) out.push({ j, c });
      }
      out.sort((a, b) => b.c - a.c || a.j - b.j);
    }
    const ids = out.slice(0, o.topK).map((x) => x.j);
    cache.set(id, ids);
    return ids;
  };
  const windowMean = (x: readonly number[], lo: number, hi: number): Float64Array => {
    const m = new Float64Array(D);
    for (let p = lo; p < hi; p++) for (let d = 0; d < D; d++) m[d] += centred[x[p] * D + d];
    return m;
  };
  return {
    replaceable: (id) => id >= 0 && id < V && ok[id],
    of,
    similarity(a, b, pos) {
      const lo = Math.max(0, pos - 7);
      const hi = Math.min(a.length, pos + 8);
      const u = windowMean(a, lo, hi);
      const v = windowMean(b, lo, hi);
      let uv = 0;
      let uu = 0;
      let vv = 0;
      for (let d = 0; d < D; d++) {
        uv += u[d] * v[d];
        uu += u[d] * u[d];
        vv += v[d] * v[d];
      }
      return uu > 0 && vv > 0 ? uv / Math.sqrt(uu * vv) : 1;
    },
  };
}

/** Softmax of per-class rates (ANN: pooled activations in threshold units; SNN: spikes per neuron per step). */
function probsOf(rates: ArrayLike<number>): number[] {
  const xs = Array.from(rates);
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, x) => a + x, 0);
  return e.map((x) => x / s);
}

function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < xs.length; k++) if (xs[k] > xs[best]) best = k;
  return best;
}

/** Memoizes a scorer by sentence (the searches ask about the same sentence more than once). */
function cached(f: BatchScorer): BatchScorer {
  const memo = new Map<string, { p: number[]; l: number }>();
  return async (batch) => {
    const keys = batch.map((x) => x.join(','));
    const todo: number[] = [];
    keys.forEach((k, i) => {
      if (!memo.has(k) && !todo.some((j) => keys[j] === k)) todo.push(i);
    });
    if (todo.length) {
      const r = await f(todo.map((i) => batch[i]));
      todo.forEach((i, k) => memo.set(keys[i], { p: r.probs[k], l: r.labels[k] }));
    }
    if (memo.size > 200_000) memo.clear();
    const got = keys.map((k) => memo.get(k)!);
    return { probs: got.map((g) => g.p), labels: got.map((g) => g.l) };
  };
}

/**
 * Batch scorers of a TextCNN model's three networks. All three report per-class rates on one
 * scale (the converted SNN's spikes per output neuron per step approximate the ANN's pooled
 * activation in threshold units), mapped to probabilities by the same softmax.
 */
export async function textCnnScorers(model: Model, subjects: readonly AttackSubject[], o: { schedule?: ScheduleChoice; backend?: string } = {}): Promise<{ scorers: Partial<Record<AttackSubject, BatchScorer>>; dispose: () => void }> {
  if (model.meta.family !== 'textcnn') fail('SNN_E_USAGE', `attack runs on TextCNN models; this one is a ${model.meta.family} model`);
  const readout = model.graph.nodes.find((n) => n.kind === 'readout');
  const population = readout && readout.kind === 'readout' ? readout.population : 1;
  const T = model.graph.timesteps;
  const scorers: Partial<Record<AttackSubject, BatchScorer>> = {};
  let dispose = (): void => {};
  if (subjects.includes('ann') || subjects.includes('snn')) {
    const t = await import('../train/index.js');
    await t.initBackend((o.backend ?? 'auto') as never);
    const consts = t.textCnnTensors(model.graph);
    dispose = () => consts.dispose();
    const inChunks = async (batch: number[][], f: (part: number[][]) => { probs: number[][]; labels: number[] }, size: number): Promise<BatchScores> => {
      // length-sorted chunks: less padding
      const order = batch.map((_, i) => i).sort((a, b) => batch[a].length - batch[b].length);
      const probs = new Array<number[]>(batch.length);
      const labels = new Array<number>(batch.length);
      for (let i = 0; i < order.length; i += size) {
        const part = order.slice(i, i + size);
        const r = f(part.map((j) => batch[j]));
        part.forEach((j, k) => ((probs[j] = r.probs[k]), (labels[j] = r.labels[k])));
      }
      return { probs, labels };
    };
    if (subjects.includes('ann'))
      scorers.ann = cached(async (batch) =>
        inChunks(batch, (part) => {
          const out = t.annForward(model, part, consts);
          return { probs: out.map((l) => probsOf(l)), labels: out.map((l) => argmax(l)) };
        }, 256),
      );
    if (subjects.includes('snn'))
      scorers.snn = cached(async (batch) =>
        inChunks(batch, (part) => {
          const r = t.simulateBatch(model.graph, part, consts);
          return { probs: r.scores.map((sc) => probsOf(sc.map((c) => c / (population * T)))), labels: r.labels };
        }, 64),
      );
  }
  if (subjects.includes('int')) {
    const { host } = await compileToHost(model, { schedule: o.schedule });
    scorers.int = cached(async (batch) => {
      const probs: number[][] = [];
      const labels: number[] = [];
      for (const x of batch) {
        const r = host.infer({ tokens: x });
        probs.push(probsOf(r.scores.map((c) => c / (population * T))));
        labels.push(r.label);
      }
      return { probs, labels };
    });
  }
  return { scorers, dispose };
}

/** `snnc attack <model>`. */
export async function attack(path: string, o: AttackOptions = {}): Promise<AttackOutcome> {
  const kind = attackKind(o.attack);
  const limit = positiveInt('--limit', o.limit, ATTACK_DEFAULTS.limit);
  const seed = o.seed ?? ATTACK_DEFAULTS.seed;
  if (!Number.isInteger(seed)) fail('SNN_E_USAGE', `--seed must be an integer, got ${seed}`);
  const topK = positiveInt('--top-k', o.topK, ATTACK_DEFAULTS.topK);
  const minSimilarity = inRange('--min-similarity', o.minSimilarity, ATTACK_DEFAULTS.minSimilarity, -1, 1);
  const maxChange = inRange('--max-change', o.maxChange, ATTACK_DEFAULTS.maxChange, 0, 1);
  const sentenceSimilarity = inRange('--sentence-similarity', o.sentenceSimilarity, ATTACK_DEFAULTS.sentenceSimilarity, -1, 1);
  const keep = o.examples ?? 3;
  const subjects = subjectsOf(o.models);
  if (/\.(wasm|c|h)$/.test(path)) fail('SNN_E_USAGE', `${basename(path)} is a compiled artifact; attack needs the .snn model (its ANN, float SNN and embedding table)`, `snnc attack model.snn --data ...`);
  const model = await readModelOrNir(path);
  if (model.meta.family !== 'textcnn') fail('SNN_E_USAGE', `attack runs on TextCNN models; ${basename(path)} is a ${model.meta.family} model`);
  if (!model.vocab) fail('SNN_E_USAGE', `${basename(path)} has no vocabulary`);
  const spec = o.data ?? 'sst2:test';
  const split = await loadEvalData(spec, { ...tableOptionsOf(o), dataDir: o.dataDir, classes: model.meta.classes });
  const vocab = vocabOf(model.vocab, model.tokenizer);
  const maxLen = maxLenOf(model.graph);
  const sample: { ids: number[]; label: number; text: string }[] = [];
  for (const ex of shuffled(split.examples, mulberry32(seed))) {
    if (sample.length >= limit) break;
    const ids = safeIds(ex.text, vocab, maxLen);
    if (ids && ids.length) sample.push({ ids, label: ex.label, text: ex.text });
  }
  if (!sample.length) fail('SNN_E_DATA', `${spec}: no sentence to attack (${split.examples.length} examples${split.examples.length ? ', none with a token the model knows' : ''})`, 'attack on a file with labelled texts');

  const st = status(`attack: preparing ${subjects.join(', ')} of ${basename(path)}`);
  const cands = embeddingCandidates(model, { topK, minSimilarity });
  const { scorers, dispose } = await textCnnScorers(model, subjects, { schedule: o.schedule, backend: o.backend });
  st.done();
  const words = (ids: number[]): string => ids.map((i) => model.vocab![i]).join(' ');
  const results: SubjectResult[] = [];
  try {
    for (const subj of subjects) {
      const score = scorers[subj]!;
      const t0 = performance.now();
      const clean = await score(sample.map((s) => s.ids));
      const correctAfter: boolean[] = [];
      let correct = 0;
      let succeeded = 0;
      let changedShare = 0;
      let queries = 0;
      const examples: SubjectResult['examples'] = [];
      const bar = progress(`attack (${kind}, ${subj})`, sample.length);
      for (let i = 0; i < sample.length; i++) {
        const s = sample[i];
        if (clean.labels[i] !== s.label) {
          correctAfter.push(false);
          bar.tick();
          continue;
        }
        correct++;
        const r = await searchAdversary(s.ids, s.label, score, cands, { attack: kind, maxChangeShare: maxChange, minSentenceSimilarity: sentenceSimilarity });
        queries += r.queries;
        correctAfter.push(!r.success);
        if (r.success) {
          succeeded++;
          changedShare += r.changed.length / s.ids.length;
          if (examples.length < keep) examples.push({ text: words(s.ids), adversarial: words(r.adversarial), label: model.meta.classes[s.label], now: model.meta.classes[r.label] });
        }
        bar.tick();
      }
      bar.stop();
      const N = sample.length;
      results.push({
        subject: subj,
        name: SUBJECT_NAMES[subj],
        sentences: N,
        correct,
        succeeded,
        cleanAccuracy: correct / N,
        attackedAccuracy: correctAfter.filter(Boolean).length / N,
        successRate: correct ? succeeded / correct : 0,
        meanChangedShare: succeeded ? changedShare / succeeded : 0,
        meanQueries: correct ? queries / correct : 0,
        seconds: (performance.now() - t0) / 1000,
        correctAfter,
        examples,
      });
    }
  } finally {
    dispose();
  }
  const paired: PairedTest[] = [];
  const by = (s: AttackSubject) => results.find((r) => r.subject === s);
  for (const [a, b] of [['ann', 'int'], ['ann', 'snn'], ['snn', 'int']] as [AttackSubject, AttackSubject][]) {
    const ra = by(a);
    const rb = by(b);
    if (!ra || !rb) continue;
    let both = 0;
    let onlyA = 0;
    let onlyB = 0;
    let neither = 0;
    ra.correctAfter.forEach((x, i) => {
      const y = rb.correctAfter[i];
      if (x && y) both++;
      else if (x) onlyA++;
      else if (y) onlyB++;
      else neither++;
    });
    paired.push({ a, b, bothCorrect: both, onlyA, onlyB, neither, pValue: mcnemarExact(onlyA, onlyB) });
  }
  const out: AttackOutcome = {
    text: '',
    model: basename(path),
    dataset: spec,
    attack: kind,
    settings: { limit, seed, topK, minSimilarity, maxChange, ...(kind === 'textfooler' ? { sentenceSimilarity } : {}), timesteps: model.graph.timesteps },
    sentences: sample.length,
    results,
    paired,
  };
  const lines = [
    `${spec}: ${kind} on ${sample.length} sampled sentences (seed ${seed}); substitutes: top ${topK} embedding neighbours with cosine >= ${minSimilarity}, at most ${Math.round(100 * maxChange)}% of the words${kind === 'textfooler' ? `, window similarity >= ${sentenceSimilarity}` : ''}`,
    `  ${'network'.padEnd(26)} ${'clean'.padStart(8)} ${'attacked'.padStart(9)} ${'success'.padStart(8)}  changed  queries`,
    ...results.map(
      (r) =>
        `  ${r.name.padEnd(26)} ${pct(r.cleanAccuracy).padStart(8)} ${pct(r.attackedAccuracy).padStart(9)} ${pct(r.successRate).padStart(8)}  ${pct(r.meanChangedShare).padStart(7)}  ${Math.round(r.meanQueries).toString().padStart(7)}`,
    ),
    ...paired.map((p) => `  ${p.a} vs ${p.b} under attack: ${p.onlyA} only ${p.a} right, ${p.onlyB} only ${p.b} right; McNemar exact p = ${p.pValue.toFixed(3)}`),
    ...results.flatMap((r) => r.examples.map((e) => `  ${r.subject}: "${e.text}" -> "${e.adversarial}" (${e.label} -> ${e.now})`)),
  ];
  out.text = lines.join('\n');
  return out;
}
