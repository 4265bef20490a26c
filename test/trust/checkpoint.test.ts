// Issue #15, finding 7: a kill between writing a checkpoint's payload and its manifest used to
// leave an unusable checkpoint; the default run could not be resumed. Now the payload has a
// name of its own, the manifest is written last and atomically, and the default run
// checkpoints next to its model.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../compiler/train/checkpoint.js';
import { isSnncError } from '../../core/errors.js';
import { cli } from '../helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'snnc-trust-ck-'));
const ck = (epoch: number, fill: number): Checkpoint => ({
  meta: { epoch, rngState: 7, adamStep: epoch * 10, fingerprint: { lr: 1 }, vocabHash: 'a'.repeat(64), bestDev: 0.5, bestEpoch: epoch, history: [{ epoch, loss: 0.1, trainAcc: 0.9, devAcc: 0.8, seconds: 1 }] },
  tensors: new Map([['w', new Float32Array(1000).fill(fill)]]),
});

describe('checkpoints survive a kill at any instant (finding 7)', () => {
  it('a payload written without its manifest (killed in between) leaves the previous checkpoint usable', () => {
    const dir = tmp();
    saveCheckpoint(dir, ck(1, 1));
    // what a save killed after its payload leaves behind: a new payload file and a temp file
    writeFileSync(join(dir, 'checkpoint-0123456789abcdef.bin'), new Uint8Array(4000).fill(9));
    writeFileSync(join(dir, '.checkpoint.json.tmp-999-0'), '{"format": "snnc-train-chec');
    const back = loadCheckpoint(dir);
    expect(back.meta.epoch).toBe(1);
    expect(back.tensors.get('w')![0]).toBe(1);
    // the next save goes on and cleans up the old payloads
    saveCheckpoint(dir, ck(2, 2));
    expect(loadCheckpoint(dir).meta.epoch).toBe(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
  });

  it('the manifest is checked by its schema: a bad field is SNN_E_CHECKPOINT naming it', () => {
    const dir = tmp();
    saveCheckpoint(dir, ck(1, 1));
    const m = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    for (const [edit, field] of [
      [(x: any) => (x.epoch = '3'), /field epoch/],
      [(x: any) => delete x.history, /field history/],
      [(x: any) => (x.tensors[0].offset = 2), /field tensors\[0\]\.offset/],
      [(x: any) => (x.payload = '../../etc/passwd'), /field payload/],
    ] as const) {
      const y = JSON.parse(JSON.stringify(m));
      edit(y);
      writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(y));
      let err: unknown;
      try {
        loadCheckpoint(dir);
      } catch (e) {
        err = e;
      }
      expect(isSnncError(err) && err.code).toBe('SNN_E_CHECKPOINT');
      expect((err as Error).message).toMatch(field);
    }
  });

  it('kill -9 at random instants while checkpointing: the folder always loads (3 kills here, >= 50 in bench/fuzz.ts)', async () => {
    const root = join(import.meta.dirname, '..', '..');
    let seed = 99;
    for (let k = 0; k < 3; k++) {
      const dir = tmp();
      const child = spawn(join(root, 'node_modules', '.bin', 'vite-node'), [join(root, 'test', 'helpers', 'ckpt-writer.ts'), '--', dir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((res) => child.stdout!.once('data', () => res()));
      seed = (seed * 1103515245 + 12345) >>> 0;
      await new Promise((r) => setTimeout(r, seed % 300));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(hasCheckpoint(dir)).toBe(true);
      const back = loadCheckpoint(dir);
      expect(back.meta.epoch).toBeGreaterThanOrEqual(1);
      expect(back.tensors.get('w')![0]).toBe(back.meta.epoch);
    }
  }, 120_000);

  it('--resume without --checkpoint-dir is accepted: the default run checkpoints next to its model', async () => {
    const dir = tmp();
    const r = await cli(['train', '--resume', '-o', join(dir, 'm.snn'), '--dataset', 'sst2', '--data-dir', join(dir, 'no-data-here'), '--limit', '10']);
    expect(r.err).not.toMatch(/--resume needs --checkpoint-dir/);
    expect(r.err).toMatch(/SNN_E_DATA/);
  });
});
