// The browser demo: the same wasm host, tokenizer, classification path and energy model that
// Node runs (runtime/), imported here, not copied. Loads the shipped SST-2 artifact (inlined
// by the build) or any artifact the user drops, classifies text, and draws what happened.

import defaultModelUrl from 'default-model.wasm?url';
import { loadArtifact, type WasmModel } from '../../runtime/wasm-host.js';
import { classifyText, tokenInfluence, type TextClassification } from '../../runtime/classify.js';
import { SnncError } from '../../core/errors.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

let model: WasmModel | undefined;

/** What the page shows after one classification; also what the browser test reads. */
export interface DemoResult {
  text: string;
  label: number;
  class: string;
  scores: number[];
  ops: TextClassification['result']['ops'];
  layerSpikes: number[];
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e6 || a < 1e-2) ? x.toExponential(2) : x.toLocaleString('en-US', { maximumFractionDigits: digits });
}

function showError(e: unknown): void {
  // an SnncError's message reads "SNN_E_...: what (hint)"
  const msg = String((e as Error)?.message ?? e);
  $('error').textContent = msg;
}

function describeModel(m: WasmModel, source: string): void {
  const meta = m.meta;
  const prov = (meta.extra?.provenance ?? {}) as { dataset?: string; accuracy?: Record<string, number>; seed?: number; epochs?: number; snnc?: string };
  const acc = prov.accuracy?.snnTest;
  const accText = acc !== undefined ? `test accuracy ${(acc * 100).toFixed(2)}% (${prov.dataset ?? 'its data set'}, measured by the trainer)` : 'accuracy: not recorded in this artifact';
  $('model').innerHTML = '';
  const line = document.createElement('div');
  line.textContent = `${source}: ${meta.name}${meta.family ? ` (${meta.family})` : ''} — classes ${meta.classes.join(', ')}; T = ${meta.timesteps} steps; ${accText}.`;
  line.dataset.timesteps = String(meta.timesteps);
  $('model').append(line);
  $('tsteps').textContent = String(meta.timesteps);
}

async function useModel(bytes: ArrayBuffer, source: string): Promise<void> {
  $('error').textContent = '';
  const m = await loadArtifact(bytes);
  if (m.meta.input.kind !== 'tokens' || !m.meta.vocab) throw new SnncError('SNN_E_INPUT', 'this artifact takes sentence vectors, not text', 'the demo runs token-input models (textcnn, bisnn)');
  model = m;
  describeModel(m, source);
  ($('go') as HTMLButtonElement).disabled = false;
  document.body.dataset.model = m.meta.name;
}

function drawScores(c: TextClassification): void {
  const meta = model!.meta;
  const max = Math.max(1, ...c.result.scores.map(Math.abs));
  $('scores').innerHTML = '';
  meta.classes.forEach((name, i) => {
    const row = document.createElement('div');
    row.className = 'bar';
    const n = document.createElement('span');
    n.className = 'name';
    n.textContent = name;
    const bar = document.createElement('div');
    bar.style.width = `${(300 * Math.abs(c.result.scores[i])) / max}px`;
    if (i !== c.result.label) bar.style.background = '#aaa';
    const v = document.createElement('span');
    v.textContent = String(c.result.scores[i]);
    row.append(n, bar, v);
    $('scores').append(row);
  });
  $('scoreunit').textContent = meta.readout.measure === 'membrane' ? 'Scores: the summed final membranes of each class.' : `Scores: output spikes per class over the ${meta.timesteps} steps.`;
}

function drawWords(c: TextClassification): void {
  const infl = tokenInfluence(model!, c.ids, c.result.label, c.result.scores);
  const max = Math.max(1e-9, ...infl.map(Math.abs));
  $('words').innerHTML = '';
  c.words.forEach((w, i) => {
    const s = document.createElement('span');
    s.textContent = w;
    const a = Math.abs(infl[i]) / max;
    s.style.background = infl[i] >= 0 ? `rgba(40,160,60,${a})` : `rgba(210,40,40,${a})`;
    s.title = `lead drops by ${infl[i]} without it`;
    s.dataset.influence = String(infl[i]);
    $('words').append(s);
  });
}

