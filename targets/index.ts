// Target descriptions (targets/*.json): budgets, ABI, toolchain and recipes of each device
// snnc builds for. Adding a target = one JSON file here plus one platform file in
// firmware-stubs/platform/ (docs/targets.md).

import { PROFILES } from '../runtime/energy.js';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../core/errors.js';

export interface TargetModelConfig {
  dim: number;
  widths: number[];
  maps: number;
  maxLen: number;
  timesteps: number;
  scheme: 'rate' | 'binary' | 'poisson';
  population: number;
  classes: number;
  weightBits: 8 | 16;
  stateBits: 16 | 32;
}

export interface TargetDescription {
  name: string;
  description: string;
  backend: 'c' | 'wasm';
  arch?: string;
  mcu?: string;
  cpu?: string;
  clockHz?: number | null;
  wordBits: number;
  abi?: { pointerBytes: 2 | 4 | 8; maxAlign: 1 | 4 };
  weightBits: number[];
  stateBits: number[];
  flashBytes: number | null;
  ramBytes: number | null;
  /** Firmware beyond the model: code upper bound, static RAM besides buffers, stack reserve. */
  firmware?: { codeBytes: number; codeBytesPerNode?: number; ramBytes: number; stackBytes: number };
  defaultMode?: 'tokens' | 'spikes';
  progmem?: boolean;
  baud?: number;
  energyProfile: string;
  platform?: string;
  toolchain?: { cc: string; cflags: string[]; ldflags: string[]; size: string };
  emulator?: string | null;
  build: string;
  run: string;
  defaultModel?: TargetModelConfig;
}

/** The repository root (the folder holding targets/ and firmware-stubs/), from source or dist. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'firmware-stubs')) && existsSync(join(dir, 'targets'))) return dir;
    dir = dirname(dir);
  }
  fail('SNN_E_BACKEND', 'cannot find the snnc installation (targets/ and firmware-stubs/)');
}

export function targetNames(): string[] {
  return readdirSync(join(repoRoot(), 'targets'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadTarget(name: string): TargetDescription {
  if (!/^[a-z0-9-]+$/.test(name)) fail('SNN_E_USAGE', `bad target name "${name}"`);
  const file = join(repoRoot(), 'targets', `${name}.json`);
  if (!existsSync(file)) fail('SNN_E_USAGE', `unknown target "${name}"`, `targets: ${targetNames().join(', ')}`);
  const t = JSON.parse(readFileSync(file, 'utf8')) as TargetDescription;
  if (t.name !== name) fail('SNN_E_BACKEND', `targets/${name}.json names itself "${t.name}"`);
  if (!(t.energyProfile in PROFILES)) {
    fail('SNN_E_BACKEND', `targets/${name}.json names energy profile "${t.energyProfile}", which runtime/energy.ts does not define`, `profiles: ${Object.keys(PROFILES).join(', ')}`);
  }
  return t;
}
