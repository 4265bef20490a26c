// `snnc profiles`: the energy profiles and their sources (runtime/energy.ts, docs/energy.md).

import { PROFILES } from '../../runtime/energy.js';

export async function profiles(): Promise<{ text: string; profiles: { name: string; description: string; source: string }[] }> {
  const list = Object.values(PROFILES).map((p) => ({ name: p.name, description: p.description, source: p.source }));
  return { text: list.map((p) => `${p.name.padEnd(16)} ${p.description}\n${''.padEnd(17)}source: ${p.source}`).join('\n'), profiles: list };
}
