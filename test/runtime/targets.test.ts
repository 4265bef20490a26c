// Every target description in targets/ loads, and names only things snnc defines.
import { describe, expect, it } from 'vitest';
import { loadTarget, targetNames } from '../../targets/index.js';
import { PROFILES } from '../../runtime/energy.js';

describe('targets/*.json', () => {
  it('every target loads and names a defined energy profile', () => {
    const names = targetNames();
    expect(names).toEqual(expect.arrayContaining(['wasm', 'host-c', 'arduino-uno', 'cortex-m3', 'rpi']));
    for (const n of names) {
      const t = loadTarget(n);
      expect(t.name).toBe(n);
      expect(Object.keys(PROFILES)).toContain(t.energyProfile);
    }
  });
  it('refuses unknown and malformed target names with SNN_E_USAGE', () => {
    expect(() => loadTarget('no-such-board')).toThrow(/unknown target/);
    expect(() => loadTarget('../etc/passwd')).toThrow(/bad target name/);
  });
});
