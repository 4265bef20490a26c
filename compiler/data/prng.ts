// Seeded randomness for data splits: mulberry32 (core/prng.ts; a 2^32 period is enough for
// shuffling) and Fisher-Yates. Same seed, same split, on every machine and Node version.

import { mulberry32 } from '../../core/prng.js';

export { mulberry32 };

/** Fisher-Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rng: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * Split into (rest, held) with `held` ~= fraction of each class (stratified: per-class
 * shuffles, so class balance survives the split). Order inside each part: shuffled.
 * `count`, if given, fixes the exact size of `held` instead of the fraction.
 */
export function stratifiedSplit<T extends { label: number }>(
  items: readonly T[],
  opts: { seed: number; fraction?: number; count?: number },
): { rest: T[]; held: T[] } {
  const rng = mulberry32(opts.seed);
  const byClass = new Map<number, T[]>();
  for (const it of items) {
    const list = byClass.get(it.label);
    if (list) list.push(it);
    else byClass.set(it.label, [it]);
  }
  const labels = [...byClass.keys()].sort((a, b) => a - b);
  const total = items.length;
  const want = opts.count ?? Math.round(total * (opts.fraction ?? 0.1));
  // Largest-remainder allocation so per-class quotas sum exactly to `want`.
  const quotas = labels.map((l) => (want * (byClass.get(l) as T[]).length) / Math.max(total, 1));
  const take = quotas.map(Math.floor);
  let left = want - take.reduce((s, x) => s + x, 0);
  const order = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    take[i]++;
    left--;
  }
  const rest: T[] = [];
  const held: T[] = [];
  labels.forEach((l, i) => {
    const s = shuffled(byClass.get(l) as T[], rng);
    held.push(...s.slice(0, take[i]));
    rest.push(...s.slice(take[i]));
  });
  return { rest: shuffled(rest, rng), held: shuffled(held, rng) };
}
