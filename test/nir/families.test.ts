// `snnc export` -> `snnc import` of a model from every `snnc train --family` value, trained tiny
// on real SST-2 sentences: each comes back as the same integer network (node for node, ids
// included, and bit for bit on real sentences: labels, scores, op counts). Text models (textcnn,
// bisnn) carry a body of standard NIR nodes plus what NIR lacks in metadata/snnc `text`
// (docs/nir.md "Text models"): the body alone, lowered as any NIR graph (what another tool sees),
// reproduces the per-position / scan populations' spikes on sentences of exactly maxLen tokens.

import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../compiler/train/backend.js';
import { trainFromCli } from '../../compiler/train/index.js';
import { sentenceVector } from '../../compiler/train/sentence-vector.js';
import { loadDataset } from '../../compiler/data/index.js';
import { exportNir, lowerNir, readNirModel } from '../../compiler/frontend/nir/import.js';
import { readModelFile, writeModelFile } from '../../compiler/frontend/model-format.js';
import { defaultWeightBits } from '../../compiler/passes/weight-bits.js';
import { textToIds, Vocab } from '../../runtime/tokenizer.js';
import { toLevel } from '../../core/levels.js';
import { rateStart } from '../../core/encoders.js';
import type { NirArray, NirFile } from '../../compiler/frontend/nir/types.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';
import { tinyBisnn } from '../helpers/tiny-bisnn.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate } from '../../runtime/reference.js';
import { main } from '../../compiler/cli.js';
import { isSnncError } from '../../core/errors.js';
import type { Graph, Model } from '../../compiler/ir/types.js';
import { tmp } from './fixtures.js';

const dir = tmp();
const trained: Partial<Record<'mlp' | 'textcnn' | 'bisnn' | 'bisnn2', Model>> = {};

