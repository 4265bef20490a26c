// `snnc sweep <model.snn> --data <set>`: the accuracy / cost trade-off over T. For each T (and
// each asked schedule) it compiles the model (no retraining: thresholds do not depend on T),
// evaluates the integer network through the wasm artifact on the data set, and reports
// accuracy, synaptic ops and bytes read per sentence against the ANN's MACs, energy ratios with
// and without memory reads (runtime/energy.ts) and wasm latency per sentence (batch 1, median
// of interleaved repetitions after a warm-up). It marks the smallest T within 1 point of the
// best accuracy, and writes sweep.json and sweep.svg.

import { mkdirSync } from 'node:fs';
import { writeAtomic } from '../io/atomic.js';
import { join, resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import type { Model } from '../ir/types.js';
import { fail, SnncError } from '../../core/errors.js';
import { readModelFile } from '../frontend/model-format.js';
import { loadEvalData, tableOptionsOf, type DataFileFlags } from '../data/user-data.js';
import { Vocab, textToIds } from '../../runtime/tokenizer.js';
import { artifactEnergy, DEFAULT_PROFILE } from '../../runtime/energy.js';
import { loadArtifact, type WasmModel } from '../../runtime/wasm-host.js';
import { checkTimesteps } from '../ir/timesteps.js';
import { SCHEDULES, type ScheduleChoice } from '../passes/schedule.js';
import { grid, lineSpec, vegaLiteSvg } from '../report/charts.js';
import { addCost, newCostTotals } from './shared.js';

export interface SweepOptions extends DataFileFlags {
  data?: string;
  dataDir?: string;
  /** Comma-separated list or array of T values. */
  timesteps?: string | number[];
  limit?: number;
  out?: string;
  /** One schedule or a comma-separated list (e.g. event,grouped); default auto. */
  schedule?: string;
  /** Timed repetitions per configuration (>= 3). */
  reps?: number;
  profile?: string;
}

export interface SweepRow {
  timesteps: number;
  /** The schedule asked for, and what the schedule pass chose per first-layer synapse. */
  schedule: ScheduleChoice;
  grouped: string[];
  accuracy: number;
  sopsPerSentence: number;
  bytesReadPerSentence: number;
  inputSpikesPerSentence: number;
  spikesPerSentence: number;
  annMacsPerSentence: number;
  /** sops / ANN MACs. */
  opsRatio: number;
  /** Energy SNN / ANN over the whole set (sums of pJ), arithmetic only and with memory reads. */
  energyRatio: number;
  energyRatioWithMemory: number;
  /** Wasm batch-1 latency per sentence, ms: median, min, max of the repetitions, and each. */
  latencyMs: { median: number; min: number; max: number; reps: number[] };
  /** The smallest T within 1 point of the best accuracy (per schedule). */
  recommended?: boolean;
}

export interface SweepOutcome {
  text: string;
  model: string;
  dataset: string;
  sentences: number;
  profile: string;
  bestAccuracy: number;
  recommendedT: number;
  rows: SweepRow[];
  machine: { cpus: string; cores: number; loadavg: number[]; node: string };
  files: { json: string; svg: string };
}

export const DEFAULT_SWEEP_T = [1, 2, 4, 8, 16];

function parseList(spec: string | number[] | undefined): number[] {
  if (spec === undefined) return DEFAULT_SWEEP_T;
  const parts = Array.isArray(spec) ? spec : String(spec).split(',').map((x) => x.trim());
  if (!parts.length || parts.some((x) => x === '')) fail('SNN_E_USAGE', `--timesteps expects a comma-separated list of step counts, e.g. 1,2,4,8,16; got "${String(spec)}"`);
  const ts = parts.map((x) => checkTimesteps(x));
  return [...new Set(ts)].sort((a, b) => a - b);
}

function parseSchedules(spec: string | undefined): ScheduleChoice[] {
  const list = (spec ?? 'auto').split(',').map((x) => x.trim());
  for (const s of list) if (!SCHEDULES.includes(s as ScheduleChoice)) fail('SNN_E_USAGE', `unknown schedule "${s}"`, `schedules: ${SCHEDULES.join(', ')} (a comma-separated list compares them)`);
  return [...new Set(list)] as ScheduleChoice[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function sweep(modelPath: string, o: SweepOptions = {}): Promise<SweepOutcome> {
  if (!modelPath.endsWith('.snn')) fail('SNN_E_USAGE', 'sweep recompiles the model at each T: pass a .snn model', 'snnc sweep model.snn --data sst2:test');
  const model: Model = readModelFile(modelPath);
  if (!model.vocab) fail('SNN_E_USAGE', 'sweep evaluates text: the model needs a vocabulary (a token model)');
  const ts = parseList(o.timesteps);
  const schedules = parseSchedules(o.schedule);
  const reps = o.reps ?? 3;
  if (!Number.isInteger(reps) || reps < 3) fail('SNN_E_USAGE', `--reps must be a whole number >= 3 (timing is reported as a median), got ${reps}`);
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1)) fail('SNN_E_USAGE', `--limit must be a whole number >= 1, got ${o.limit}`);
  const profile = o.profile ?? DEFAULT_PROFILE;
  const spec = o.data ?? 'sst2:test';
  const split = await loadEvalData(spec, { ...tableOptionsOf(o), dataDir: o.dataDir, limit: o.limit, classes: model.meta.classes });
  const vocab = new Vocab(model.vocab);
  const maxLen = model.graph.nodes.reduce((m, n) => (n.kind === 'tokens' ? n.maxLen : m), 0);
  const inputs: number[][] = [];
  const labels: number[] = [];
  for (const ex of split.examples) {
    try {
      inputs.push(textToIds(ex.text, vocab, maxLen));
      labels.push(ex.label);
    } catch (e) {
      if (!(e instanceof SnncError && e.code === 'SNN_E_INPUT')) throw e;
    }
  }
  if (!inputs.length) fail('SNN_E_DATA', `${spec} has no usable sentence`);

  // compile every configuration first, so the timed repetitions can interleave them
  const { compileModel, float32Bytes } = await import('./index.js');
  const { emitWasm } = await import('../backends/wasm/index.js');
  const configs: { T: number; schedule: ScheduleChoice; grouped: string[]; host: WasmModel }[] = [];
  for (const T of ts) {
    for (const schedule of schedules) {
      const { pipe } = await compileModel(model, { timesteps: T, schedule });
      const grouped = pipe.graph.nodes.filter((n) => (n.kind === 'conv1d' || n.kind === 'dense') && n.schedule === 'grouped').map((n) => n.id);
      const emitted = emitWasm(pipe.graph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: float32Bytes(model.graph) });
      configs.push({ T, schedule, grouped, host: await loadArtifact(emitted.wasm) });
    }
  }
  // one evaluation pass each (also the warm-up of the timing)
  const rows: SweepRow[] = configs.map(({ T, schedule, grouped, host }) => {
    let correct = 0;
    const sum = newCostTotals();
    for (let i = 0; i < inputs.length; i++) {
      const r = host.infer({ tokens: inputs[i] });
      if (r.label === labels[i]) correct++;
      const e = artifactEnergy(host.meta, r.ops, inputs[i].length, profile);
      addCost(sum, r.ops, e);
    }
    const N = inputs.length;
    return {
      timesteps: T,
      schedule,
      grouped,
      accuracy: correct / N,
      sopsPerSentence: sum.sops / N,
      bytesReadPerSentence: sum.bytes / N,
      inputSpikesPerSentence: sum.inSpikes / N,
      spikesPerSentence: sum.spikes / N,
      annMacsPerSentence: sum.macs / N,
      opsRatio: sum.sops / sum.macs,
      energyRatio: sum.snn / sum.ann,
      energyRatioWithMemory: (sum.snn + sum.snnMem) / (sum.ann + sum.annMem),
      latencyMs: { median: 0, min: 0, max: 0, reps: [] },
    };
  });
  // timing: batch 1, every configuration once per repetition, in turn
  for (let rep = 0; rep < reps; rep++) {
    configs.forEach((c, k) => {
      const t0 = performance.now();
      for (const x of inputs) c.host.infer({ tokens: x });
      rows[k].latencyMs.reps.push((performance.now() - t0) / inputs.length);
    });
  }
  for (const r of rows) Object.assign(r.latencyMs, { median: median(r.latencyMs.reps), min: Math.min(...r.latencyMs.reps), max: Math.max(...r.latencyMs.reps) });
  const best = Math.max(...rows.map((r) => r.accuracy));
  // accuracy depends on T only (the schedules give the same labels): one recommended T
  const recommendedT = Math.min(...rows.filter((r) => r.accuracy >= best - 0.01 - 1e-12).map((r) => r.timesteps));
  for (const r of rows) if (r.timesteps === recommendedT) r.recommended = true;

  const outDir = resolve(o.out ?? 'sweep');
  mkdirSync(outDir, { recursive: true });
  const files = { json: join(outDir, 'sweep.json'), svg: join(outDir, 'sweep.svg') };
  const machine = { cpus: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadavg: loadavg().map((x) => Number(x.toFixed(2))), node: process.version };
  const outcome: SweepOutcome = { text: '', model: modelPath, dataset: spec, sentences: inputs.length, profile, bestAccuracy: best, recommendedT, rows, machine, files };
  const { text: _t, ...json } = outcome;
  writeAtomic(files.json, JSON.stringify(json, null, 2) + '\n');
  writeAtomic(files.svg, await sweepChart(outcome));

  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const lines = [
    `${modelPath} on ${spec}: ${inputs.length} sentences, energy profile ${profile}; load average ${machine.loadavg.join(' ')} on ${machine.cores} cores`,
    `     T  schedule   accuracy   sops/sentence   /ANN MACs   energy/ANN   +memory   wasm ms/sentence (median, min-max of ${reps})`,
  ];
  for (const r of rows) {
    const sched = r.schedule === 'auto' ? (r.grouped.length ? 'auto:grp' : 'auto:evt') : r.schedule;
    lines.push(
      `${r.recommended ? '*' : ' '}${String(r.timesteps).padStart(5)}  ${sched.padEnd(9)} ${pct(r.accuracy).padStart(9)} ${Math.round(r.sopsPerSentence).toLocaleString('en-US').padStart(15)} ${r.opsRatio.toFixed(3).padStart(11)} ${r.energyRatio.toFixed(3).padStart(12)} ${r.energyRatioWithMemory.toFixed(3).padStart(9)}   ${r.latencyMs.median.toFixed(3)} (${r.latencyMs.min.toFixed(3)}-${r.latencyMs.max.toFixed(3)})`,
    );
  }
  lines.push(`* smallest T within 1 point of the best accuracy (${pct(best)}): T = ${recommendedT}; ANN ${Math.round(rows[0].annMacsPerSentence).toLocaleString('en-US')} MACs per sentence`);
  lines.push(`written: ${files.json}, ${files.svg}`);
  outcome.text = lines.join('\n');
  return outcome;
}

