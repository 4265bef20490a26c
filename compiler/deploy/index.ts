// `snnc deploy`: turns a model into something a device runs. C targets (arduino-uno,
// cortex-m3, host-c): model.h/model.c, the firmware sources, budget.json and, when the
// toolchain is installed, the built image. rpi: a self-contained bundle (rpi.ts). Deploy sits
// above the backends: it is the one place that combines them (the rpi bundle carries a wasm
// artifact and native firmware); backends never import each other.

import { mkdirSync, readFileSync } from 'node:fs';
import { writeAtomic } from '../io/atomic.js';
import { join, resolve } from 'node:path';
import type { Graph, Model } from '../ir/types.js';
import { fail, SnncError } from '../../core/errors.js';
import { readModelFile } from '../frontend/model-format.js';
import { runPipeline } from '../passes/pipeline.js';
import type { ScheduleChoice } from '../passes/schedule.js';
import { withTimesteps } from '../ir/timesteps.js';
import { loadTarget, repoRoot, type TargetDescription } from '../../targets/index.js';
import { emitC, type CBudget, type CMode } from '../backends/c/index.js';
import { FIRMWARE_SOURCES, buildFirmware, haveToolchain } from '../backends/c/build.js';

export interface DeployOptions {
  target: string;
  out: string;
  mode?: CMode;
  weightBits?: 8 | 16;
  stateBits?: 16 | 32;
  prune?: number;
  layout?: 'auto' | 'dense' | 'sparse';
  /** rpi: also cross-build the C firmware for aarch64 ('auto': when the cross compiler exists). */
  native?: boolean | 'auto';
  /** C targets: build the image when the toolchain exists (default true). */
  build?: boolean;
  /**
   * First-layer schedule (the schedule pass; docs/semantics.md): auto (default: the cheaper by the
   * estimate, where the target's RAM holds the group sums and its input mode can run them),
   * event, or grouped.
   */
  schedule?: ScheduleChoice;
  /** Run at T steps instead of the model's (thresholds do not depend on T; compiler/ir/timesteps.ts). */
  timesteps?: number;
}

export interface DeployOutcome {
  text: string;
  outDir: string;
  files: string[];
  budget?: CBudget;
}

function lowered(model: Model, o: DeployOptions, target: TargetDescription): Graph {
  if (model.graph.stage === 'integer' && model.graph.plan) {
    if (o.timesteps !== undefined || (o.schedule !== undefined && o.schedule !== 'event')) fail('SNN_E_USAGE', 'the model is already lowered: its T and schedule are fixed', 'deploy the float .snn model');
    return model.graph;
  }
  model = withTimesteps(model, o.timesteps);
  return runPipeline(model.graph, { weightBits: o.weightBits ?? 8, stateBits: o.stateBits, prune: o.prune ?? 0, layout: o.layout ?? 'auto', schedule: o.schedule ?? 'auto', ramBytes: target.ramBytes }).graph;
}

const groupedIds = (g: Graph): string[] => g.nodes.filter((n) => (n.kind === 'conv1d' || n.kind === 'dense') && n.schedule === 'grouped').map((n) => n.id);

/** One line saying which first-layer schedule the deployed graph runs. */
function scheduleLine(g: Graph, fallback?: string): string {
  const ids = groupedIds(g);
  const what = ids.length ? `level-grouped first layer (${ids.join(', ')})` : 'event-driven';
  return `  schedule: ${what}${fallback ? `; ${fallback}` : ''}`;
}

export async function deploy(modelPath: string, o: DeployOptions): Promise<DeployOutcome> {
  return deployModel(readModelFile(modelPath), o);
}

export async function deployModel(model: Model, o: DeployOptions): Promise<DeployOutcome> {
  const target = loadTarget(o.target);
  const outDir = resolve(o.out);
  mkdirSync(outDir, { recursive: true });
  let graph = lowered(model, o, target);
  // loaded on demand: only the rpi bundle needs the wasm backend (binaryen)
  if (target.name === 'rpi') {
    const out = await (await import('./rpi.js')).rpiBundle(model, graph, target, outDir, o);
    return { ...out, text: `${out.text}\n${scheduleLine(graph)}` };
  }
  if (target.backend !== 'c') fail('SNN_E_USAGE', `deploy targets a device; for ${target.name} use snnc compile`);
  let emitted: ReturnType<typeof emitC>;
  let fallback: string | undefined;
  try {
    emitted = emitC(graph, target, { mode: o.mode, name: model.meta.name });
  } catch (e) {
    // auto picked the grouped schedule by its op estimate, but this target cannot run it (spikes
    // mode over multi-bit levels, or no room left for the sums): the event schedule, said so
    if (o.schedule !== undefined || !groupedIds(graph).length || !(e instanceof SnncError)) throw e;
    graph = lowered(model, { ...o, schedule: 'event' }, target);
    emitted = emitC(graph, target, { mode: o.mode, name: model.meta.name });
    fallback = `auto kept the event schedule: the grouped one does not run here (${e.code}: ${e.message})`;
  }
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    writeAtomic(join(outDir, name), data);
    files.push(name);
  };
  put('model.h', emitted.files['model.h']);
  put('model.c', emitted.files['model.c']);
  const stubs = join(repoRoot(), 'firmware-stubs');
  mkdirSync(join(outDir, 'firmware'), { recursive: true });
  for (const f of [...FIRMWARE_SOURCES, 'snn_kernel.h', 'snn_proto.h', 'snn_platform.h']) {
    writeAtomic(join(outDir, 'firmware', f), readFileSync(join(stubs, f)));
    files.push(`firmware/${f}`);
  }
  put('budget.json', JSON.stringify({ ...emitted.budget, modelHash: emitted.hash }, null, 2) + '\n');
  const lines = [
    `deployed ${model.meta.name} for ${target.name} (${emitted.budget.mode} mode) -> ${outDir}`,
    `  flash ${emitted.budget.flashBytes} B of ${target.flashBytes ?? 'unlimited'} (model ${emitted.budget.modelFlashBytes}, code <= ${emitted.budget.codeBytes})`,
    `  RAM ${emitted.budget.ramBytes} B of ${target.ramBytes ?? 'unlimited'} (state ${emitted.budget.stateBytes}, receive buffer ${emitted.budget.rxBytes}, firmware + stack ${emitted.budget.firmwareRamBytes})`,
    scheduleLine(graph, fallback),
  ];
  if (o.build !== false && haveToolchain(target)) {
    const fw = buildFirmware(emitted, target, outDir);
    files.push(fw.elf.slice(outDir.length + 1));
    if (fw.hex) files.push(fw.hex.slice(outDir.length + 1));
    lines.push(`  built ${fw.elf} (text ${fw.text}, data ${fw.data}, bss ${fw.bss})`);
  } else if (o.build === false) lines.push(`  not built: --no-build (sources only)`);
  else lines.push(`  not built: ${target.toolchain?.cc} is not installed (${target.build})`);
  return { text: lines.join('\n'), outDir, files, budget: emitted.budget };
}
