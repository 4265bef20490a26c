// The accuracy bench's seeds: mean +- sample std of the headline rows, and which cached units are
// current (a unit whose recipe changed runs again; the pre-seed cache is migrated, its max-pooled
// int8 bi-SNN rows counted stale).

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCurrent, loadPartial, summarize, type ResultRow } from '../../bench/accuracy.js';

const row = (dataset: string, family: ResultRow['family'], stage: string, accuracy: number, seed: number, extra: Partial<ResultRow> = {}): ResultRow => ({
  dataset,
  family,
  stage,
  accuracy,
  agreement: stage === 'integer' ? 0.99 : null,
  ops: null,
  energy_ratio: null,
  seed,
  ...extra,
});

describe('bench:accuracy seeds', () => {
  it('summarize: mean and sample std per data set and headline row, over the seeds present', () => {
    const acc = [0.81, 0.83, 0.86];
    const rows = [
      ...acc.map((a, i) => row('sst2', 'textcnn', 'integer', a, i + 1)),
      row('sst2', 'textcnn', 'converted', 0.5, 1),
      row('trec', 'bisnn', 'integer', 0.9, 2),
      row('trec', 'mlp', 'integer', 0.7, 1, { encoder: 'rate', timesteps: 50 }),
      row('trec', 'mlp', 'integer', 0.1, 1, { encoder: 'binary', timesteps: 50 }),
    ];
    const s = summarize(rows);
    const t = s.find((x) => x.dataset === 'sst2' && x.family === 'textcnn' && x.stage === 'integer')!;
    const mean = (0.81 + 0.83 + 0.86) / 3;
    expect(t.mean).toBeCloseTo(mean, 12);
    expect(t.std).toBeCloseTo(Math.sqrt(((0.81 - mean) ** 2 + (0.83 - mean) ** 2 + (0.86 - mean) ** 2) / 2), 12);
    expect(t.seeds).toEqual([1, 2, 3]);
    expect(t.agreement_mean).toBeCloseTo(0.99, 12);
    // not a headline stage
    expect(s.some((x) => x.stage === 'converted')).toBe(false);
    // one seed: no std
    expect(s.find((x) => x.dataset === 'trec' && x.family === 'bisnn')).toMatchObject({ mean: 0.9, std: null, seeds: [2] });
    // the MLP headline is the rate encoder at T=50 only
    expect(s.find((x) => x.dataset === 'trec' && x.family === 'mlp')!.mean).toBe(0.7);
  });

  it('migrates the pre-seed cache as seed 1: textcnn and mlp units current, max-pooled bi-SNN units stale', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snnc-acc-'));
    const path = join(dir, 'accuracy.partial.json');
    const rows = [row('trec', 'textcnn', 'integer', 0.8, 1)];
    writeFileSync(path, JSON.stringify({ done: { 'trec:textcnn': rows, 'trec:bisnn': rows, 'nosuch:mlp': rows }, seconds: { 'trec:textcnn': 1, 'trec:bisnn': 2, 'nosuch:mlp': 3 } }));
    const p = loadPartial(path, false);
    expect(Object.keys(p.done).sort()).toEqual(['nosuch:mlp:s1', 'trec:bisnn:s1', 'trec:textcnn:s1']);
    expect(p.done['trec:textcnn:s1'][0].seed).toBe(1);
    expect(isCurrent(p, 'trec:textcnn:s1')).toBe(true);
    expect(isCurrent(p, 'trec:bisnn:s1')).toBe(false);
    expect(isCurrent(p, 'nosuch:mlp:s1')).toBe(false);
    expect(isCurrent(p, 'trec:textcnn:s2')).toBe(false);
    // a recipe recorded by another plan (e.g. a --smoke run) is stale
    p.recipes['trec:textcnn:s1'] = p.recipes['trec:textcnn:s1'].replace('"epochs":6', '"epochs":1');
    expect(isCurrent(p, 'trec:textcnn:s1')).toBe(false);
    // --fresh ignores the cache
    expect(loadPartial(path, true).done).toEqual({});
  });
});
