// Child process for the kill -9 tests: saves checkpoints into argv[2] in a loop (epoch 1, 2, ...)
// with 2 MB of tensors each, forever, until it is killed.
import { saveCheckpoint } from '../../compiler/train/checkpoint.js';

const dir = process.argv[process.argv.length - 1];
const t = new Float32Array(1 << 19);
for (let epoch = 1; ; epoch++) {
  t.fill(epoch);
  saveCheckpoint(dir, { meta: { epoch, rngState: epoch, adamStep: epoch, fingerprint: { a: 1 }, vocabHash: '0'.repeat(64), bestDev: 0.5, bestEpoch: epoch, history: [] }, tensors: new Map([['w', t]]) });
  if (epoch === 1) process.stdout.write('first\n');
}
