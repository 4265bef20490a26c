// The C backend's entry point: integer Graph -> model.h + model.c for the generic firmware
// kernel in firmware-stubs/, with the target's flash and RAM budget computed before any
// compiler runs; a model that does not fit fails with SNN_E_TOO_BIG and what would fix it.

import { requireFeatures } from '../../ir/features.js';
import { withOutputReadout } from '../../ir/output-readout.js';
import type { Graph } from '../../ir/types.js';
import { fail } from '../../../core/errors.js';
import type { TargetDescription } from '../../../targets/index.js';
import { emitCSources } from './emit.js';
import { constItems, frameBytes, planC, stateBytes, stateFields, type CAbi, type CMode, type CPlan } from './plan.js';

export { planC, frameBytes, type CMode, type CPlan } from './plan.js';
export { BANNER } from './emit.js';

export interface CBudget {
  target: string;
  mode: CMode;
  /** Exact bytes of the model's constant tables and descriptors. */
  modelFlashBytes: number;
  /** Upper bound of kernel + protocol + platform code (target description). */
  codeBytes: number;
  flashBytes: number;
  flashLimit: number | null;
  /** Exact sizeof(snn_state). */
  stateBytes: number;
  /** Exact receive buffer of the frame parser. */
  rxBytes: number;
  /** Firmware statics besides the above, plus the stack reserve. */
  firmwareRamBytes: number;
  /** The stack reserve within firmwareRamBytes (the target's, plus the scan kernel's when linked). */
  stackBytes: number;
  ramBytes: number;
  ramLimit: number | null;
  fits: boolean;
}

export interface EmittedCModel {
  files: { 'model.h': string; 'model.c': string };
  hash: number;
  plan: CPlan;
  budget: CBudget;
}

export interface EmitCOptions {
  mode?: CMode;
  name?: string;
  /** Skip the SNN_E_TOO_BIG check (the budget is still returned). */
  noFitCheck?: boolean;
}

const DEFAULT_ABI: CAbi = { pointerBytes: 8, maxAlign: 4 };

/**
 * What firmware-stubs/snn_scan.c adds to a target's measured bounds when the model has scan
 * populations (build.ts links it only then, so other images are unchanged): its code, and the
 * extra depth of its deepest call chain (snn_scan -> snn_dense for int16-weight or sparse
 * scans). Measured at -O2: avr-gcc 5.4 2526 B of code, deepest stack 184 B in simavr (sparse
 * tables) against 137 B for the Uno TextCNN (160 B reserve); arm-none-eabi-gcc 12 2256 B.
 * Rounded up. A target
 * description may set them itself as firmware.scanCodeBytes / firmware.scanStackBytes.
 */
export const SCAN_KERNEL_BOUNDS: Record<string, { codeBytes: number; stackBytes: number }> = {
  avr: { codeBytes: 2600, stackBytes: 48 },
  arm: { codeBytes: 2400, stackBytes: 0 },
};

/**
 * What firmware-stubs/snn_fast.c (the fast conv, linked only when the model uses it) adds:
 * its code (measured at -O2: avr-gcc 5.4 4100 B, arm-none-eabi-gcc 12 3220 B; rounded up) and
 * extra stack (none: snn_conv_lut -> the AVR asm block, which saves 18 registers, measured
 * 144 B deep in simavr on the Uno configuration, within the 160 B reserve). A target
 * description may set firmware.fastCodeBytes / firmware.fastStackBytes.
 */
export const FAST_KERNEL_BOUNDS: Record<string, { codeBytes: number; stackBytes: number }> = {
  avr: { codeBytes: 4300, stackBytes: 0 },
  arm: { codeBytes: 3400, stackBytes: 0 },
};

/**
 * What the level-grouped schedule adds (linked only when used): firmware-stubs/snn_group.c for
 * generic grouped synapses (measured at -O2: avr-gcc 5.4 1496 B, arm-none-eabi-gcc 12 842 B),
 * snn_group_fast.c for the binary fast path (1318 / 964 B), and per grouped synapse the forming
 * glue in model.c (the step-0 block). Rounded up. Stack: the fast path's forming calls the fast
 * conv from the step function as the event path does (148 B deepest in simavr on the Uno
 * model); the generic forming's chain (snn_group_form -> snn_add_row) is shallower.
 */
export const GROUP_KERNEL_BOUNDS: Record<string, { genericBytes: number; fastBytes: number; perSynapseBytes: number }> = {
  avr: { genericBytes: 1600, fastBytes: 1400, perSynapseBytes: 120 },
  arm: { genericBytes: 950, fastBytes: 1100, perSynapseBytes: 80 },
};

/**
 * What firmware-stubs/snn_counts.c (snn_load_counts, linked only for a direct spike input of
 * counts above 1) adds: measured at -O2, avr-gcc 5.4 236 B, arm-none-eabi-gcc 12 80 B of code;
 * rounded up. No extra stack depth (a leaf called from snn_model_load).
 */
