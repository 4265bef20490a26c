// Stable text form of the IR, for `--stop-after` dumps and golden tests. One line per node;
// tensors print as dtype, shape, a few statistics and an FNV-1a digest of their values, so
// a golden file changes exactly when a value changes and stays readable.

import type { Graph, Node, SynapseTable, Tensor } from './types.js';

/** FNV-1a over the values (as int32 or float32 bits): a short, stable digest. */
export function digest(a: ArrayLike<number>, float = false): string {
  let h = 0x811c9dc5;
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < a.length; i++) {
    let x: number;
    if (float) {
      f[0] = a[i];
      x = u[0];
    } else x = a[i] >>> 0;
    for (let k = 0; k < 4; k++) {
      h ^= (x >>> (8 * k)) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h.toString(16).padStart(8, '0');
}

function fmtNum(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Number(x.toPrecision(6)).toString();
}

function stats(a: ArrayLike<number>): string {
  let lo = Infinity;
  let hi = -Infinity;
  let nz = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
    if (a[i] !== 0) nz++;
  }
  return `min=${fmtNum(lo)} max=${fmtNum(hi)} nnz=${nz}`;
}

export function printTensor(t: Tensor): string {
  if (t.dtype === 'f32') return `f32[${t.shape.join('x')}] ${stats(t.data)} #${digest(t.data, true)}`;
  return `int${t.fmt.bits}[${t.shape.join('x')}] frac=${t.fmt.frac} ${stats(t.data)} #${digest(t.data)}`;
}

export function printTable(t: SynapseTable): string {
  if (t.layout === 'dense') return `dense ${t.rows}x${t.rowLength} w${t.weightBits} #${digest(t.weights)}`;
  return `sparse ${t.rows}x${t.rowLength} nnz=${t.weights.length} w${t.weightBits} #${digest(t.weights)}/${digest(t.target)}/${digest(t.rowStart)}`;
}

export function printNode(n: Node): string {
  switch (n.kind) {
    case 'tokens':
      return `%${n.id} = tokens maxLen=${n.maxLen}`;
    case 'vector':
      return `%${n.id} = vector dim=${n.dim}`;
    case 'embedding': {
      const parts = [`%${n.id} = embedding %${n.from} vocab=${n.vocab} dim=${n.dim}`];
      if (n.table) parts.push(`table=${printTensor(n.table)}`);
      if (n.levels) parts.push(`levels=u${n.levels.bits}[${n.vocab}x${n.dim}] bytes=${n.levels.data.length} #${digest(n.levels.data)}`);
      return parts.join(' ');
    }
    case 'encoder':
      return `%${n.id} = encoder %${n.from} scheme=${n.scheme} bits=${n.bits}${n.scheme === 'poisson' ? ` seed=${n.seed}` : ''}`;
    case 'conv1d':
      return `%${n.id} = conv1d %${n.from} -> %${n.to} width=${n.width} in=${n.inChannels} out=${n.outChannels} weight=${printTensor(n.weight)}${n.table ? ` table=${printTable(n.table)}` : ''}${n.schedule ? ` schedule=${n.schedule}` : ''}`;
    case 'dense':
      return `%${n.id} = dense %${n.from} -> %${n.to} in=${n.inFeatures} out=${n.outFeatures}${n.pool ? ` pool=${n.pool}` : ''}${n.recurrent ? ' recurrent' : ''} weight=${printTensor(n.weight)}${n.table ? ` table=${printTable(n.table)}` : ''}${n.schedule ? ` schedule=${n.schedule}` : ''}`;
    case 'lif': {
      const leak = n.leakShifts ? ` leakShifts=[${n.leakShifts.join(',')}]` : '';
      const bits = n.stateBits ? ` state=i${n.stateBits}` : '';
      return `%${n.id} = lif channels=${n.channels}${n.perPosition ? ' perPosition' : ''} reset=${n.reset} beta=${fmtNum(n.beta)} threshold=${fmtNum(n.threshold)}${leak}${n.synBeta !== undefined ? ` synBeta=${fmtNum(n.synBeta)}${n.synLeakShifts ? ` synLeakShifts=[${n.synLeakShifts.join(',')}]` : ''}` : ''}${bits}`;
    }
    case 'readout':
      return `%${n.id} = readout %${n.from} classes=${n.classes} population=${n.population}`;
  }
}

/** The whole graph as text; deterministic. */
export function printGraph(g: Graph): string {
  const lines = [`graph stage=${g.stage} timesteps=${g.timesteps} passes=[${g.passes.join(',')}]`];
  for (const n of g.nodes) lines.push('  ' + printNode(n));
  if (g.plan) {
    lines.push(`  plan const=${g.plan.constBytes}B state=${g.plan.stateBytes}B`);
    for (const it of g.plan.items) lines.push(`    ${it.region} %${it.node} ${it.what} ${it.bytes}B`);
  }
  return lines.join('\n') + '\n';
}
