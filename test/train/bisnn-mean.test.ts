// Mean pooling for the bi-SNN family (`pool: 'mean'`, compiler/train/bisnn.ts): the pooling op's
// value and gradient, a short run on real SST-2 sentences that learns and saves a graph with a
// `mean-positions` classifier, whose float simulation gives the TF.js labels and whose compiled
// integer model (int16 weights, the bisnn default) runs bit-exact on WASM against the reference
// simulator; the option and the default weight width are checked at every entry point.

import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../compiler/train/backend.js';
import { prepareData } from '../../compiler/train/prepare.js';
import { bisnnFromCli, checkBisnnOptions, meanOverPositions, predictBisnnModel, rejectBisnnOptions, trainBisnn, viewBisnn, type BisnnResult } from '../../compiler/train/bisnn.js';
import type { PreparedData } from '../../compiler/train/trainer.js';
import { simulate } from '../../runtime/reference.js';
import { evaluateInteger } from '../../compiler/api/evaluate-integer.js';
import { compileModel } from '../../compiler/api/compile.js';
import { defaultWeightBits } from '../../compiler/passes/weight-bits.js';
import { COMMANDS } from '../../compiler/cli/index.js';
import { isSnncError } from '../../core/errors.js';
import { tinyBisnn } from '../helpers/tiny-bisnn.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';

let data: PreparedData;
let run: BisnnResult;

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'ok';
  } catch (e) {
    return isSnncError(e) ? e.code : String(e);
  }
}

beforeAll(async () => {
  await initBackend();
  data = await prepareData('sst2', { limits: { train: 800, dev: 150, test: 150 } });
}, 600_000);

describe('mean over positions', () => {
  it('is the spike count / n over real positions; dy / n reaches every real position and none of the padding', () => {
    // L = 3, B = 2 (lengths 3 and 2), C = 2; time-major [p][b][c]
    const S = tf.tensor3d([0, 1, 1, 0, /* p1 */ 1, 1, 0, 0, /* p2 */ 0, 1, 1, 1], [3, 2, 2]);
    const n = [3, 2];
    const m = Array.from(meanOverPositions(S, n).dataSync());
    [1 / 3, 1, 0.5, 0].forEach((x, i) => expect(m[i]).toBeCloseTo(x, 6)); // (b1, c1) spikes only in the padding
    const g = Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(meanOverPositions(x as tf.Tensor3D, n), tf.tensor2d([3, 6, 2, 4], [2, 2]))))(S).dataSync());
    expect(g).toEqual([1, 2, 1, 2, /* p1 */ 1, 2, 1, 2, /* p2 */ 1, 2, 0, 0]);
  });
});

describe('bi-SNN with mean pooling on SST-2', () => {
  it('learns, and saves a mean-positions classifier that the reference simulator (float) follows', async () => {
    const t0 = performance.now();
    run = await trainBisnn({ data, quiet: true, seed: 5, pool: 'mean', epochs: 2, layers: 2, hidden: 16, batch: 32, maxLen: 32, lr: 3e-3, embeddingLr: 3e-3, lrDecay: 1, skipFloatEval: false });
    const m = run.metrics;
    console.log(`bisnn mean pooling, 2 x 2 x 16 on 800 SST-2 sentences, 2 epochs (${((performance.now() - t0) / 1000).toFixed(0)} s): dev ${m.history.map((h) => h.devAcc.toFixed(3)).join(' ')}; test TF.js ${m.testTfjs?.toFixed(3)}, float SNN ${m.testFloat?.toFixed(3)}, agreement ${m.floatTfjsAgreement?.toFixed(4)}`);
    expect(m.devTfjs).toBeGreaterThan(0.58);
    expect(m.testFloat!).toBeGreaterThan(0.58);
    expect(m.floatTfjsAgreement!).toBeGreaterThanOrEqual(0.95);
    const pools = run.model.graph.nodes.filter((n) => n.kind === 'dense' && n.to === 'out').map((n) => (n.kind === 'dense' ? n.pool : undefined));
    expect(pools).toEqual(['mean-positions', 'mean-positions']);
    expect(run.model.meta.training?.options).toMatchObject({ pool: 'mean' });
    // the view reads the pooling back, so predictBisnnModel runs the network that was trained
    expect(viewBisnn(run.model.graph).scan.pool).toBe('mean');
    const held = data.test.map((x) => x.ids);
    const tfjs = (await predictBisnnModel(run.model, held)).labels;
    const float = held.map((ids) => simulate(run.model.graph, { tokens: ids }, 'float').label);
    expect(float.filter((l, i) => l === tfjs[i]).length / held.length).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('compiles with int16 weights by default, and the WASM artifact is bit-exact with the reference simulator', async () => {
    expect(defaultWeightBits(run.model)).toBe(16);
    const inputs = data.test.map((x) => ({ tokens: Array.from(x.ids.slice(0, 32)) }));
    const ev = await evaluateInteger(run.model, inputs, { bitexact: inputs.length });
    expect(ev.bitexact).toEqual({ checked: inputs.length, equal: inputs.length });
    const float = inputs.map((x) => simulate(run.model.graph, x, 'float').label);
    const agree = ev.labels.filter((l, i) => l === float[i]).length / inputs.length;
    console.log(`bisnn mean pooling, int16: integer vs float agreement ${agree.toFixed(4)} on ${inputs.length} test sentences`);
    expect(agree).toBeGreaterThanOrEqual(0.95);
    // `snnc compile` lowers it the same way: every weight int16, the pooled synapses included
    const { pipe } = await compileModel(run.model);
    const dense = pipe.graph.nodes.filter((n) => n.kind === 'dense');
    expect(dense.length).toBeGreaterThan(0);
    for (const d of dense) expect(d.kind === 'dense' && d.weight.dtype === 'int' ? d.weight.fmt.bits : 0).toBe(16);
    // an explicit width still wins
    const { pipe: p8 } = await compileModel(run.model, { weightBits: 8 });
    for (const d of p8.graph.nodes) if (d.kind === 'dense' && d.weight.dtype === 'int') expect(d.weight.fmt.bits).toBe(8);
  }, 120_000);
});

describe('the pool option and the default weight width', () => {
  it('bad or misplaced --pool fails with SNN_E_USAGE before any training; the train command offers max and mean', async () => {
    expect(await code(() => checkBisnnOptions({ pool: 'avg' as never }))).toBe('SNN_E_USAGE');
    expect(await code(() => checkBisnnOptions({ pool: 'mean' }))).toBe('ok');
    expect(await code(bisnnFromCli({ dataset: 'sst2', pool: 'sum' }))).toBe('SNN_E_USAGE');
    expect(await code(() => rejectBisnnOptions({ pool: 'mean' }))).toBe('SNN_E_USAGE');
    const opt = COMMANDS.find((c) => c.name === 'train')!.options.find((o) => o.flags.startsWith('--pool'));
    expect(opt?.choices).toEqual(['max', 'mean']);
  });

  it('int16 for bi-SNN graphs (by family or by their scan populations), int8 for the others', () => {
    const b = tinyBisnn();
    expect(defaultWeightBits(b)).toBe(16);
    expect(defaultWeightBits({ graph: b.graph })).toBe(16);
    expect(defaultWeightBits(tinyTextCnn())).toBe(8);
  });
});