beforeAll(async () => {
  await initBackend();
  const common = { limit: 300, epochs: 1, seed: 2, json: true, skipSnnEval: true };
  trained.mlp = (await trainFromCli({ ...common, family: 'mlp', hidden: '24,12', population: 2, timesteps: 12, checkpointDir: join(dir, 'ck-mlp') })).model;
  trained.textcnn = (await trainFromCli({ ...common, family: 'textcnn', maps: 3, timesteps: 4, maxLen: 12, checkpointDir: join(dir, 'ck-cnn') })).model;
  trained.bisnn = (await trainFromCli({ ...common, family: 'bisnn', hidden: 4, layers: 1, maxLen: 12, checkpointDir: join(dir, 'ck-bi') })).model;
  // two layers (a scan reading the other direction) and mean pooling
  trained.bisnn2 = (await trainFromCli({ ...common, limit: 200, family: 'bisnn', hidden: 4, layers: 2, pool: 'mean', maxLen: 12, checkpointDir: join(dir, 'ck-bi2') })).model;
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

  for (const fam of ['textcnn', 'bisnn', 'bisnn2'] as const) {
    it(`${fam}: export -> import gives the same integer network, bit for bit on real sentences`, async () => {
      const m = trained[fam]!;
      const file = exportNir(m);
      const nir = file.graph.nodes!;
      // standard NIR nodes only; the reserved names only on the Input and Output
      for (const [id, n] of Object.entries(nir)) {
        expect(STANDARD.has(n.type), `${id}: ${n.type}`).toBe(true);
        if (id === 'input') expect(n.type).toBe('Input');
        if (id === 'output') expect(n.type).toBe('Output');
      }
      expect(Object.values(nir).filter((n) => n.type === 'Input' || n.type === 'Output')).toHaveLength(2);
      const snn = join(dir, `${fam}.snn`);
      const out = join(dir, `${fam}.nir`);
      const back = join(dir, `${fam}-back.snn`);
      writeModelFile(snn, m);
      expect(await main(['export', snn, '-o', out, '--json'])).toBe(0);
      expect(await main(['import', out, '-o', back, '--calibrate', '8', '--json'])).toBe(0);
      const imported = readModelFile(back);
      expect(imported.meta.family).toBe(m.meta.family);
      expect(imported.meta.classes).toEqual(m.meta.classes);
      expect(imported.vocab).toEqual(m.vocab);
      expect(imported.tokenizer).toEqual(m.tokenizer);
      const bits = defaultWeightBits(m);
      const a = runPipeline(m.graph, { weightBits: bits }).graph;
      const b = runPipeline(imported.graph, { weightBits: bits }).graph;
      // node for node: ids, kinds, thresholds, shifts, packed embedding levels, weight tables
      expect(plain(b)).toEqual(plain(a));
      const texts = loadDataset('sst2').test.slice(0, 40).map((x) => x.text);
      let spikes = 0;
      for (const t of texts) {
        const x = { tokens: ids(m, t) };
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

    it(`${fam}: the standard-node body alone (what other NIR tools see) gives the model's spikes on maxLen-token sentences`, () => {
      const m = trained[fam]!;
      const file = exportNir(m);
      const body = lowerNir(file, { text: 'body' }).model;
      const tok = m.graph.nodes.find((n) => n.kind === 'tokens')!;
      const L = tok.kind === 'tokens' ? tok.maxLen : 0;
      const bits = defaultWeightBits(m);
      const a = runPipeline(m.graph, { weightBits: bits }).graph;
      const b = runPipeline(body.graph, { weightBits: bits }).graph;
      const lifA = a.nodes.filter((n) => n.kind === 'lif' && n.perPosition).map((n) => n.id);
      const lifB = b.nodes.filter((n) => n.kind === 'lif').map((n) => n.id);
      const data = loadDataset('sst2').test;
      let full = 0;
      let shortDiffer = 0;
      let short = 0;
      let compared = 0;
      for (const ex of data.slice(0, 120)) {
        const t = ids(m, ex.text);
        const steps = bodySteps(m, t, L, a.timesteps, b.timesteps);
        const ra = simulate(a, { tokens: t }, 'integer');
        const rb = simulate(b, { steps }, 'integer');
        const byA = new Map(lifA.map((id) => [id, ra.layerSpikes[a.nodes.filter((n) => n.kind === 'lif').findIndex((n) => n.id === id)]]));
        // layer 1 (and every per-position layer of a textcnn) is exact; a bisnn's layer >= 2 reads the other direction, which the body lacks
        const exact = lifA.filter((id) => m.meta.family === 'textcnn' || /^l1[fb]$/.test(id));
        const same = exact.every((id) => rb.layerSpikes[lifB.indexOf(id)] === byA.get(id));
        compared += exact.length;
        if (t.length === L) {
          full++;
          for (const id of exact) expect(rb.layerSpikes[lifB.indexOf(id)], `${id} on "${ex.text}"`).toBe(byA.get(id));
          // a textcnn's whole body is the model at n = L (the mean's 1/n moved onto the threshold): the float
          // simulations give the same class scores (the integer ones round the threshold x L differently)
          if (m.meta.family === 'textcnn') expect(simulate(body.graph, { steps }, 'float').scores).toEqual(simulate(m.graph, { tokens: t }, 'float').scores);
        } else {
          short++;
          if (!same) shortDiffer++;
        }
      }
      expect(full).toBeGreaterThanOrEqual(20);
      expect(compared).toBeGreaterThan(0);
      // the documented limit: shorter sentences, padded with zero spikes, are not the model's (measured, not asserted)
      console.log(`${fam}: body = model on ${full} sentences of ${L} tokens; differs on ${shortDiffer} of ${short} shorter ones`);
    });
  }

  it('a text model file whose metadata is missing, corrupt or disagrees with the body is refused naming the field', () => {
    const m = trained.textcnn!;
    const edit = (f: (snnc: Record<string, any>, file: NirFile) => void): NirFile => {
      const file = exportNir(m);
      const snnc = JSON.parse(file.graph.metadata.snnc as string);
      f(snnc, file);
      file.graph.metadata.snnc = JSON.stringify(snnc);
      return file;
    };
    const refused = (file: NirFile, code: string, re: RegExp) => {
      let err: unknown;
      try {
        lowerNir(file);
      } catch (e) {
        err = e;
      }
      expect(isSnncError(err) && err.code, String(err)).toBe(code);
      expect((err as Error).message).toMatch(re);
    };
    refused(edit((s) => (s.text.tokenizer.kind = 'bpe-v9')), 'SNN_E_HEADER', /tokenizer\.kind.*bpe-v9/);
    refused(edit((s) => delete s.text.vocab), 'SNN_E_HEADER', /vocab/);
    refused(edit((s) => (s.text.nodes = 'x')), 'SNN_E_HEADER', /nodes/);
    refused(edit((s) => (s.text.positions = 0)), 'SNN_E_HEADER', /positions/);
    refused(edit((s) => (s.text.vocab = ['a', 'b', ...s.text.vocab.slice(2)])), 'SNN_E_HEADER', /vocab.*<pad>/);
    refused(edit((_s, f) => delete f.graph.metadataArrays), 'SNN_E_HEADER', /snnc_embedding/);
    refused(edit((_s, f) => (f.graph.metadataArrays!.snnc_embedding.shape = [3, 4])), 'SNN_E_GRAPH', /snnc_embedding.*shape/);
    // inconsistent with the body: a node the body lacks, another threshold, a pooled Linear whose positions differ, an edge removed, the Input's shape
    const conv = (s: Record<string, any>) => s.text.nodes.find((n: { kind: string }) => n.kind === 'conv1d');
    refused(edit((s) => (conv(s).nir.node = 'nowhere')), 'SNN_E_GRAPH', /nowhere/);
    refused(edit((s) => (s.text.nodes.find((n: { kind: string }) => n.kind === 'lif').threshold *= 1.5)), 'SNN_E_GRAPH', /v_threshold/);
    refused(edit((s, f) => {
      const lin = s.text.nodes.find((n: { nir?: { layout?: string } }) => n.nir?.layout === 'tiled').nir.node;
      f.graph.nodes![lin].params.weight = { ...(f.graph.nodes![lin].params.weight as NirArray), data: (f.graph.nodes![lin].params.weight as NirArray).data.map((x, i) => (i === 1 ? x + 1 : x)) };
    }), 'SNN_E_GRAPH', /same weights at every position/);
    refused(edit((s, f) => (f.graph.edges = f.graph.edges!.filter(([a, b]) => !(a === 'input' && b === conv(s).nir.node)))), 'SNN_E_GRAPH', /no edge "input"/);
    refused(edit((_s, f) => ((f.graph.nodes!.input.params.shape as NirArray).data = Float64Array.of(5, 5))), 'SNN_E_GRAPH', /Input has shape/);
    refused(edit((s) => (s.text.nodes.find((n: { kind: string }) => n.kind === 'dense').from = 'ghost')), 'SNN_E_HEADER', /ghost/);
    refused(edit((s) => {
      const lifs = s.text.nodes.filter((n: { kind: string }) => n.kind === 'lif');
      lifs[1].nir = lifs[0].nir;
    }), 'SNN_E_HEADER', /already names/);
    // every field of every node of the text block, set to a wrong type or value: a snnc error, never a crash
    // (tiny models of both families: a trained one's 26 K-word embedding makes each lowering slow)
    for (const [fam, tiny] of [['textcnn', tinyTextCnn({ maxLen: 10 })], ['bisnn', tinyBisnn({ layers: 2, maxLen: 10 })]] as const) {
      const base = exportNir(tiny);
      const snnc = JSON.parse(base.graph.metadata.snnc as string);
      let refusals = 0;
      snnc.text.nodes.forEach((node: Record<string, unknown>, i: number) => {
        for (const key of Object.keys(node)) {
          for (const bad of ['x', -1, null, 1e9, { node: 'input', layout: 'tiled' }]) {
            if (key === 'kind' && bad === 'x') continue;
            const s2 = structuredClone(snnc);
            s2.text.nodes[i][key] = bad;
            const file = { ...base, graph: { ...base.graph, metadata: { snnc: JSON.stringify(s2) } } };
            try {
              lowerNir(file);
            } catch (e) {
              expect(isSnncError(e) && ['SNN_E_HEADER', 'SNN_E_GRAPH'].includes(e.code), `${fam} nodes[${i}].${key} = ${JSON.stringify(bad)}: ${String(e)}`).toBe(true);
              refusals++;
            }
          }
        }
      });
      expect(refusals).toBeGreaterThan(50);
    }
    // a poisson text model has no spike train a NIR Input can hold
    const pm = structuredClone(m);
    const enc = pm.graph.nodes.find((n) => n.kind === 'encoder')!;
    if (enc.kind === 'encoder') enc.scheme = 'poisson';
    let err: unknown;
    try {
      exportNir(pm);
    } catch (e) {
      err = e;
    }
    expect(isSnncError(err) && err.code).toBe('SNN_E_USAGE');
  });
});

const STANDARD = new Set(['Input', 'Output', 'Conv1d', 'Linear', 'Flatten', 'IF', 'LIF', 'I', 'LI']);

function ids(m: Model, text: string): number[] {
  const tok = m.graph.nodes.find((n) => n.kind === 'tokens')!;
  return textToIds(text, new Vocab(m.vocab!, m.tokenizer!.kind), tok.kind === 'tokens' ? tok.maxLen : 0);
}

/**
 * The body's spike-train input for a sentence (docs/nir.md "Text models"), computed here from
 * the embedding table and the encoder rule of docs/semantics.md, independently of the exporter:
 * positions body, [dim, L] per step (channel-major, zeros past the sentence); sequence body, one
 * step per position, [token t's spikes, token L-1-t's spikes].
 */
function bodySteps(m: Model, t: number[], L: number, T: number, bodyT: number): number[][] {
  const emb = m.graph.nodes.find((n) => n.kind === 'embedding')!;
  const enc = m.graph.nodes.find((n) => n.kind === 'encoder')!;
  if (emb.kind !== 'embedding' || enc.kind !== 'encoder') throw new Error('not a text model');
  const q = enc.scheme === 'binary' ? 1 : enc.bits;
  const top = 2 ** q - 1;
  const dim = emb.dim;
  const level = (p: number, c: number) => (p < t.length ? toLevel(emb.table!.data[t[p] * dim + c], q) : 0);
  // rate code: spikes[step][p][c]
  const spikes: number[][][] = Array.from({ length: T }, () => Array.from({ length: L }, () => new Array(dim).fill(0)));
  for (let p = 0; p < L; p++)
    for (let c = 0; c < dim; c++) {
      let acc = rateStart(top);
      for (let s = 0; s < T; s++) {
        acc += level(p, c);
        if (acc >= top) {
          spikes[s][p][c] = 1;
          acc -= top;
        }
      }
    }
  if (bodyT === T) return spikes.map((sp) => Array.from({ length: dim * L }, (_, i) => sp[i % L][Math.floor(i / L)]));
  // sequence body: T = 1, one NIR step per position
  return Array.from({ length: L }, (_, s) => [...spikes[0][s], ...spikes[0][L - 1 - s]]);
}