export const COUNTS_KERNEL_BYTES: Record<string, number> = { avr: 300, arm: 120 };

function countsCodeBytes(plan: CPlan, target: TargetDescription): number {
  return plan.encoders.some((e) => e.node.scheme === 'direct' && e.bits > 1) ? (COUNTS_KERNEL_BYTES[target.arch ?? ''] ?? 0) : 0;
}

function groupCodeBytes(plan: CPlan, target: TargetDescription): number {
  const b = GROUP_KERNEL_BOUNDS[target.arch ?? ''];
  const grouped = plan.synapses.filter((s) => s.grouped);
  if (!b || !grouped.length) return 0;
  return (grouped.some((s) => !s.grouped!.fast) || plan.encoders.some((e) => e.levelsOnly) ? b.genericBytes : 0) + (grouped.some((s) => s.grouped!.fast) ? b.fastBytes : 0) + b.perSynapseBytes * grouped.length;
}

function fastBounds(target: TargetDescription): { codeBytes: number; stackBytes: number } {
  const fw = (target.firmware ?? {}) as { fastCodeBytes?: number; fastStackBytes?: number };
  const d = FAST_KERNEL_BOUNDS[target.arch ?? ''] ?? { codeBytes: 0, stackBytes: 0 };
  return { codeBytes: fw.fastCodeBytes ?? d.codeBytes, stackBytes: fw.fastStackBytes ?? d.stackBytes };
}

function scanBounds(target: TargetDescription): { codeBytes: number; stackBytes: number } {
  const fw = (target.firmware ?? {}) as { scanCodeBytes?: number; scanStackBytes?: number };
  const d = SCAN_KERNEL_BOUNDS[target.arch ?? ''] ?? { codeBytes: 0, stackBytes: 0 };
  return { codeBytes: fw.scanCodeBytes ?? d.codeBytes, stackBytes: fw.scanStackBytes ?? d.stackBytes };
}

/** Receive buffer of the firmware's frame parser: SNN_RX_CAP in snn_firmware.c. */
export function rxBytes(plan: CPlan): number {
  let payload: number;
  if (plan.mode === 'spikes') payload = 2 + frameBytes(plan, plan.maxLen);
  else if (plan.vector) payload = plan.vector.dim;
  else payload = 2 + 2 * plan.maxLen;
  return 7 + Math.max(payload, 16);
}

export function budgetC(plan: CPlan, target: TargetDescription): CBudget {
  const abi = target.abi ?? DEFAULT_ABI;
  const modelFlashBytes = constItems(plan, abi).reduce((a, x) => a + x.bytes, 0);
  const fw = target.firmware ?? { codeBytes: 0, ramBytes: 0, stackBytes: 0 };
  const state = stateBytes(plan, abi);
  const rx = rxBytes(plan);
  const scan = plan.pops.some((p) => p.scan) ? scanBounds(target) : { codeBytes: 0, stackBytes: 0 };
  const fast = plan.synapses.some((s) => s.lut) ? fastBounds(target) : { codeBytes: 0, stackBytes: 0 };
  // code: a measured bound for kernel + protocol + platform, plus the glue per graph node
  const codeBytes = fw.codeBytes + scan.codeBytes + fast.codeBytes + groupCodeBytes(plan, target) + countsCodeBytes(plan, target) + (fw.codeBytesPerNode ?? 0) * (plan.synapses.length + plan.pops.length + plan.encoders.length);
  const flashBytes = modelFlashBytes + codeBytes;
  // without PROGMEM (ARM), const tables stay in flash too: no RAM copy
  const stack = fw.stackBytes + Math.max(scan.stackBytes, fast.stackBytes);
  const ramBytes = state + rx + fw.ramBytes + stack;
  const fits = (target.flashBytes === null || flashBytes <= target.flashBytes) && (target.ramBytes === null || ramBytes <= target.ramBytes);
  return {
    target: target.name,
    mode: plan.mode,
    modelFlashBytes,
    codeBytes,
    flashBytes,
    flashLimit: target.flashBytes,
    stateBytes: state,
    rxBytes: rx,
    firmwareRamBytes: fw.ramBytes + stack,
    stackBytes: stack,
    ramBytes,
    ramLimit: target.ramBytes,
    fits,
  };
}

/** RAM bytes that scale with positions, per position (what a smaller maxLen saves). */
function ramPerPosition(plan: CPlan, abi: CAbi): number {
  if (plan.maxLen <= 1) return 0;
  const shorter = planC({ ...plan.graph, nodes: plan.graph.nodes.map((n) => (n.kind === 'tokens' ? { ...n, maxLen: n.maxLen - 1 } : n)) }, plan.mode, plan.options);
  return stateBytes(plan, abi) + rxBytes(plan) - stateBytes(shorter, abi) - rxBytes(shorter);
}

