// snnc sim reads NumPy .npy inputs (npyjs): [steps] or [steps, ...channels] in C or Fortran order,
// any integer, float or bool dtype, with the same result as the CSV of the same values; a
// truncated, non-numeric, wrong-width or corrupt .npy is SNN_E_DATA naming what is wrong.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dump } from 'npyjs';
import { readStepInput, sim } from '../../compiler/api/sim.js';
import { f32, i64, lif, randArray, tmp, writeFixture, type FNode } from './fixtures.js';

const dir = tmp();
let k = 0;
const file = (bytes: ArrayBuffer | Uint8Array | string, ext = '.npy'): string => {
  const p = join(dir, `x${k++}${ext}`);
  writeFileSync(p, typeof bytes === 'string' ? bytes : new Uint8Array(bytes as ArrayBuffer));
  return p;
};
/** A .npy v1.0 file with this header dict and raw data bytes (for the cases npyjs does not write). */
const npyRaw = (dict: string, data: Uint8Array): Uint8Array => {
  // padded as numpy pads: the data starts at a multiple of 64
  const header = Buffer.from(dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1, ' ') + '\n', 'latin1');
  return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY', 'latin1'), Buffer.from([1, 0, header.length & 0xff, header.length >> 8]), header, data]);
};
function codeOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e), message: (e as Error).message };
  }
  return { code: 'no error', message: '' };
}

describe('snnc sim: .npy input', () => {
  const rows = [
    [1, 0, 2],
    [0, 3, 1],
    [2, 2, 0],
    [0, 0, 1],
  ];
  const flat = rows.flat();

  it('reads [steps, channels] in every numeric dtype, as the CSV of the same values', () => {
    for (const dtype of ['f4', 'f8', 'i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8', 'u8'] as const)
      expect(readStepInput(file(dump(dtype.endsWith('8') && dtype !== 'f8' ? (flat.map(BigInt) as never) : flat, [4, 3], { dtype })), 3), dtype).toEqual(rows);
    expect(readStepInput(file(rows.map((r) => r.join(',')).join('\n'), '.csv'), 3)).toEqual(rows);
  });

  it('a 1-D array is one channel; trailing dimensions are the channels in C order; Fortran order is reordered', () => {
    expect(readStepInput(file(dump([1, 0, 1], [3], { dtype: 'u1' })), 1)).toEqual([[1], [0], [1]]);
    // [2 steps, 2, 3]: each step's 6 channels in C order
    const v = Array.from({ length: 12 }, (_, i) => i);
    expect(readStepInput(file(dump(v, [2, 2, 3], { dtype: 'i4' })), 6)).toEqual([v.slice(0, 6), v.slice(6)]);
    // the same [4, 3] array stored column-major (numpy.asfortranarray)
    const colMajor = new Float64Array([0, 1, 2].flatMap((c) => rows.map((r) => r[c])));
    expect(readStepInput(file(npyRaw("{'descr': '<f8', 'fortran_order': True, 'shape': (4, 3), }", new Uint8Array(colMajor.buffer))), 3)).toEqual(rows);
    // Fortran order in 3-D
    const f3 = new Float64Array(12);
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) f3[a + 2 * b + 4 * c] = v[a * 6 + b * 3 + c];
    expect(readStepInput(file(npyRaw("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 3), }", new Uint8Array(f3.buffer))), 6)).toEqual([v.slice(0, 6), v.slice(6)]);
  });

  it('is detected by its magic under another extension', () => {
    expect(readStepInput(file(dump(flat, [4, 3], { dtype: 'f4' }), '.csv'), 3)).toEqual(rows);
  });

  const numpyPy = ['/usr/bin/python3', 'python3'].find((py) => {
    try {
      execFileSync(py, ['-c', 'import numpy'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  it.skipIf(!numpyPy)('reads what numpy.save writes (bool, big-endian, Fortran order)', () => {
    const p = (n: string) => join(dir, n);
    execFileSync(numpyPy!, ['-c', `import numpy as np
a = np.array(${JSON.stringify(rows)})
np.save(${JSON.stringify(p('b.npy'))}, a > 0)
np.save(${JSON.stringify(p('be.npy'))}, a.astype('>f4'))
np.save(${JSON.stringify(p('f.npy'))}, np.asfortranarray(a.astype(np.int16)))`]);
    expect(readStepInput(p('b.npy'), 3)).toEqual(rows.map((r) => r.map((x) => (x > 0 ? 1 : 0))));
    expect(readStepInput(p('f.npy'), 3)).toEqual(rows);
    const be = codeOf(() => readStepInput(p('be.npy'), 3));
    // read correctly, or refused by name: never wrong values
    if (be.code === 'no error') expect(readStepInput(p('be.npy'), 3)).toEqual(rows);
    else expect(be.code).toBe('SNN_E_DATA');
  });

  it('bad .npy files: SNN_E_DATA naming the problem', () => {
    const good = new Uint8Array(dump(flat, [4, 3], { dtype: 'f4' }));
    const cases: [string, string, RegExp][] = [
      ['truncated data', file(good.subarray(0, good.length - 5)), /npy|truncated|holds/],
      ['truncated header', file(good.subarray(0, 20)), /npy/],
      ['wrong width', file(good), /gives 3 values per step, the model's input has 4/],
      ['complex dtype', file(npyRaw("{'descr': '<c8', 'fortran_order': False, 'shape': (1, 4), }", new Uint8Array(32))), /c8|npy/],
      ['strings', file(npyRaw("{'descr': '<U1', 'fortran_order': False, 'shape': (1, 4), }", new Uint8Array(16))), /U1|npy/],
      ['no steps', file(dump([], [0, 4], { dtype: 'f4' })), /no input steps/],
      ['NaN', file(dump([0, 1, NaN, 0], [1, 4], { dtype: 'f8' })), /step 1, channel 3: NaN is not a finite number/],
      ['garbage header', file(npyRaw('not a dict at all', new Uint8Array(16))), /npy/],
    ];
    for (const [name, path, re] of cases) {
      const e = codeOf(() => readStepInput(path, name === 'wrong width' ? 4 : 4));
      expect(e.code, name).toBe('SNN_E_DATA');
      expect(e.message, name).toMatch(re);
    }
  });

  it('snnc sim of a NIR graph gives the same traces from the .npy as from the CSV', async () => {
    const g: FNode = {
      type: 'NIRGraph',
      nodes: {
        input: { type: 'Input', params: { shape: i64([3]) } },
        fc: { type: 'Linear', params: { weight: f32(randArray(12, 5, 0.8), [4, 3]) } },
        lif: lif(4, { tau: 2e-3, thr: 1 }),
        output: { type: 'Output', params: { shape: i64([4]) } },
      },
      edges: [
        ['input', 'fc'],
        ['fc', 'lif'],
        ['lif', 'output'],
      ],
    };
    const model = await writeFixture(join(dir, 'g.nir'), g);
    const steps = Array.from({ length: 40 }, (_, t) => [t % 2, (t >> 1) % 2, t % 3 === 0 ? 1 : 0]);
    const a = await sim(model, { input: file(steps.map((r) => r.join(',')).join('\n') + '\n', '.csv'), record: 'spikes,v' });
    const b = await sim(model, { input: file(dump(steps.flat(), [40, 3], { dtype: 'u1' })), record: 'spikes,v' });
    expect(b.integer.populations).toEqual(a.integer.populations);
    expect(a.integer.populations.some((p) => p.spikes!.flat().some((x) => x !== 0))).toBe(true);
  });
});
