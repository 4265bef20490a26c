// The pass pipeline: pack -> quantize -> sparsify -> schedule -> plan-memory, stoppable after any pass
// (`--stop-after`). With a calibration set it also measures what lowering cost: float-vs-int
// label agreement, accuracy before and after pruning, and populations that fall silent.

import type { Graph } from '../ir/types.js';
import { fail } from '../../runtime/errors.js';
import { simulate, type SimInput } from '../../runtime/reference.js';
import { validateGraph } from '../ir/validate.js';
import { packEmbeddings } from './pack-embeddings.js';
import { quantize, type QuantizeOptions } from './quantize.js';
import { sparsify, type SparsifyOptions } from './sparsify.js';
import { planMemoryPass } from './plan-memory.js';
import { schedulePass, type ScheduleOptions } from './schedule.js';
import type { PassReport, PassResult } from './pass.js';

export const PASS_ORDER = ['pack', 'quantize', 'sparsify', 'schedule', 'plan-memory'] as const;
export type PassName = (typeof PASS_ORDER)[number];

export interface Calibration {
  inputs: SimInput[];
  /** True labels, when known: the report then gives accuracies too. */
  labels?: number[];
}

export interface PipelineOptions extends QuantizeOptions, SparsifyOptions, ScheduleOptions {
  stopAfter?: PassName;
  calibration?: Calibration;
}

export interface CalibrationReport {
  checked: number;
  /** Share of inputs where the integer SNN picks the float SNN's label. */
  agreement: number;
  accuracyFloat?: number;
  accuracyInt?: number;
  /** Integer accuracy without pruning (only when pruning was asked for). */
  accuracyIntUnpruned?: number;
  /** Mean spikes per inference of each LIF population in the integer graph. */
  layerSpikes: Record<string, number>;
}

export interface PipelineResult {
  graph: Graph;
  reports: PassReport[];
  warnings: string[];
  calibration?: CalibrationReport;
}

export function isPassName(s: string): s is PassName {
  return (PASS_ORDER as readonly string[]).includes(s);
}

function accuracy(pred: number[], labels: number[] | undefined): number | undefined {
  if (!labels) return undefined;
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) ok++;
  return pred.length ? ok / pred.length : undefined;
}

export function runPipeline(input: Graph, opts: PipelineOptions = {}): PipelineResult {
  validateGraph(input);
  if (opts.stopAfter !== undefined && !isPassName(opts.stopAfter)) {
    fail('SNN_E_PASS', `unknown pass "${opts.stopAfter}"`, `passes: ${PASS_ORDER.join(', ')}`);
  }
  const reports: PassReport[] = [];
  let g = input;
  let unpruned: Graph | undefined;
  const steps: Record<PassName, (x: Graph) => PassResult> = {
    pack: (x) => packEmbeddings(x),
    quantize: (x) => quantize(x, opts),
    sparsify: (x) => {
      if (opts.prune && opts.calibration) unpruned = sparsify(x, { ...opts, prune: 0 }).graph;
      return sparsify(x, opts);
    },
    // default event: callers that do not ask (deploy, import) keep the event-driven schedule
    schedule: (x) => schedulePass(x, { schedule: opts.schedule ?? 'event', ramBytes: opts.ramBytes }),
    'plan-memory': (x) => planMemoryPass(x),
  };
  for (const name of PASS_ORDER) {
    const r = steps[name](g);
    g = r.graph;
    reports.push(r.report);
    if (opts.stopAfter === name) break;
  }
  const warnings = reports.flatMap((r) => r.warnings);
  let calibration: CalibrationReport | undefined;
  if (opts.calibration && opts.calibration.inputs.length && g.stage === 'integer') {
    const { inputs, labels } = opts.calibration;
    const floatPred: number[] = [];
    const intPred: number[] = [];
    const unprunedPred: number[] = [];
    const lifs = g.nodes.filter((n) => n.kind === 'lif').map((n) => n.id);
    const spikes = new Array<number>(lifs.length).fill(0);
    for (const x of inputs) {
      floatPred.push(simulate(input, x, 'float').label);
      const r = simulate(g, x, 'integer');
      intPred.push(r.label);
      r.layerSpikes.forEach((s, i) => (spikes[i] += s));
      if (unpruned) unprunedPred.push(simulate(unpruned, x, 'integer').label);
    }
    let agree = 0;
    for (let i = 0; i < inputs.length; i++) if (floatPred[i] === intPred[i]) agree++;
    const layerSpikes: Record<string, number> = {};
    lifs.forEach((id, i) => {
      layerSpikes[id] = spikes[i] / inputs.length;
      if (spikes[i] === 0) warnings.push(`population ${id} never fired on the ${inputs.length} calibration inputs: it is silent after quantization`);
    });
    calibration = {
      checked: inputs.length,
      agreement: agree / inputs.length,
      accuracyFloat: accuracy(floatPred, labels),
      accuracyInt: accuracy(intPred, labels),
      accuracyIntUnpruned: unpruned ? accuracy(unprunedPred, labels) : undefined,
      layerSpikes,
    };
  }
  return { graph: g, reports, warnings, calibration };
}