function tooBig(plan: CPlan, b: CBudget, target: TargetDescription): never {
  const abi = target.abi ?? DEFAULT_ABI;
  const parts: string[] = [];
  const hints: string[] = [];
  if (b.ramLimit !== null && b.ramBytes > b.ramLimit) {
    const over = b.ramBytes - b.ramLimit;
    const big = stateFields(plan)
      .map((f) => ({ f, bytes: f.count * (f.ctype.endsWith('32_t') ? 4 : f.ctype.endsWith('16_t') ? 2 : 1) }))
      .sort((x, y) => y.bytes - x.bytes)
      .slice(0, 3)
      .map((x) => `${x.f.what} ${x.bytes} B`);
    parts.push(`needs ${b.ramBytes} bytes of RAM, ${over} more than the ${b.ramLimit} of ${target.name} (state ${b.stateBytes}, receive buffer ${b.rxBytes}, firmware and stack ${b.firmwareRamBytes}; largest: ${big.join(', ')})`);
    const perPos = ramPerPosition(plan, abi);
    if (perPos > 0) {
      const cut = Math.ceil(over / perPos);
      if (cut < plan.maxLen) hints.push(`maxLen ${plan.maxLen - cut} or less (each position costs ${perPos} B)`);
    }
    hints.push(plan.pops.some((p) => p.scan) ? 'fewer hidden channels per scan population' : 'fewer feature maps per width');
    if (plan.mode === 'tokens') {
      const alt = budgetC(planC(plan.graph, 'spikes', plan.options), target);
      hints.push(`spikes mode (${alt.ramBytes} B of RAM${alt.fits ? ', which fits' : ''})`);
    }
    if (plan.pops.some((p) => p.v32)) hints.push('16-bit membranes (quantize with stateBits 16, fewer timesteps or smaller weights)');
    if (plan.synapses.some((s) => s.grouped)) hints.push('the event schedule (--schedule event): no level-grouped sums in RAM');
  }
  if (b.flashLimit !== null && b.flashBytes > b.flashLimit) {
    const over = b.flashBytes - b.flashLimit;
    parts.push(`needs ${b.flashBytes} bytes of flash, ${over} more than the ${b.flashLimit} of ${target.name} (model tables ${b.modelFlashBytes}, code up to ${b.codeBytes})`);
    if (plan.mode === 'tokens' && plan.encoders.some((e) => e.source.kind === 'embedding')) hints.push('spikes mode (the host keeps the embedding table)');
    hints.push('pruning (snnc compile --prune 0.5: sparse tables)', 'fewer feature maps', 'a smaller vocabulary');
  }
  fail('SNN_E_TOO_BIG', `the model ${parts.join('; and ')}`, `what would make it fit: ${hints.join('; ')}`);
}

/** Emits model.h/model.c for a target (or the host ABI); refuses models that do not fit. */
export function emitC(graph: Graph, target: TargetDescription, opts: EmitCOptions = {}): EmittedCModel {
  if (target.backend !== 'c' && target.name !== 'rpi') fail('SNN_E_BACKEND', `target ${target.name} does not use the C backend`);
  requireFeatures(graph, 'C', ['scan', 'non-spiking', 'max-positions', 'membrane-readout', 'grouped-schedule', 'synaptic-current', 'spike-input', 'no-readout']);
  // docs/firmware.md "Graphs without readout": the output population's neurons are the scores
  graph = withOutputReadout(graph);
  // a spike-train (direct) input is the host's per-step spikes: spikes mode unless asked otherwise
  const direct = graph.nodes.some((n) => n.kind === 'encoder' && n.scheme === 'direct');
  const mode = opts.mode ?? (direct ? 'spikes' : (target.defaultMode ?? 'tokens'));
  let plan = planC(graph, mode);
  for (const p of plan.pops) {
    const bits = p.v32 ? 32 : 16;
    if (!target.stateBits.includes(bits)) fail('SNN_E_BACKEND', `${p.node.id} has ${bits}-bit membranes; ${target.name} takes ${target.stateBits.join(' or ')}`);
  }
  let budget = budgetC(plan, target);
  // AVR reads the tables with LPM (16-bit Z): constants beyond 64 KB would be out of reach
  const lpmOk = target.arch !== 'avr' || budget.modelFlashBytes <= 0xff00;
  if ((!budget.fits || !lpmOk) && plan.synapses.some((s) => s.lut)) {
    // the fast conv's tables cost flash: without them, the generic conv
    const slow = planC(graph, mode, { fast: false });
    const b = budgetC(slow, target);
    const ramOk = budget.ramLimit === null || budget.ramBytes <= budget.ramLimit;
    if (b.fits || ramOk || !lpmOk) {
      plan = slow;
      budget = b;
    }
  }
  if (!budget.fits && !opts.noFitCheck) tooBig(plan, budget, target);
  const src = emitCSources(plan, opts.name ?? 'model', { avr: target.arch === 'avr' });
  return { files: { 'model.h': src.header, 'model.c': src.source }, hash: src.hash, plan, budget };
}
