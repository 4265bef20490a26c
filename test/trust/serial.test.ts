// Issue #15, finding 2: a board (or a noisy line) answering with a short or malformed payload
// must end in SNN_E_DEVICE after the retries, never in an internal RangeError.
import { describe, expect, it } from 'vitest';
import { SerialBoard } from '../../runtime/serial/board.js';
import { isSnncError } from '../../core/errors.js';
import { MSG, fakeBoard, infoPayload, resultPayload } from '../helpers/fake-board.js';

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return isSnncError(e) ? e.code : `internal: ${String(e)}`;
  }
}

describe('serial host: every reply length is checked (finding 2)', () => {
  it('INFO payloads of every length short of a full one are SNN_E_DEVICE', async () => {
    const full = infoPayload();
    for (let n = 0; n < full.length; n++) {
      const t = fakeBoard((type) => (type === MSG.HELLO ? { type: MSG.INFO, payload: full.slice(0, n) } : undefined));
      expect(await outcome(SerialBoard.connect(t, { timeoutMs: 200, retries: 1 })), `length ${n}`).toBe('SNN_E_DEVICE');
    }
    const ok = fakeBoard((type) => (type === MSG.HELLO ? { type: MSG.INFO, payload: full } : undefined));
    expect(await outcome(SerialBoard.connect(ok, { timeoutMs: 200 }))).toBe('ok');
  });

  it('an INFO with trailing bytes or impossible fields is SNN_E_DEVICE', async () => {
    const bad = [
      [...infoPayload(), 0],
      infoPayload({ classes: 0 }),
      infoPayload({ maxLen: 0 }),
      infoPayload({ vocab: 1 }),
    ];
    for (const payload of bad) {
      const t = fakeBoard((type) => (type === MSG.HELLO ? { type: MSG.INFO, payload } : undefined));
      expect(await outcome(SerialBoard.connect(t, { timeoutMs: 200, retries: 0 }))).toBe('SNN_E_DEVICE');
    }
  });

  it('RESULT payloads of every wrong length are SNN_E_DEVICE, the right one a result', async () => {
    const full = resultPayload();
    for (let n = 0; n <= full.length + 3; n++) {
      const payload = n <= full.length ? full.slice(0, n) : [...full, ...new Array(n - full.length).fill(7)];
      const t = fakeBoard((type) => (type === MSG.HELLO ? { type: MSG.INFO, payload: infoPayload() } : type === MSG.INFER ? { type: MSG.RESULT, payload } : undefined));
      const board = await SerialBoard.connect(t, { timeoutMs: 200, retries: 0 });
      expect(await outcome(board.classify({ tokens: [3, 4] })), `length ${n}`).toBe(n === full.length ? 'ok' : 'SNN_E_DEVICE');
    }
  });

  it('a short ERROR payload is still a clean error', async () => {
    for (let n = 0; n < 3; n++) {
      const t = fakeBoard((type) => (type === MSG.HELLO ? { type: MSG.INFO, payload: infoPayload() } : { type: MSG.ERROR, payload: [1, 0, 0].slice(0, n) }));
      const board = await SerialBoard.connect(t, { timeoutMs: 200, retries: 0 });
      expect(await outcome(board.classify({ tokens: [3] }))).toMatch(/^SNN_E_/);
    }
  });
});
