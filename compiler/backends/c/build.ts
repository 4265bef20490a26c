// Builds the firmware for a C target: writes model.h/model.c next to copies of nothing else,
// compiles them with the kernel, protocol and the target's platform file from firmware-stubs/,
// and measures the sections of the result (to check the predicted budget).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../../../core/errors.js';
import { repoRoot, type TargetDescription } from '../../../targets/index.js';
import type { EmittedCModel } from './index.js';
import { writeAtomic } from '../../io/atomic.js';

export interface BuiltFirmware {
  dir: string;
  /** The executable (host) or ELF image (boards). */
  elf: string;
  /** Intel HEX for flashing (AVR only). */
  hex?: string;
  text: number;
  data: number;
  bss: number;
}

export const KERNEL_SOURCES = ['snn_kernel.c', 'snn_proto.c', 'snn_firmware.c'];
/** Kernel sources linked only when the model needs them (so other images do not grow). */
export const FEATURE_SOURCES = { scan: 'snn_scan.c', fast: 'snn_fast.c', group: 'snn_group.c', groupFast: 'snn_group_fast.c', counts: 'snn_counts.c' } as const;
/** Every firmware source file (what `snnc deploy` copies). */
export const FIRMWARE_SOURCES = [...KERNEL_SOURCES, ...Object.values(FEATURE_SOURCES)];

/** What buildFirmware compiles: an SNN model (its plan picks the kernel sources) or one that names its own (the twin ANN). */
export type FirmwareModel = Pick<EmittedCModel, 'files'> & ({ plan: EmittedCModel['plan'] } | { kernel: string[] });

/** The kernel sources one model's firmware compiles. */
export function kernelSources(model: FirmwareModel): string[] {
  if ('kernel' in model) return model.kernel;
  const out = [...KERNEL_SOURCES];
  if (model.plan.pops.some((p) => p.scan)) out.push(FEATURE_SOURCES.scan);
  if (model.plan.synapses.some((s) => s.lut)) out.push(FEATURE_SOURCES.fast);
  if (model.plan.synapses.some((s) => s.grouped && !s.grouped.fast) || model.plan.encoders.some((e) => e.levelsOnly)) out.push(FEATURE_SOURCES.group);
  if (model.plan.synapses.some((s) => s.grouped?.fast)) out.push(FEATURE_SOURCES.groupFast);
  // a direct spike input of counts above 1 (docs/firmware.md "Spike-train input")
  if (model.plan.encoders.some((e) => e.node.scheme === 'direct' && e.bits > 1)) out.push(FEATURE_SOURCES.counts);
  return out;
}

/** Is the target's compiler on PATH? */
export function haveToolchain(target: TargetDescription): boolean {
  if (!target.toolchain) return false;
  try {
    execFileSync(target.toolchain.cc, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function buildFirmware(model: FirmwareModel, target: TargetDescription, dir: string, opts: { cc?: string; extraFlags?: string[] } = {}): BuiltFirmware {
  const tc = target.toolchain;
  if (!tc || !target.platform) fail('SNN_E_BACKEND', `target ${target.name} has no C toolchain`);
  const root = repoRoot();
  const stubs = join(root, 'firmware-stubs');
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'model.h'), model.files['model.h']);
  writeAtomic(join(dir, 'model.c'), model.files['model.c']);
  const elf = join(dir, target.arch === 'native' || target.arch === 'aarch64' ? 'snn-firmware' : 'firmware.elf');
  const cc = opts.cc ?? tc.cc;
  const ldflags = tc.ldflags.map((f) => (f.startsWith('-T') ? `-T${join(root, f.slice(2))}` : f));
  const args = [
    ...tc.cflags,
    ...(opts.extraFlags ?? []),
    `-I${dir}`,
    `-I${stubs}`,
    join(dir, 'model.c'),
    ...kernelSources(model).map((s) => join(stubs, s)),
    join(root, target.platform),
    '-o',
    elf,
    ...ldflags,
  ];
  try {
    execFileSync(cc, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    fail('SNN_E_BACKEND', `${cc} failed for ${target.name}: ${err.stderr?.toString().slice(0, 2000) ?? err.message}`);
  }
  let hex: string | undefined;
  if (target.arch === 'avr') {
    hex = join(dir, 'firmware.hex');
    execFileSync('avr-objcopy', ['-O', 'ihex', '-R', '.eeprom', elf, hex]);
  }
  const sizes = sectionSizes(tc.size, elf);
  return { dir, elf, hex, ...sizes };
}

/** Berkeley-format sizes: text (code + const), data (initialised RAM, also in flash), bss. */
export function sectionSizes(sizeTool: string, elf: string): { text: number; data: number; bss: number } {
  if (!existsSync(elf)) fail('SNN_E_BACKEND', `${elf} was not built`);
  const out = execFileSync(sizeTool, ['-B', elf], { encoding: 'utf8' });
  const line = out.trim().split('\n')[1]?.trim().split(/\s+/) ?? [];
  const [text, data, bss] = line.map(Number);
  return { text, data, bss };
}
