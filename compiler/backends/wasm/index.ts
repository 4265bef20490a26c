// The wasm backend's entry point: integer Graph + metadata -> a self-describing WebAssembly
// module specialised to the model (docs/wasm.md). The only module in snnc that imports
// binaryen; runtime/wasm-host.ts loads what it emits, in Node or a browser.

import binaryen from 'binaryen';
import type { Graph } from '../../ir/types.js';
import { fail, isSnncError } from '../../../core/errors.js';
import { ARTIFACT_SECTION, type ArtifactInfo, type ArtifactMeta } from '../../../runtime/wasm/artifact-format.js';
import { WasmGen } from './emit.js';
import { artifactInfo } from './meta.js';
import { planGraph, tableLayout } from './plan.js';
import { requireFeatures } from '../../ir/features.js';
import { outputNeuronNames, withOutputReadout } from '../../ir/output-readout.js';
import { sealArtifact } from './seal.js';

export type { ArtifactInfo, ArtifactMeta } from '../../../runtime/wasm/artifact-format.js';

export interface EmitWasmOptions {
  /** Use 128-bit SIMD for row adds, fire loops and the rate encoder (default true). */
  simd?: boolean;
  /** Run binaryen's optimizer at level 3 (default true). */
  optimize?: boolean;
  /** Also return the module as WebAssembly text (for golden tests and reading). */
  text?: boolean;
}

export interface WasmLayout {
  pages: number;
  memoryBytes: number;
  /** Constant region: embedding levels, Poisson cut-offs, synapse tables (padded). */
  constBytes: number;
  /** Mutable region: membranes, spike lists, encoder state, readout counts. */
  stateBytes: number;
  inputPtr: number;
  scoresPtr: number;
  countersPtr: number;
  errorPtr: number;
  tables: { id: string; layout: 'dense' | 'sparse'; weightBits: number; tableBytes: number; memBytes: number; addr: number }[];
}

export interface EmittedWasm {
  wasm: Uint8Array<ArrayBuffer>;
  wat?: string;
  info: ArtifactInfo;
  layout: WasmLayout;
}

/** Compiles an integer graph to a WebAssembly artifact. Deterministic: same input, same bytes. */
export function emitWasm(graph: Graph, meta: ArtifactMeta, opts: EmitWasmOptions = {}): EmittedWasm {
  const simd = opts.simd ?? true;
  const optimize = opts.optimize ?? true;
  requireFeatures(graph, 'wasm', ['scan', 'max-positions', 'membrane-readout', 'non-spiking', 'grouped-schedule', 'synaptic-current', 'spike-input', 'no-readout']);
  let traceState = false;
  if (!graph.nodes.some((n) => n.kind === 'readout')) {
    // docs/wasm.md "Graphs without readout": the output population's neurons are the result, and
    // the trace also holds every population's membranes (and currents) per step (vector graphs)
    const names = outputNeuronNames(graph);
    graph = withOutputReadout(graph);
    const r = graph.nodes.find((n) => n.kind === 'readout')!;
    traceState = !graph.nodes.some((n) => n.kind === 'lif' && (n.perPosition || n.scan));
    meta = { ...meta, classes: meta.classes.length ? meta.classes : names, extra: { ...meta.extra, outputReadout: { from: r.kind === 'readout' ? r.from : '', neurons: names.length, ...(traceState ? { traceState: true, currents: graph.nodes.filter((n) => n.kind === 'lif' && n.synBeta !== undefined).map((n) => n.id) } : {}) } } };
  }
  const plan = planGraph(graph);
  const info = artifactInfo(plan, meta, simd);
  const gen = new WasmGen(plan, simd, traceState);
  const mod = gen.module;
  const savedOpt = binaryen.getOptimizeLevel();
  const savedShrink = binaryen.getShrinkLevel();
  try {
    gen.build();
    if (!mod.validate()) fail('SNN_E_BACKEND', 'binaryen rejected the generated module', 'this is a bug in the wasm backend');
    if (optimize) {
      binaryen.setOptimizeLevel(3);
      binaryen.setShrinkLevel(0);
      mod.optimize();
    }
    mod.addCustomSection(ARTIFACT_SECTION, new TextEncoder().encode(JSON.stringify(info)));
    const wasm = sealArtifact(new Uint8Array(mod.emitBinary()));
    const wat = opts.text ? mod.emitText() : undefined;
    return {
      wasm,
      wat,
      info,
      layout: {
        pages: plan.pages,
        memoryBytes: plan.pages * 65536,
        constBytes: plan.constEnd - plan.constStart,
        stateBytes: plan.memEnd - plan.stateStart,
        inputPtr: plan.inputAddr,
        scoresPtr: plan.scoresAddr,
        countersPtr: plan.countersAddr,
        errorPtr: plan.errorAddr,
        tables: tableLayout(plan),
      },
    };
  } catch (e) {
    if (isSnncError(e)) throw e;
    fail('SNN_E_BACKEND', `wasm emission failed: ${(e as Error).message}`);
  } finally {
    binaryen.setOptimizeLevel(savedOpt);
    binaryen.setShrinkLevel(savedShrink);
    mod.dispose();
  }
}
