// Schema of a training checkpoint's manifest (`checkpoint.json`, compiler/train/checkpoint.ts,
// docs/training.md): checked before the payload is read; anything off is SNN_E_CHECKPOINT
// naming the field.
import { anyObject, arr, check, compileSchema, constant, int, name, num, obj, opt, str } from './dsl.js';

const finite = () => num();
export const manifestSchema = obj({
  format: constant('snnc-train-checkpoint-v1'),
  epoch: int(0),
  rngState: int(0, 0xffffffff),
  adamStep: int(0),
  fingerprint: anyObject(),
  vocabHash: str({ pattern: '^[0-9a-f]{64}$' }),
  bestDev: finite(),
  bestEpoch: int(-1),
  history: arr(obj({ epoch: int(0), loss: finite(), trainAcc: finite(), devAcc: finite(), seconds: num({ min: 0 }) })),
  tensors: arr(obj({ name: name(), length: int(0, 2 ** 28), offset: { ...int(0), multipleOf: 4 } })),
  bytes: int(0),
  sha256: str({ pattern: '^[0-9a-f]{64}$' }),
  payload: opt(str({ pattern: '^checkpoint-[0-9a-f]{16}\\.bin$' })),
});
const validate = compileSchema(manifestSchema);

export function checkManifest(m: unknown, where: string): void {
  check(validate, m, `${where} (training checkpoint manifest)`, 'SNN_E_CHECKPOINT', 'delete the checkpoint directory and train again');
}
