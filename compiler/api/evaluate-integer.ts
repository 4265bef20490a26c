// Measuring a trained float model end to end: the passes (runPipeline) and the wasm backend
// (emitWasm) compile it, runtime/wasm-host runs the artifact on every input, and the reference
// simulator checks the first inputs bit for bit. Used by tests and the benchmarks; it sits in
// the API layer because it combines passes, a backend and the runtime.

import type { Model } from '../ir/types.js';
import { runPipeline } from '../passes/pipeline.js';
import { defaultWeightBits } from '../passes/weight-bits.js';
import { emitWasm } from '../backends/wasm/index.js';
import { loadArtifact, type ArtifactInfo } from '../../runtime/wasm-host.js';
import { simulate, type OpCounts, type SimInput } from '../../runtime/reference.js';
import { artifactEnergy, DEFAULT_PROFILE } from '../../runtime/energy.js';
import { float32Bytes, sameResult } from './shared.js';

export interface IntegerEvaluation {
  labels: number[];
  /** Mean op counters per inference. */
  ops: OpCounts;
  /** Mean ANN MACs per inference (runtime/energy.ts) and mean SNN/ANN arithmetic energy ratio. */
  annMacs: number;
  energyRatio: number;
  /** LIF spikes / LIF neuron updates. */
  firingRate: number;
  /** wasm == reference (labels, scores, counters) on the first `checked` inputs. */
  bitexact: { checked: number; equal: number };
  meta: ArtifactInfo;
  wasmBytes: number;
  warnings: string[];
}

/** Compiles `model` (the family's default weight bits, compiler/passes/weight-bits.ts; default passes) to wasm and runs it on every input. */
export async function evaluateInteger(model: Model, inputs: SimInput[], o: { bitexact?: number; weightBits?: 8 | 16; profile?: string } = {}): Promise<IntegerEvaluation> {
  const pipe = runPipeline(model.graph, { weightBits: o.weightBits ?? defaultWeightBits(model) });
  const emitted = emitWasm(pipe.graph, {
    name: model.meta.name,
    classes: model.meta.classes,
    family: model.meta.family,
    tokenizer: model.tokenizer,
    // a vector model's artifact takes vectors: its vocabulary stays in the .snn model
    vocab: model.graph.nodes.some((n) => n.kind === 'tokens') ? model.vocab : undefined,
    float32Bytes: float32Bytes(model.graph),
  });
  const host = await loadArtifact(emitted.wasm);
  const sum = { sops: 0, updates: 0, spikes: 0, inputSpikes: 0, bytesRead: 0 };
  const labels: number[] = [];
  let macs = 0;
  let ratio = 0;
  let equal = 0;
  const check = Math.min(inputs.length, o.bitexact ?? 50);
  inputs.forEach((x, i) => {
    const r = host.infer(x);
    labels.push(r.label);
    for (const k of Object.keys(sum) as (keyof OpCounts)[]) sum[k] += r.ops[k];
    const n = 'tokens' in x ? x.tokens.length : 1;
    const e = artifactEnergy(host.meta, r.ops, n, o.profile ?? DEFAULT_PROFILE);
    macs += e.annMacs;
    ratio += e.ratio;
    if (i < check && sameResult(r, simulate(pipe.graph, x, 'integer'))) equal++;
  });
  const N = Math.max(1, inputs.length);
  const ops = { sops: sum.sops / N, updates: sum.updates / N, spikes: sum.spikes / N, inputSpikes: sum.inputSpikes / N, bytesRead: sum.bytesRead / N };
  return {
    labels,
    ops,
    annMacs: macs / N,
    energyRatio: ratio / N,
    firingRate: sum.updates ? sum.spikes / sum.updates : 0,
    bitexact: { checked: check, equal },
    meta: host.meta,
    wasmBytes: emitted.wasm.length,
    warnings: pipe.warnings,
  };
}
