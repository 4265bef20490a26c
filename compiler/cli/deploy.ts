// `snnc deploy`: its arguments and options; the work is compiler/api/deploy.ts.

import { type CommandSpec, json } from './spec.js';

export const deployCommand: CommandSpec = {
  name: 'deploy',
  args: ['<model>'],
  summary: 'build for a device: C firmware (arduino-uno, cortex-m3, host-c) or a Raspberry Pi bundle (rpi)',
  options: [
    { flags: '--target <name>', description: 'arduino-uno | cortex-m3 | host-c | rpi', default: 'arduino-uno' },
    { flags: '-o, --out <dir>', description: 'output folder', default: 'deploy' },
    { flags: '--mode <mode>', description: "on-device input (default: the target's)", choices: ['tokens', 'spikes'] },
    { flags: '--weight-bits <n>', description: 'weight width (8 or 16)', parse: 'int', default: 8 },
    { flags: '--state-bits <n>', description: 'force membrane width (16 or 32)', parse: 'int' },
    { flags: '--prune <x>', description: 'fraction of weights to prune', parse: 'float' },
    { flags: '--layout <l>', description: 'table layout', choices: ['auto', 'dense', 'sparse'], default: 'auto' },
    { flags: '--no-native', description: 'rpi: skip the native aarch64 firmware' },
    { flags: '--no-build', description: 'C targets: write sources only' },
    { flags: '--schedule <kind>', description: 'first-layer additions: auto (default: level-grouped where it saves ops and the target can run it), event-driven, or level-grouped (rate/binary encoders; spikes mode: binary only)', choices: ['auto', 'event', 'grouped'] },
    { flags: '--timesteps <n>', description: "run at n steps instead of the model's (no retraining)" },
    json,
  ],
  run: async (a, o) => (await import('../api/deploy.js')).runDeploy(a, o),
  format: (r) => r.text,
};
