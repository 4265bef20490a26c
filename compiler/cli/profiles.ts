// `snnc profiles`: its arguments and options; the work is compiler/api/profiles.ts.

import { type CommandSpec, json } from './spec.js';

export const profilesCommand: CommandSpec = {
  name: 'profiles',
  args: [],
  summary: 'list the energy profiles and their sources',
  options: [json],
  run: async () => (await import('../api/profiles.js')).profiles(),
  format: (r) => r.text,
};
