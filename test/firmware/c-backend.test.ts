// The C backend without any toolchain: generated sources (banner, includes, snn_ prefix,
// determinism), the exact budget, the Uno configuration's fit, and SNN_E_TOO_BIG messages
// that say by how much and what would make the model fit.

import { describe, expect, it } from 'vitest';
import { BANNER, budgetC, emitC, planC } from '../../compiler/backends/c/index.js';
import { lutBytes, lutTable, stateFields } from '../../compiler/backends/c/plan.js';
import { loadTarget, targetNames } from '../../targets/index.js';
import { SnncError } from '../../core/errors.js';
import { integerModel, unoModel } from './helpers.js';

const uno = loadTarget('arduino-uno');

function tooBig(fn: () => unknown): SnncError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SnncError) return e;
    throw e;
  }
  throw new Error('expected SNN_E_TOO_BIG');
}

describe('targets', () => {
  it('describes every target with budgets, backend and recipes', () => {
    expect(targetNames()).toEqual(expect.arrayContaining(['arduino-uno', 'cortex-m3', 'host-c', 'rpi', 'wasm']));
    for (const name of targetNames()) {
      const t = loadTarget(name);
      expect(t.name).toBe(name);
      expect(['c', 'wasm']).toContain(t.backend);
      expect(t.build.length).toBeGreaterThan(0);
      expect(t.run.length).toBeGreaterThan(0);
      if (t.backend === 'c') {
        expect(t.toolchain?.cc).toBeTruthy();
        expect(t.platform).toMatch(/^firmware-stubs\/platform\//);
        expect(t.abi).toBeTruthy();
      }
    }
    expect(uno).toMatchObject({ flashBytes: 32256, ramBytes: 2048, clockHz: 16000000, defaultMode: 'spikes', progmem: true });
    expect(() => loadTarget('nope')).toThrow(/unknown target/);
  });
});

describe('generated C', () => {
  const { graph } = integerModel({ dim: 10, maps: 6, maxLen: 12, timesteps: 6, seed: 2 });
  const host = loadTarget('host-c');

  it('has the banner, includes only <stdint.h> and one runtime header, and prefixes every global with snn_', () => {
    const a = emitC(graph, host, { mode: 'tokens', name: 'demo' });
    for (const f of [a.files['model.c'], a.files['model.h']]) {
      expect(f.startsWith(BANNER)).toBe(true);
      const includes = [...f.matchAll(/#include\s+(\S+)/g)].map((m) => m[1]);
      expect(includes.sort()).toEqual(f === a.files['model.c'] ? ['"model.h"', '<stdint.h>'] : ['"snn_kernel.h"', '<stdint.h>']);
    }
    const globals = [...a.files['model.c'].matchAll(/^(?:static )?(?:SNN_CONST )?(?:u?int\d+_t|snn_tab|void)\s+\*?(\w+)\s*[[=(]/gm)].map((m) => m[1]);
    expect(globals.length).toBeGreaterThan(5);
    for (const g of globals) expect(g).toMatch(/^snn_/);
    expect(a.files['model.c']).toContain('SNN_CONST');
  });

  it('is deterministic and changes its hash with the model', () => {
    const a = emitC(graph, host, { mode: 'tokens' });
    const b = emitC(graph, host, { mode: 'tokens' });
    expect(b.files).toEqual(a.files);
    expect(b.hash).toBe(a.hash);
    const other = integerModel({ dim: 10, maps: 6, maxLen: 12, timesteps: 6, seed: 3 }).graph;
    expect(emitC(other, host, { mode: 'tokens' }).hash).not.toBe(a.hash);
    expect(emitC(graph, host, { mode: 'spikes' }).hash).not.toBe(a.hash);
  });

  it('sorts state fields by alignment so sizeof(snn_state) is known exactly', () => {
    const f = stateFields(planC(graph, 'tokens'));
    const widths = f.map((x) => (x.ctype.endsWith('32_t') ? 4 : x.ctype.endsWith('16_t') ? 2 : 1));
    expect([...widths].sort((x, y) => y - x)).toEqual(widths);
  });

  it('spikes mode keeps no embedding table and no encoder levels on the board', () => {
    const t = emitC(graph, host, { mode: 'tokens' });
    const s = emitC(graph, host, { mode: 'spikes' });
    expect(t.files['model.c']).toContain('snn_levels_');
    expect(s.files['model.c']).not.toContain('snn_levels_');
    expect(s.files['model.h']).not.toMatch(/lev0|acc0|ids\[/);
    expect(s.budget.stateBytes).toBeLessThan(t.budget.stateBytes);
    expect(s.budget.modelFlashBytes).toBeLessThan(t.budget.modelFlashBytes);
  });

  it('refuses what the kernel cannot run', () => {
    const g = structuredClone(graph);
    const lif = g.nodes.find((n) => n.kind === 'lif')!;
    if (lif.kind === 'lif') lif.leakShifts = [1, 2, 3, 4];
    expect(() => emitC(g, host)).toThrow(/SNN_E_BACKEND.*at most 3/);
    const f = structuredClone(graph);
    f.stage = 'float';
    expect(() => emitC(f, host)).toThrow(/SNN_E_GRAPH/);
  });
});

describe('fit check', () => {
  it('the Uno configuration fits 2 KB of SRAM and 32 KB of flash in spikes mode', () => {
    const { graph } = unoModel();
    const e = emitC(graph, uno, { mode: 'spikes' });
    expect(e.budget.fits).toBe(true);
    expect(e.budget.ramBytes).toBeLessThanOrEqual(2048);
    expect(e.budget.flashBytes).toBeLessThanOrEqual(32256);
    // and the same model in tokens mode does not (its levels and accumulators do not fit)
    const t = budgetC(planC(graph, 'tokens'), uno);
    expect(t.ramBytes).toBeGreaterThan(e.budget.ramBytes);
  });

  it('the fast conv: packed encoder flags, nibble-sum tables and spike counts; without them when the tables do not fit', () => {
    const { graph } = unoModel();
    const e = emitC(graph, uno, { mode: 'spikes' });
    const lut = e.plan.synapses.filter((s) => s.lut);
    expect(lut.map((s) => s.node.id)).toEqual(['conv3', 'conv4', 'conv5']);
    expect(e.plan.pops.filter((p) => p.counts).map((p) => p.node.id)).toEqual(['lif3', 'lif4', 'lif5']);
    // per tap 2 flag bytes x 2 nibbles = 4 pages of 16 patterns x 8 outputs x 2 B; 3 + 4 + 5 taps
    expect(lut.reduce((a, s) => a + lutBytes(s), 0)).toBe(12 * 4 * 256);
    const f = new Map(stateFields(e.plan).map((x) => [x.name, x.count]));
    expect(f.get('se0')).toBe((2 + 16 + 2) * 2); // 2 B per position, 2 zero positions each side
    expect(f.get('pc0')).toBe(16);
    expect(f.get('c0')).toBe(8); // counts per channel instead of 16 x 8 flags
    expect(f.has('s0')).toBe(false);
    expect(e.files['model.c']).toContain('SNN_LUT_FIRE | SNN_LUT_COUNTS');
    expect(e.files['model.c']).toMatch(/snn_dense_counts\(&snn_tab\d+, st->c0, 8,/);
    expect(e.files['model.c']).not.toMatch(/snn_tab0_w/); // the conv's own table is not emitted
    // a board with less flash: the generic conv, byte flags, still fits
    const small = { ...uno, flashBytes: 20000 };
    const g = emitC(graph, small, { mode: 'spikes' });
    expect(g.plan.synapses.some((s) => s.lut)).toBe(false);
    expect(g.budget.fits).toBe(true);
    expect(g.budget.flashBytes).toBeLessThanOrEqual(20000);
    expect(g.budget.ramBytes).toBeGreaterThan(e.budget.ramBytes);
    expect(g.files['model.c']).not.toContain('snn_conv_lut');
    // an entry is the sum of the spiking rows: conv3, tap 1, flag byte 0, high nibble (channels
    // 4..7), pattern 0b0101 (channels 4 and 6); AVR int16 per output, 32-bit CPUs two lanes a word
    const c3 = lut[0];
    const w = c3.table.weights;
    const row = (j: number, c: number, k: number): number => w[(j * 16 + c) * 8 + k];
    const at = ((1 * 2 + 0) * 2 + 1) * 16 + 0b0101;
    const avr = lutTable(c3, false);
    const words = lutTable(c3, true);
    for (let k = 0; k < 8; k++) expect(avr[at * 8 + k]).toBe(row(1, 4, k) + row(1, 6, k));
    for (let i = 0; i < 4; i++) expect(words[at * 4 + i]).toBe(row(1, 4, 2 * i) + row(1, 6, 2 * i) + 65536 * (row(1, 4, 2 * i + 1) + row(1, 6, 2 * i + 1)));
    const cm3 = emitC(graph, loadTarget('cortex-m3'), { mode: 'spikes' });
    expect(cm3.plan.synapses.filter((s) => s.lut).length).toBe(3);
  });

  it('too much RAM: SNN_E_TOO_BIG says by how much and suggests maxLen, maps, spikes mode', () => {
    const { graph } = integerModel({ dim: 16, maps: 16, maxLen: 32, timesteps: 8, seed: 5 });
    const e = tooBig(() => emitC(graph, uno, { mode: 'tokens' }));
    expect(e.code).toBe('SNN_E_TOO_BIG');
    const b = budgetC(planC(graph, 'tokens'), uno);
    expect(e.message).toContain(`${b.ramBytes - 2048} more than the 2048`);
    expect(e.message).toMatch(/maxLen \d+ or less/);
    expect(e.message).toMatch(/fewer feature maps/);
    expect(e.message).toMatch(/spikes mode/);
  });

  it('too much flash: SNN_E_TOO_BIG suggests spikes mode and pruning', () => {
    const { graph } = integerModel({ vocab: 6000, dim: 16, maps: 4, widths: [3], maxLen: 8, timesteps: 4, scheme: 'rate', bits: 4, seed: 6 });
    const e = tooBig(() => emitC(graph, uno, { mode: 'tokens' }));
    expect(e.code).toBe('SNN_E_TOO_BIG');
    expect(e.message).toMatch(/bytes of flash, \d+ more than the 32256/);
    expect(e.message).toMatch(/pruning/);
    expect(e.message).toMatch(/spikes mode/);
    // the suggested mode does fit
    expect(emitC(graph, uno, { mode: 'spikes' }).budget.fits).toBe(true);
  });
});
