// The pass pipeline: pack -> quantize -> sparsify -> schedule -> plan-memory, stoppable after any
// pass (`--stop-after`). A graph-to-graph transform: measuring what lowering cost on inputs
// (calibration) runs the reference simulator, so it lives above, in compiler/api/calibrate.ts.

import type { Graph } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { validateGraph } from '../ir/validate.js';
import { packEmbeddings } from './pack-embeddings.js';
import { quantize, type QuantizeOptions } from './quantize.js';
import { sparsify, type SparsifyOptions } from './sparsify.js';
import { planMemoryPass } from './plan-memory.js';
import { schedulePass, type ScheduleOptions } from './schedule.js';
import type { PassReport, PassResult } from './pass.js';

export const PASS_ORDER = ['pack', 'quantize', 'sparsify', 'schedule', 'plan-memory'] as const;
export type PassName = (typeof PASS_ORDER)[number];

export interface PipelineOptions extends QuantizeOptions, SparsifyOptions, ScheduleOptions {
  stopAfter?: PassName;
}

export interface PipelineResult {
  graph: Graph;
  reports: PassReport[];
  warnings: string[];
}

export function isPassName(s: string): s is PassName {
  return (PASS_ORDER as readonly string[]).includes(s);
}

export function runPipeline(input: Graph, opts: PipelineOptions = {}): PipelineResult {
  validateGraph(input);
  if (opts.stopAfter !== undefined && !isPassName(opts.stopAfter)) {
    fail('SNN_E_PASS', `unknown pass "${opts.stopAfter}"`, `passes: ${PASS_ORDER.join(', ')}`);
  }
  const reports: PassReport[] = [];
  let g = input;
  const steps: Record<PassName, (x: Graph) => PassResult> = {
    pack: (x) => packEmbeddings(x),
    quantize: (x) => quantize(x, opts),
    sparsify: (x) => sparsify(x, opts),
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
  return { graph: g, reports, warnings };
}
