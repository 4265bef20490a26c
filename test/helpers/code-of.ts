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
