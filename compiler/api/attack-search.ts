// The word-substitution attack search of `snnc attack` (compiler/api/attack.ts), independent of
// any model: it sees a sentence as token ids and the model as a batch scoring function (class
// probabilities and labels of many perturbed sentences at once). Two searches:
//
// - PWWS (Ren et al. 2019, "Generating Natural Language Adversarial Examples through Probability
//   Weighted Word Saliency"): for every word the best substitute w* (largest drop of the true
//   class's probability, dP*), the word's saliency S (the drop when the word is deleted), words
//   ordered by softmax(S) x dP*, their best substitutes applied one after another until the
//   label flips.
// - TextFooler (Jin et al. 2020, "Is BERT Really Robust?"): words ordered by deletion importance,
//   greedily: the candidates at the current word (filtered by sentence similarity), the one that
//   flips the label with the highest similarity wins; otherwise the one that lowers the true
//   class's probability most is kept and the search moves on.
//
// Both keep the share of changed words at or below `maxChangeShare` (floor(share x words)),
// never replace a word `replaceable` rejects (stop words, punctuation), and count every sentence
// they ask the model about.

export type AttackKind = 'pwws' | 'textfooler';
export const ATTACK_KINDS: readonly AttackKind[] = ['pwws', 'textfooler'];

/** Class probabilities and labels of a batch of sentences (token ids). */
export interface BatchScores {
  probs: number[][];
  labels: number[];
}
export type BatchScorer = (batch: number[][]) => Promise<BatchScores>;

/** Where substitutes come from (compiler/api/attack.ts: the embedding table's neighbours). */
export interface Candidates {
  /** May this token be replaced at all (false: stop words, punctuation, special tokens). */
  replaceable(id: number): boolean;
  /** Substitutes of a token, most similar first (already thresholded and cut to top-k). */
  of(id: number): readonly number[];
  /**
   * TextFooler's sentence-similarity filter: the similarity of `perturbed` to `original` around
   * `position` (1 = identical). Absent: no filter.
   */
  similarity?(original: readonly number[], perturbed: readonly number[], position: number): number;
}

export interface SearchSettings {
  attack: AttackKind;
  /** At most floor(maxChangeShare x words) words change. */
  maxChangeShare: number;
  /** TextFooler: minimum `Candidates.similarity` of a kept substitution. */
  minSentenceSimilarity?: number;
}

export interface SearchOutcome {
  /** The final sentence (the input when nothing was changed). */
  adversarial: number[];
  /** The model's label on it. */
  label: number;
  /** The attack flipped a correct label (false when the model was wrong to begin with). */
  success: boolean;
  /** Positions that were replaced. */
  changed: number[];
  /** Sentences scored by the search (the original included). */
  queries: number;
}

/** The most words the cap lets change in a sentence of n words. */
export function maxChanges(n: number, share: number): number {
  return Math.max(0, Math.floor(share * n + 1e-9));
}

function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, x) => a + x, 0);
  return e.map((x) => x / s);
}

/**
 * Attacks one sentence the model classifies as `label` (its true label). Returns the sentence
 * unchanged (success false) when the model is already wrong, when no word has a substitute or
 * when the cap allows no change.
 */
