// `snnc deploy`: CLI options (commander-parsed) to compiler/deploy (C firmware, or the Raspberry
// Pi bundle).

import { fail } from '../../core/errors.js';
import type { CMode } from '../backends/c/index.js';
import { SCHEDULES, type ScheduleChoice } from '../passes/schedule.js';
import { checkTimesteps } from '../ir/timesteps.js';
import { deploy, type DeployOptions, type DeployOutcome } from '../deploy/index.js';

/** The `snnc deploy <model>` command: CLI options (commander-parsed) -> deploy(). */
export async function runDeploy(args: string[], o: Record<string, unknown>): Promise<DeployOutcome> {
  if (args.length !== 1) fail('SNN_E_USAGE', 'deploy takes one model file', 'snnc deploy model.snn --target arduino-uno -o out/');
  const target = String(o.target ?? 'arduino-uno');
  const num = (x: unknown): number | undefined => (x === undefined ? undefined : Number(x));
  const weightBits = num(o.weightBits);
  const stateBits = num(o.stateBits);
  if (weightBits !== undefined && weightBits !== 8 && weightBits !== 16) fail('SNN_E_USAGE', '--weight-bits must be 8 or 16');
  if (stateBits !== undefined && stateBits !== 16 && stateBits !== 32) fail('SNN_E_USAGE', '--state-bits must be 16 or 32');
  const mode = o.mode === undefined ? undefined : String(o.mode);
  const schedule = o.schedule === undefined ? undefined : (String(o.schedule) as ScheduleChoice);
  if (schedule !== undefined && !SCHEDULES.includes(schedule)) fail('SNN_E_USAGE', `--schedule must be one of ${SCHEDULES.join(', ')}`);
  if (mode !== undefined && mode !== 'tokens' && mode !== 'spikes') fail('SNN_E_USAGE', '--mode must be tokens or spikes');
  return deploy(args[0], {
    target,
    out: String(o.out ?? 'deploy'),
    mode: mode as CMode | undefined,
    weightBits: weightBits as 8 | 16 | undefined,
    stateBits: stateBits as 16 | 32 | undefined,
    prune: num(o.prune),
    layout: o.layout as DeployOptions['layout'],
    native: o.native === false ? false : 'auto',
    build: o.build !== false,
    schedule,
    timesteps: o.timesteps === undefined ? undefined : checkTimesteps(o.timesteps),
  });
}
