// `snnc export` -> `snnc import` of a model from every `snnc train --family` value, trained tiny
// on real SST-2 sentences: the mlp comes back as the same integer network (node for node, ids
// included, and bit for bit on a calibration set of real sentence vectors); textcnn and bisnn
// have no NIR form and are refused with SNN_E_USAGE naming what NIR lacks.

import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../compiler/train/backend.js';
import { trainFromCli } from '../../compiler/train/index.js';
import { sentenceVector } from '../../compiler/train/sentence-vector.js';
import { loadDataset } from '../../compiler/data/index.js';
import { exportNir, readNirModel } from '../../compiler/frontend/nir/import.js';
import { writeModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate } from '../../runtime/reference.js';
import { main } from '../../compiler/cli.js';
import { isSnncError } from '../../core/errors.js';
import type { Graph, Model } from '../../compiler/ir/types.js';
import { tmp } from './fixtures.js';

const dir = tmp();
const trained: Partial<Record<'mlp' | 'textcnn' | 'bisnn', Model>> = {};

beforeAll(async () => {
  await initBackend();
  const common = { limit: 300, epochs: 1, seed: 2, json: true, skipSnnEval: true };
  trained.mlp = (await trainFromCli({ ...common, family: 'mlp', hidden: '24,12', population: 2, timesteps: 12, checkpointDir: join(dir, 'ck-mlp') })).model;
  trained.textcnn = (await trainFromCli({ ...common, family: 'textcnn', maps: 3, timesteps: 4, maxLen: 12, checkpointDir: join(dir, 'ck-cnn') })).model;
  trained.bisnn = (await trainFromCli({ ...common, family: 'bisnn', hidden: 4, layers: 1, maxLen: 12, checkpointDir: join(dir, 'ck-bi') })).model;
}, 600_000);

/** The integer graph with what the IR keeps per node, typed arrays as plain arrays. */
function plain(g: Graph): unknown {
  return JSON.parse(JSON.stringify(g, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)));
}

describe('export -> import of every trained family', () => {
  it('mlp: the trained last population named "output" round-trips to the same integer network', async () => {
    const m = trained.mlp!;
    expect(m.graph.nodes.some((n) => n.kind === 'lif' && n.id === 'output')).toBe(true);
    const file = exportNir(m);
    const nirIds = Object.keys(file.graph.nodes!);
    expect(nirIds.filter((id) => id === 'output')).toHaveLength(1);
    expect(file.graph.nodes!.output.type).toBe('Output');
    expect(file.graph.nodes!.input.type).toBe('Input');
    // through the CLI, as a user would
    const snn = join(dir, 'mlp.snn');
    const nir = join(dir, 'mlp.nir');
    const back = join(dir, 'mlp-back.snn');
    writeModelFile(snn, m);
    expect(await main(['export', snn, '-o', nir, '--json'])).toBe(0);
    expect(await main(['import', nir, '-o', back, '--calibrate', '8', '--json'])).toBe(0);
    expect(existsSync(back)).toBe(true);
    const imported = (await readNirModel(nir)).model;
    expect(imported.meta.classes).toEqual(m.meta.classes);
    const a = runPipeline(m.graph).graph;
    const b = runPipeline(imported.graph).graph;
    // node for node: same ids, kinds, integer thresholds, shifts and weight tables; only the
    // encoder's seed (unused by a rate code) is not carried
    const strip = (g: Graph) => ({ ...(plain(g) as object), nodes: (plain(g) as Graph).nodes.map((n) => (n.kind === 'encoder' ? { ...n, seed: 0 } : n)) });
    expect(strip(b)).toEqual(strip(a));
    // and bit for bit on real sentences' vectors
    const texts = loadDataset('sst2').test.slice(0, 40).map((x) => x.text);
    let spikes = 0;
    for (const t of texts) {
      const x = { vector: Array.from(sentenceVector(m, t)) };
      const ra = simulate(a, x, 'integer');
      const rb = simulate(b, x, 'integer');
      expect(rb.scores).toEqual(ra.scores);
      expect(rb.label).toBe(ra.label);
      expect(rb.ops).toEqual(ra.ops);
      expect(rb.layerSpikes).toEqual(ra.layerSpikes);
      spikes += ra.ops.spikes;
    }
    expect(spikes).toBeGreaterThan(0);
  });

  it('textcnn and bisnn are refused with SNN_E_USAGE naming what NIR lacks', async () => {
    const why: Record<string, RegExp[]> = {
      textcnn: [/embedding/, /per position/, /averages over a variable number of positions/],
      bisnn: [/embedding/, /scan/, /max-pool/],
    };
    for (const fam of ['textcnn', 'bisnn'] as const) {
      const m = trained[fam]!;
      let err: unknown;
      try {
        exportNir(m);
      } catch (e) {
        err = e;
      }
      expect(isSnncError(err) && err.code).toBe('SNN_E_USAGE');
      for (const re of why[fam]) expect((err as Error).message).toMatch(re);
      const snn = join(dir, `${fam}.snn`);
      writeModelFile(snn, m);
      expect(await main(['export', snn, '-o', join(dir, `${fam}.nir`)])).toBe(2);
      expect(existsSync(join(dir, `${fam}.nir`))).toBe(false);
    }
  });
});