/** Accuracy, ops, energy and latency against T, one line per schedule (compiler/report/charts.ts). */
async function sweepChart(s: SweepOutcome): Promise<string> {
  const values = s.rows.map((r) => ({
    T: r.timesteps,
    schedule: r.schedule,
    accuracy: 100 * r.accuracy,
    sops: r.sopsPerSentence,
    energy: r.energyRatio,
    energyMem: r.energyRatioWithMemory,
    latency: r.latencyMs.median,
  }));
  const energy = values.flatMap((v) => [
    { T: v.T, series: `${v.schedule}, arithmetic`, ratio: v.energy },
    { T: v.T, series: `${v.schedule}, with memory`, ratio: v.energyMem },
  ]);
  const color = { field: 'schedule', title: 'schedule' };
  const mark = { x: s.recommendedT, label: `T = ${s.recommendedT}` };
  const macs = s.rows[0].annMacsPerSentence;
  return vegaLiteSvg(
    grid(`${s.dataset}, ${s.sentences} sentences: the cost of T (${s.profile})`, [
      [
        lineSpec({ title: 'accuracy (%)', values, x: { field: 'T', title: 'T (steps)', scale: 'log' }, y: { field: 'accuracy', title: 'accuracy (%)' }, color, mark }),
        lineSpec({ title: 'synaptic ops per sentence', values, x: { field: 'T', title: 'T (steps)', scale: 'log' }, y: { field: 'sops', title: 'sops', scale: 'log' }, color, rule: { y: macs, label: 'ANN MACs' }, mark }),
      ],
      [
        lineSpec({ title: 'energy SNN / ANN', values: energy, x: { field: 'T', title: 'T (steps)', scale: 'log' }, y: { field: 'ratio', title: 'ratio', scale: 'log' }, color: { field: 'series', title: 'energy' }, rule: { y: 1, label: 'ANN' }, mark }),
        lineSpec({ title: 'wasm latency (ms / sentence, batch 1)', values, x: { field: 'T', title: 'T (steps)', scale: 'log' }, y: { field: 'latency', title: 'ms', zero: true }, color, mark }),
      ],
    ]),
  );
}
