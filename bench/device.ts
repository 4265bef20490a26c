// One firmware image on one (emulated) board, for the device benchmarks (bench/targets.ts,
// bench/twin.ts): host-c natively, arduino-uno in simavr (exact cycles from Timer1), cortex-m3
// in QEMU mps2-an385 with the instruction-counting TCG plugin (exact instructions inside the
// compute kernel's functions). Runs the inputs over the serial protocol and checks every
// result against the expected (reference) one.

import type { BuiltFirmware } from '../compiler/backends/c/build.js';
import type { Graph } from '../compiler/ir/types.js';
import type { InferenceResult, SimInput } from '../runtime/reference.js';
import type { EncodedInput } from '../runtime/serial/host-encoder.js';
import { spawnSerialBoard } from '../runtime/serial/child.js';
import { QEMU_CM3, SIMAVR_FLAGS, buildHarness, computeRanges } from '../test/firmware/helpers.js';

export function sameResult(a: InferenceResult, b: InferenceResult): boolean {
  const pick = (r: InferenceResult) => JSON.stringify({ l: r.label, s: r.scores, o: r.ops, ls: r.layerSpikes, lu: r.layerUpdates });
  return pick(a) === pick(b);
}

export interface DeviceRun {
  n: number;
  equal: number;
  /** Timer1 cycles summed over the inputs (arduino-uno; 0 elsewhere). */
  cycles: number;
  /** Instructions inside the compute kernel summed over the inputs (cortex-m3), else undefined. */
  instructions?: number;
  /** Bytes on the wire, both directions, summed. */
  wire: number;
}

/** The command that runs an image of `target` with its UART on stdio. */
export function boardCommand(target: string, elf: string): [string, string[]] {
  if (target === 'host-c') return [elf, []];
  if (target === 'arduino-uno') return [buildHarness('simavr-uart', SIMAVR_FLAGS), [elf]];
  if (target === 'cortex-m3') {
    const plugin = buildHarness('insn-count', ['-shared', '-fPIC']);
    const ranges = computeRanges('arm-none-eabi-nm', elf).map(([lo, hi]) => `range=0x${lo.toString(16)}-0x${hi.toString(16)}`);
    return ['qemu-system-arm', [...QEMU_CM3, '-plugin', [plugin, ...ranges].join(','), '-kernel', elf]];
  }
  throw new Error(`no emulator for ${target}`);
}

export async function runOnDevice(
  target: string,
  fw: BuiltFirmware,
  o: { hash: number; graph?: Graph; encode?: (x: SimInput) => EncodedInput; inputs: SimInput[]; expected: InferenceResult[]; timeoutMs?: number },
): Promise<DeviceRun> {
  const [cmd, args] = boardCommand(target, fw.elf);
  const b = await spawnSerialBoard(cmd, args, { graph: o.graph, encode: o.encode, modelHash: o.hash, timeoutMs: o.timeoutMs ?? 30000 });
  let equal = 0;
  let cycles = 0;
  let wire = 0;
  try {
    for (const [i, x] of o.inputs.entries()) {
      const r = await b.board.classify(x);
      if (sameResult(r, o.expected[i])) equal++;
      cycles += r.cycles;
      wire += r.bytesSent + r.bytesReceived;
    }
  } finally {
    await b.stop('SIGTERM');
  }
  const m = /compute=(\d+)/.exec(b.stderr());
  return { n: o.inputs.length, equal, cycles, instructions: target === 'cortex-m3' && m ? Number(m[1]) : undefined, wire };
}
