// The benchmark's PyTorch peer: the .npy export is what numpy reads, and the peer computes the
// same ANN and dense SNN as TF.js (annForward, simulateBatch). The Python parts run only where
// a Python with numpy (and torch) is installed; the peer is optional (bench/README.md).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'npyjs';
import { npyBytes } from '../../bench/peers/export.js';
import { findTorchPython, TorchPeer } from '../../bench/peers/torch.js';
import { PACKAGE_ROOT } from '../../compiler/api.js';
import { initBackend } from '../../compiler/train/backend.js';
import { annForward } from '../../compiler/train/convert.js';
import { simulateBatch } from '../../compiler/train/snn-tfjs.js';
import { randomTokens, rng, tinyTextCnn } from '../helpers/tiny-model.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'snnc-peers-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function pythonWith(mod: string): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', `import ${mod}`], { stdio: 'ignore' });
      return py;
    } catch {
      /* next */
    }
  }
  return undefined;
}
const numpyPy = pythonWith('numpy');
const torchPy = findTorchPython(['/usr/bin/python3', 'python3']).python;

describe('npy export', () => {
  it('writes a .npy header with dtype <f4 and the shape, then the raw little-endian floats; npyjs parses it back', () => {
    const data = Float32Array.from({ length: 6 }, (_, i) => i * 0.5 - 1);
    const b = npyBytes(data, [2, 3]);
    expect(Array.from(b.subarray(0, 6))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
    const hlen = b[8] | (b[9] << 8);
    expect((10 + hlen) % 64).toBe(0);
    const header = new TextDecoder().decode(b.subarray(10, 10 + hlen));
    expect(header).toMatch(/'descr': ?'<f4'/);
    expect(header).toMatch(/'shape': ?\(2, ?3\)/);
    expect(Array.from(new Float32Array(b.slice(10 + hlen).buffer))).toEqual(Array.from(data));
    const back = parse(b.slice().buffer);
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data as Float32Array)).toEqual(Array.from(data));
    expect(new TextDecoder().decode(npyBytes(new Float32Array(4), [4]).subarray(10, 70))).toMatch(/'shape': ?\(4,\)/);
    expect(() => npyBytes(new Float32Array(5), [2, 3])).toThrow(/does not hold 5/);
  });

  it.skipIf(!numpyPy)('is read back by numpy.load with shape and values', () => {
    const d = tmp();
    const data = Float32Array.from({ length: 3 * 5 * 7 }, (_, i) => Math.sin(i) * 1e3);
    writeFileSync(join(d, 'a.npy'), npyBytes(data, [3, 5, 7]));
    const out = execFileSync(numpyPy!, ['-c', `import numpy as np, json; a = np.load(${JSON.stringify(join(d, 'a.npy'))}); print(json.dumps([a.shape, a.dtype.str, a.ravel().tolist()]))`], { encoding: 'utf8' });
    const [shape, dtype, values] = JSON.parse(out) as [number[], string, number[]];
    expect(shape).toEqual([3, 5, 7]);
    expect(dtype).toBe('<f4');
    expect(values).toEqual(Array.from(data));
  });
});

describe.skipIf(!torchPy)('PyTorch peer', () => {
  // beta < 1 and reset to zero as well, so that the peer's dynamics are checked beyond plain IF
  for (const o of [{ beta: 1, reset: 'subtract' as const }, { beta: 0.875, reset: 'zero' as const, scheme: 'binary' as const }]) {
    it(`computes the same ANN logits and SNN spike counts as TF.js (beta ${o.beta}, reset ${o.reset})`, async () => {
      await initBackend();
      const model = tinyTextCnn({ vocab: 50, dim: 12, maps: 8, timesteps: 10, maxLen: 16, seed: 3, ...o });
      const r = rng(11);
      const sents = Array.from({ length: 40 }, () => randomTokens(r, 50, 16).slice(0, 16));
      const peer = TorchPeer.start(torchPy!, join(PACKAGE_ROOT, 'bench', 'peers', 'torch_peer.py'), tmp(), model, { all: sents });
      try {
        const info = await peer.info();
        expect(info.threads).toBe(1);
        const ann = annForward(model, sents);
        const pa = await peer.predict('ann', 'all', 10, 16);
        pa.scores.forEach((s, i) => s.forEach((x, k) => expect(Math.abs(x - ann[i][k])).toBeLessThan(1e-5)));
        const snn = simulateBatch(model.graph, sents);
        const ps = await peer.predict('snn', 'all', 10, 16);
        expect(snn.scores.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(0); // the SNN spikes
        const same = ps.scores.filter((s, i) => s.every((x, k) => x === snn.scores[i][k])).length;
        expect(same).toBeGreaterThanOrEqual(38); // float32 both; a rare threshold tie may round apart
        // T is the command's, not the model's
        const ps2 = await peer.predict('snn', 'all', 2, 16);
        expect(ps2.scores.flat().reduce((a, b) => a + b, 0)).toBeLessThan(ps.scores.flat().reduce((a, b) => a + b, 0));
        expect(await peer.time('ann', 'all', 1, 10)).toBeGreaterThan(0);
        await expect(peer.send({ cmd: 'nonsense' })).rejects.toThrow(/unknown command/);
      } finally {
        await peer.close();
      }
    }, 120_000);
  }
});
