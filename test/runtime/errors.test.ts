// docs/errors.md must list every error code the code can raise, and nothing else.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, SnncError } from '../../core/errors.js';

describe('error codes', () => {
  it('are all documented in docs/errors.md, and the doc names no stale code', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
    const documented = new Set(doc.match(/SNN_E_[A-Z_]+/g));
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('carry code, message and hint, and serialize for --json', () => {
    const e = new SnncError('SNN_E_INPUT', 'no tokens', 'pass text');
    expect(e.message).toBe('SNN_E_INPUT: no tokens (pass text)');
    expect(e.toJSON()).toEqual({ code: 'SNN_E_INPUT', message: 'SNN_E_INPUT: no tokens (pass text)', hint: 'pass text' });
  });
});
