// Runs f and returns the stable code of the SnncError it throws: what error tests assert on.
// Any other throw comes back as a string that cannot match a code, so the test fails visibly.
import { isSnncError } from '../../core/errors.js';

export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isSnncError(e) ? e.code : `not an SnncError: ${String(e)}`;
  }
  return undefined;
}

/** The SnncError a promise rejects with, as {code, message}; fails the test when it resolves or throws something else. */
export async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isSnncError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an SnncError, got a result');
}