export async function searchAdversary(ids: readonly number[], label: number, score: BatchScorer, cands: Candidates, s: SearchSettings): Promise<SearchOutcome> {
  let queries = 0;
  const ask = async (batch: number[][]): Promise<BatchScores> => {
    queries += batch.length;
    return batch.length ? score(batch) : { probs: [], labels: [] };
  };
  const x0 = Array.from(ids);
  const base = await ask([x0]);
  const p0 = base.probs[0];
  const unchanged = (lab: number): SearchOutcome => ({ adversarial: x0, label: lab, success: false, changed: [], queries });
  // already wrong: nothing to attack (not a success)
  if (base.labels[0] !== label) return unchanged(base.labels[0]);
  const n = x0.length;
  const budget = maxChanges(n, s.maxChangeShare);
  // the positions that can change, and their substitutes
  const subs = new Map<number, readonly number[]>();
  for (let i = 0; i < n; i++) {
    if (!cands.replaceable(x0[i])) continue;
    const c = cands.of(x0[i]).filter((w) => w !== x0[i]);
    if (c.length) subs.set(i, c);
  }
  if (budget === 0 || subs.size === 0) return unchanged(label);

  // word importance by deletion (every position: PWWS's softmax runs over all words)
  const deletions = n > 1 ? await ask(x0.map((_, i) => [...x0.slice(0, i), ...x0.slice(i + 1)])) : undefined;
  const drop = (i: number): number => (deletions ? p0[label] - deletions.probs[i][label] : p0[label]);

  if (s.attack === 'pwws') {
    // best substitute of each word, on the original sentence
    const positions = [...subs.keys()];
    const batch: number[][] = [];
    const owner: { pos: number; word: number }[] = [];
    for (const i of positions)
      for (const w of subs.get(i)!) {
        const x = x0.slice();
        x[i] = w;
        batch.push(x);
        owner.push({ pos: i, word: w });
      }
    const r = await ask(batch);
    const best = new Map<number, { word: number; delta: number }>();
    owner.forEach((o, k) => {
      const delta = p0[label] - r.probs[k][label];
      const b = best.get(o.pos);
      if (!b || delta > b.delta) best.set(o.pos, { word: o.word, delta });
    });
    const sal = softmax(x0.map((_, i) => drop(i)));
    const order = positions.map((i) => ({ i, h: sal[i] * best.get(i)!.delta })).sort((a, b) => b.h - a.h || a.i - b.i);
    const x = x0.slice();
    const changed: number[] = [];
    let lab = label;
    for (const { i } of order) {
      if (changed.length >= budget) break;
      x[i] = best.get(i)!.word;
      changed.push(i);
      const q = await ask([x.slice()]);
      lab = q.labels[0];
      if (lab !== label) return { adversarial: x, label: lab, success: true, changed, queries };
    }
    return { adversarial: x, label: lab, success: false, changed, queries };
  }

  // TextFooler
  const importance = (i: number): number => {
    let v = drop(i);
    if (deletions && deletions.labels[i] !== label) {
      const other = deletions.labels[i];
      v += deletions.probs[i][other] - p0[other];
    }
    return v;
  };
  const order = [...subs.keys()].map((i) => ({ i, v: importance(i) })).sort((a, b) => b.v - a.v || a.i - b.i);
  const x = x0.slice();
  let pCur = p0[label];
  let lab = label;
  const changed: number[] = [];
  for (const { i } of order) {
    if (changed.length >= budget) break;
    let tries = subs.get(i)!.map((w) => {
      const y = x.slice();
      y[i] = w;
      return y;
    });
    let sims = tries.map((y) => (cands.similarity ? cands.similarity(x0, y, i) : 1));
    if (cands.similarity && s.minSentenceSimilarity !== undefined) {
      const keep = sims.map((v) => v >= s.minSentenceSimilarity!);
      tries = tries.filter((_, k) => keep[k]);
      sims = sims.filter((_, k) => keep[k]);
    }
    if (!tries.length) continue;
    const r = await ask(tries);
    let flip = -1;
    r.labels.forEach((l, k) => {
      if (l !== label && (flip < 0 || sims[k] > sims[flip])) flip = k;
    });
    if (flip >= 0) {
      changed.push(i);
      return { adversarial: tries[flip], label: r.labels[flip], success: true, changed, queries };
    }
    let low = 0;
    r.probs.forEach((p, k) => {
      if (p[label] < r.probs[low][label]) low = k;
    });
    if (r.probs[low][label] < pCur) {
      x[i] = tries[low][i];
      pCur = r.probs[low][label];
      lab = r.labels[low];
      changed.push(i);
    }
  }
  return { adversarial: x, label: lab, success: false, changed, queries };
}

/**
 * McNemar's exact test (two-sided binomial on the discordant pairs): `b` sentences only the first
 * model gets right, `c` only the second. p = 1 when there is no discordant pair.
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // sum_{i<=k} C(n,i) / 2^n, in logs
  let logC = 0; // log C(n, 0)
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    sum += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * sum);
}
