// The shipped Uno-configuration model: it fits the Arduino Uno's budget as the README says,
// and as integers it classifies held-out SST-2 sentences well above chance.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../compiler/api.js';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { emitC } from '../../compiler/backends/c/index.js';
import { loadTarget } from '../../targets/index.js';
import { simulate } from '../../runtime/reference.js';
import { Vocab, textToIds } from '../../runtime/tokenizer.js';
import { loadDataset } from '../../compiler/data/index.js';

describe('examples/uno', () => {
  it('fits the arduino-uno budget and scores well above chance on 400 SST-2 test sentences', () => {
    const model = readModelFile(join(PACKAGE_ROOT, 'examples', 'uno', 'model.snn'));
    const target = loadTarget('arduino-uno');
    const cfg = target.defaultModel!;
    const tokens = model.graph.nodes.find((n) => n.kind === 'tokens');
    expect(tokens && tokens.kind === 'tokens' ? tokens.maxLen : 0).toBe(cfg.maxLen);
    expect(model.graph.timesteps).toBe(cfg.timesteps);
    const graph = runPipeline(model.graph, { weightBits: 8, prune: 0, layout: 'auto' }).graph;
    const c = emitC(graph, target, { mode: 'spikes', name: model.meta.name });
    expect(c.budget.fits).toBe(true);
    expect(c.budget.ramBytes).toBeLessThanOrEqual(2048);
    const vocab = new Vocab(model.vocab!);
    const test = loadDataset('sst2').test.slice(0, 400);
    let ok = 0;
    for (const ex of test) {
      if (simulate(graph, { tokens: textToIds(ex.text, vocab, cfg.maxLen) }).label === ex.label) ok++;
    }
    // bench/results/uno.json: 77.16% on all 1,821 test sentences
    expect(ok / test.length).toBeGreaterThan(0.7);
  }, 120_000);
});
