// What every pass returns besides the new graph: a report with numbers a user can read and
// warnings worth printing. Passes never mutate their input graph.

import type { Graph } from '../ir/types.js';

export interface PassReport {
  pass: string;
  /** Numbers for --json output and report.json. */
  details: Record<string, unknown>;
  warnings: string[];
}

export interface PassResult {
  graph: Graph;
  report: PassReport;
}

/** Deep copy with typed arrays copied, so passes stay pure. */
export function cloneGraph(g: Graph): Graph {
  return structuredClone(g);
}
