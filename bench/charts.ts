// The benchmark charts, drawn from the results JSON with the report charts
// (compiler/report/charts.ts: Vega-Lite rendered to SVG in Node), so every picture snnc draws
// comes from one charting library. `node dist/bench/charts.js [results dir]` redraws
// core.svg and accuracy.svg from core.json and accuracy.json without rerunning anything.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { barSpec, grid, lineSpec, vegaLiteSvg, type TopLevelSpec } from '../compiler/report/charts.js';
import type { ResultRow } from './accuracy.js';

/** What core.svg needs of core.json. */
export interface CoreChartInput {
  accuracy: { ann: number };
  timesteps: { sweep: { T: number; accuracy: number }[] };
  runs: { T: number; batch: number; engines: Record<string, { sentences_per_s: { median: number } }> }[];
  machine: { cpu: string; cores: number; node: string; tfjs?: string; tfjs_backend?: string; date: string };
}

/** SST-2 accuracy against T next to the ANN, and throughput per engine (core.svg). */
export async function coreChart(r: CoreChartInput, engineNames: Record<string, string>): Promise<string> {
  const acc = [
    ...r.timesteps.sweep.map((s) => ({ T: s.T, accuracy: s.accuracy, model: 'integer SNN (wasm)' })),
    ...r.timesteps.sweep.map((s) => ({ T: s.T, accuracy: r.accuracy.ann, model: `ANN ${r.accuracy.ann.toFixed(1)}%` })),
  ];
  const thr = r.runs.flatMap((run) =>
    Object.entries(run.engines).map(([k, e]) => ({ run: `T=${run.T} batch ${run.batch}`, engine: engineNames[k] ?? k, rate: e.sentences_per_s.median })),
  );
  const m = r.machine;
  return vegaLiteSvg(
    grid(`snnc bench:core: ${m.cpu}, ${m.cores} cores, Node ${m.node}${m.tfjs ? `, TF.js ${m.tfjs} ${m.tfjs_backend ?? ''}` : ''}; ${m.date.slice(0, 10)}`, [
      [
        lineSpec({ title: 'SST-2 test accuracy vs time steps', values: acc, x: { field: 'T', title: 'T (time steps)' }, y: { field: 'accuracy', title: 'accuracy %' }, color: { field: 'model', title: '' }, width: 300, height: 220 }),
        barSpec({ title: 'throughput (sentences/s, median, log scale)', values: thr, x: { field: 'run', title: '' }, y: { field: 'rate', title: 'sentences/s', scale: 'log' }, color: { field: 'engine', title: 'engine', sort: Object.values(engineNames) }, labels: '.3~s', width: 360, height: 220 }),
      ],
    ]),
  );
}

/** MLP accuracy against T per data set and encoder, and SNN/ANN energy per family (accuracy.svg). */
export async function accuracyChart(rows: ResultRow[]): Promise<string> {
  const ds = [...new Set(rows.filter((r) => r.family === 'mlp').map((r) => r.dataset))];
  const lines: TopLevelSpec[] = [];
  for (const d of ds) {
    const values = rows
      .filter((r) => r.dataset === d && r.family === 'mlp' && r.stage === 'integer' && r.timesteps !== undefined)
      .map((r) => ({ T: r.timesteps!, accuracy: 100 * r.accuracy, encoder: r.encoder ?? '?' }));
    if (values.length) lines.push(lineSpec({ title: `MLP ${d}: integer accuracy vs T`, values, x: { field: 'T', title: 'T (steps)', scale: 'log' }, y: { field: 'accuracy', title: 'test accuracy %' }, color: { field: 'encoder', title: 'encoder' }, width: 240, height: 160 }));
  }
  const energy = [...new Set(rows.map((r) => r.dataset))].flatMap((d) => {
    const t = rows.find((r) => r.dataset === d && r.family === 'textcnn' && r.stage === 'integer');
    const m = rows.find((r) => r.dataset === d && r.family === 'mlp' && r.stage === 'integer' && r.encoder === 'rate' && r.timesteps === 50);
    const b = rows.find((r) => r.dataset === d && r.family === 'bisnn' && r.stage === 'integer');
    const v = [
      ...(t?.energy_ratio ? [{ dataset: d, model: 'TextCNN', ratio: t.energy_ratio }] : []),
      ...(m?.energy_ratio ? [{ dataset: d, model: 'MLP rate T=50', ratio: m.energy_ratio }] : []),
      ...(b?.energy_ratio ? [{ dataset: d, model: 'bi-SNN', ratio: b.energy_ratio }] : []),
    ];
    return v.length >= 2 ? v : [];
  });
  const gridRows: TopLevelSpec[][] = [];
  for (let i = 0; i < lines.length; i += 3) gridRows.push(lines.slice(i, i + 3));
  if (energy.length) gridRows.push([barSpec({ title: 'energy per inference, SNN / ANN (horowitz45-int, log scale)', values: energy, x: { field: 'dataset', title: 'data set' }, y: { field: 'ratio', title: 'SNN / ANN', scale: 'log' }, color: { field: 'model', title: 'model' }, rule: { y: 1, label: 'ANN' }, labels: '.2~f', width: 700, height: 200 })]);
  return vegaLiteSvg(grid('snnc bench:accuracy (numbers in accuracy.json)', gridRows));
}

/** The engine names of bench/core.ts's table (kept here so redrawing needs no benchmark run). */
export const ENGINE_NAMES: Record<string, string> = {
  wasm: 'snnc WASM (int SNN)',
  tfjs_ann: 'TF.js ANN',
  tfjs_dense_snn: 'TF.js dense SNN',
  torch_ann: 'PyTorch ANN',
  torch_dense_snn: 'PyTorch dense SNN',
};

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? join(import.meta.dirname, '..', '..', 'bench', 'results'));
  const core = join(dir, 'core.json');
  const acc = join(dir, 'accuracy.json');
  if (existsSync(core)) writeFileSync(join(dir, 'core.svg'), await coreChart(JSON.parse(readFileSync(core, 'utf8')), ENGINE_NAMES));
  if (existsSync(acc)) writeFileSync(join(dir, 'accuracy.svg'), await accuracyChart(JSON.parse(readFileSync(acc, 'utf8')).results));
  process.stderr.write(`bench charts redrawn in ${dir}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