function drawRasters(ids: number[]): { result: TextClassification['result'] } {
  const m = model!;
  const meta = m.meta;
  const { result, spikes } = m.inferTraced({ tokens: ids });
  const T = meta.timesteps;
  const n = ids.length;
  $('rasters').innerHTML = '';
  meta.populations.forEach((p, l) => {
    const rows = p.perPosition ? n * p.channels : p.channels;
    const box = document.createElement('div');
    box.className = 'raster';
    const title = document.createElement('div');
    title.textContent = `${p.id}: ${result.layerSpikes[l]} spikes, ${rows} neurons${p.spiking === false ? ' (never fires: read as membranes)' : ''}`;
    const cv = document.createElement('canvas');
    // one column of `cw` pixels per step; rows folded to at most 240 pixels
    const cw = Math.max(2, Math.floor(160 / T));
    const h = Math.min(240, Math.max(rows, 8));
    cv.width = T * cw;
    cv.height = h;
    cv.style.width = `${T * cw * 1.5}px`;
    cv.style.height = `${h * 1.5}px`;
    const g = cv.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, cv.width, cv.height);
    g.fillStyle = '#123';
    let drawn = 0;
    for (let t = 0; t < T; t++) {
      for (const idx of spikes[l][t]) {
        g.fillRect(t * cw, Math.floor((idx * h) / Math.max(rows, 1)), cw - 1, Math.max(1, Math.floor(h / Math.max(rows, 1))));
        drawn++;
      }
    }
    cv.dataset.spikes = String(drawn);
    box.append(title, cv);
    $('rasters').append(box);
  });
  return { result };
}

function drawCost(c: TextClassification): void {
  const r = c.result;
  const e = c.energy;
  const int = (x: number): string => x.toLocaleString('en-US');
  const rows: [string, string, string?][] = [
    ['synaptic operations (additions)', int(r.ops.sops), 'sops'],
    ['ANN multiply-accumulates, same network', int(e.annMacs), 'macs'],
    ['neuron updates', int(r.ops.updates)],
    ['spikes (+ input spikes)', `${int(r.ops.spikes)} (+${int(r.ops.inputSpikes)})`, 'spikes'],
    ['table bytes read', int(r.ops.bytesRead)],
    [`energy, arithmetic (${e.profile})`, `SNN ${fmt(e.snnArithPj / 1e6)} µJ vs ANN ${fmt(e.annArithPj / 1e6)} µJ: ratio ${fmt(e.ratio)}`],
    ['energy, with memory reads', `SNN ${fmt((e.snnArithPj + e.snnMemoryPj) / 1e6)} µJ vs ANN ${fmt((e.annArithPj + e.annMemoryPj) / 1e6)} µJ: ratio ${fmt(e.ratioWithMemory)}`],
  ];
  const t = $('cost');
  t.innerHTML = '';
  for (const [k, v, key] of rows) {
    const tr = document.createElement('tr');
    const a = document.createElement('td');
    a.textContent = k;
    const b = document.createElement('td');
    b.textContent = v;
    if (key) b.id = `cost-${key}`;
    tr.append(a, b);
    t.append(tr);
  }
}

/** Classifies `text` with the loaded model and redraws the page. */
function classify(text: string): DemoResult {
  if (!model) throw new SnncError('SNN_E_USAGE', 'no model is loaded yet');
  const c = classifyText(model, text);
  const traced = drawRasters(c.ids);
  // the traced run is the same inference: a mismatch would be a host bug worth showing
  if (JSON.stringify(traced.result) !== JSON.stringify(c.result)) throw new SnncError('SNN_E_RUNTIME', 'the traced inference differs from the plain one');
  const cls = model.meta.classes[c.result.label];
  $('label').textContent = cls;
  drawScores(c);
  drawWords(c);
  drawCost(c);
  $('out').hidden = false;
  const out: DemoResult = { text, label: c.result.label, class: cls, scores: c.result.scores, ops: c.result.ops, layerSpikes: c.result.layerSpikes };
  const res = $('out');
  res.dataset.text = text;
  res.dataset.result = JSON.stringify(out);
  return out;
}

function run(): void {
  $('error').textContent = '';
  try {
    classify(($('text') as HTMLTextAreaElement).value);
  } catch (e) {
    $('out').hidden = true;
    showError(e);
  }
}

async function loadFile(f: File): Promise<void> {
  try {
    await useModel(await f.arrayBuffer(), `loaded ${f.name}`);
    run();
  } catch (e) {
    showError(e);
  }
}

$('go').addEventListener('click', run);
$('text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    run();
  }
});
$('file').addEventListener('change', () => {
  const f = ($('file') as HTMLInputElement).files?.[0];
  if (f) void loadFile(f);
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files?.[0];
  if (f) void loadFile(f);
});

(async () => {
  try {
    // a data: URL (inlined by the build), so this works from file:// with no network
    const bytes = await (await fetch(defaultModelUrl)).arrayBuffer();
    await useModel(bytes, 'shipped model');
    run();
  } catch (e) {
    showError(e);
  }
  document.body.dataset.ready = '1';
})();
