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

/**
 * Deep copy with typed arrays copied, so passes stay pure. A graph is plain data (objects,
 * arrays, numbers, strings, typed arrays); a walk with `slice()` for the typed arrays is one
 * memcpy each, where structuredClone serialized and deserialized them (seconds and a
 * transient double copy on an unrolled conv graph of ~10^8 weights).
 */
export function cloneGraph(g: Graph): Graph {
  return copy(g) as Graph;
}

function copy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) return (v as unknown as { slice(): unknown }).slice();
  if (Array.isArray(v)) return v.map(copy);
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) o[k] = copy(x);
  return o;
}
