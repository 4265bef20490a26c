// `--timesteps` (compile, eval), `--schedule`, and `snnc sweep` end to end: bad T values are
// usage errors, a T beyond the overflow proof names the largest T that fits, and sweep on the
// shipped SST-2 model writes JSON + SVG whose numbers agree with eval and with each other.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { writeModelFile } from '../../compiler/frontend/model-format.js';
import { PACKAGE_ROOT } from '../../compiler/api.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';

const SHIPPED = join(PACKAGE_ROOT, 'examples', 'sst2', 'model.snn');
const code = (r: { out: string }) => JSON.parse(r.out).error?.code as string | undefined;

describe('--timesteps and --schedule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snnc-sweep-'));
  const tiny = join(dir, 'tiny.snn');
  beforeAll(() => writeModelFile(tiny, tinyTextCnn({ vocab: 40 })));
  afterEach(() => vi.restoreAllMocks());

  it('refuses T = 0, negative, fractional and absurd values with SNN_E_USAGE (exit 2)', async () => {
    for (const t of ['0', '-3', '2.5', 'many', '2000000']) {
      const r = await cli(['compile', tiny, '-o', join(dir, 'x'), '--timesteps', t, '--json']);
      expect(r.code, t).toBe(2);
      expect(code(r), t).toBe('SNN_E_USAGE');
    }
  });

  it('refuses a T the overflow proof cannot cover, naming the largest T that fits (and that T compiles)', async () => {
    const r = await cli(['compile', tiny, '-o', join(dir, 'x'), '--timesteps', '1000000', '--stop-after', 'quantize', '--json']);
    expect(r.code).toBe(1);
    expect(code(r)).toBe('SNN_E_OVERFLOW');
    const m = /largest T the proof allows for this model is (\d+)/.exec(JSON.parse(r.out).error.message);
    expect(m).not.toBeNull();
    const max = Number(m![1]);
    expect(max).toBeGreaterThan(12);
    expect(max).toBeLessThan(1_000_000);
    expect((await cli(['compile', tiny, '-o', join(dir, 'x'), '--timesteps', String(max), '--stop-after', 'quantize', '--json'])).code).toBe(0);
    expect(code(await cli(['compile', tiny, '-o', join(dir, 'x'), '--timesteps', String(max + 1), '--stop-after', 'quantize', '--json']))).toBe('SNN_E_OVERFLOW');
    // with 16-bit membranes forced the bound is tighter: here the pooled output's threshold x
    // maxLen alone exceeds it, so no T fits, and the message says that instead
    const s16 = await cli(['compile', tiny, '-o', join(dir, 'x'), '--timesteps', String(max), '--state-bits', '16', '--stop-after', 'quantize', '--json']);
    expect(code(s16)).toBe('SNN_E_OVERFLOW');
    expect(JSON.parse(s16.out).error.message).toMatch(/no T >= 1 fits/);
  });

  it('compiles at another T and schedule: the IR, report and artifact say so', async () => {
    const r = await cli(['compile', tiny, '-o', join(dir, 't4'), '--timesteps', '4', '--schedule', 'grouped', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).report.model.timesteps).toBe(4);
    const ir = readFileSync(join(dir, 't4', 'ir.txt'), 'utf8');
    expect(ir).toMatch(/timesteps=4 passes=\[pack,quantize,sparsify,schedule,plan-memory\]/);
    expect(ir).toMatch(/%conv3 = conv1d .*schedule=grouped/);
    const a = JSON.parse((await cli(['inspect', join(dir, 't4', 'model.wasm'), '--json'])).out);
    expect(a.info.timesteps).toBe(4);
    expect(a.info.synapses.filter((s: { schedule?: string }) => s.schedule === 'grouped').map((s: { id: string }) => s.id)).toEqual(['conv3', 'conv4', 'conv5']);
    const e = await cli(['compile', tiny, '-o', join(dir, 'te'), '--schedule', 'event', '--stop-after', 'schedule']);
    expect(readFileSync(join(dir, 'te', 'ir.txt'), 'utf8')).not.toMatch(/schedule=grouped/);
    expect(e.code).toBe(0);
    expect((await cli(['compile', tiny, '--schedule', 'rows'])).code).toBe(2);
  });

  it('eval: an artifact has its T compiled in (usage error); a .snn model runs at the asked T', async () => {
    const w = await cli(['eval', join(dir, 't4', 'model.wasm'), '--timesteps', '8', '--json']);
    expect(w.code).toBe(2);
    expect(code(w)).toBe('SNN_E_USAGE');
    expect(code(await cli(['eval', tiny, '--timesteps', '0', '--json']))).toBe('SNN_E_USAGE');
  });
});

describe('snnc sweep on the shipped SST-2 model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snnc-sweep-'));
  afterEach(() => vi.restoreAllMocks());

  it('refuses bad lists, schedules, repetitions and artifacts', async () => {
    expect(code(await cli(['sweep', SHIPPED, '--timesteps', '0,4', '--json']))).toBe('SNN_E_USAGE');
    expect(code(await cli(['sweep', SHIPPED, '--timesteps', '4,,8', '--json']))).toBe('SNN_E_USAGE');
    expect(code(await cli(['sweep', SHIPPED, '--schedule', 'event,rows', '--json']))).toBe('SNN_E_USAGE');
    expect(code(await cli(['sweep', SHIPPED, '--reps', '2', '--json']))).toBe('SNN_E_USAGE');
    expect(code(await cli(['sweep', join(dir, 'model.wasm'), '--json']))).toBe('SNN_E_USAGE');
  });

  it('compares T and schedules on real sentences, writes JSON + SVG, and agrees with eval', async () => {
    const out = join(dir, 'sw');
    const r = await cli(['sweep', SHIPPED, '--data', 'sst2:test', '--limit', '40', '--timesteps', '2,4,16', '--schedule', 'event,grouped', '-o', out, '--json']);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    const file = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(file.rows).toEqual(s.rows);
    expect(s.sentences).toBe(40);
    expect(s.rows.map((x: { timesteps: number; schedule: string }) => `${x.timesteps}/${x.schedule}`)).toEqual(['2/event', '2/grouped', '4/event', '4/grouped', '16/event', '16/grouped']);
    for (const T of [2, 4, 16]) {
      const [ev, gr] = s.rows.filter((x: { timesteps: number }) => x.timesteps === T);
      // the schedules compute the same network: same accuracy and spikes, fewer ops grouped (T > 2)
      expect(gr.accuracy).toBe(ev.accuracy);
      expect(gr.spikesPerSentence).toBe(ev.spikesPerSentence);
      expect(gr.inputSpikesPerSentence).toBe(ev.inputSpikesPerSentence);
      expect(gr.grouped).toEqual(['conv3', 'conv4', 'conv5']);
      expect(ev.grouped).toEqual([]);
      if (T > 2) expect(gr.sopsPerSentence).toBeLessThan(ev.sopsPerSentence);
      expect(gr.bytesReadPerSentence).toBeLessThan(ev.bytesReadPerSentence);
      for (const x of [ev, gr]) {
        expect(x.opsRatio).toBeCloseTo(x.sopsPerSentence / x.annMacsPerSentence, 9);
        expect(x.latencyMs.reps).toHaveLength(3);
        expect(x.latencyMs.median).toBeGreaterThan(0);
        expect(x.latencyMs.min).toBeLessThanOrEqual(x.latencyMs.median);
        expect(x.energyRatioWithMemory).toBeGreaterThan(x.energyRatio);
      }
    }
    // event-driven work grows with T (about linearly)
    const ev = s.rows.filter((x: { schedule: string }) => x.schedule === 'event');
    expect(ev[2].sopsPerSentence / ev[1].sopsPerSentence).toBeGreaterThan(3);
    // the recommendation: the smallest T within 1 point of the best accuracy
    const best = Math.max(...s.rows.map((x: { accuracy: number }) => x.accuracy));
    expect(s.bestAccuracy).toBe(best);
    const want = Math.min(...s.rows.filter((x: { accuracy: number }) => x.accuracy >= best - 0.01 - 1e-12).map((x: { timesteps: number }) => x.timesteps));
    expect(s.recommendedT).toBe(want);
    expect(s.rows.filter((x: { recommended?: boolean }) => x.recommended).every((x: { timesteps: number }) => x.timesteps === want)).toBe(true);
    const svg = readFileSync(join(out, 'sweep.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const t of ['accuracy (%)', 'synaptic ops per sentence', 'energy SNN / ANN', 'ANN MACs', `T = ${want}`]) expect(svg).toContain(t);
    // eval of the model at T = 4 on the same sentences gives the sweep's accuracy and ops
    const e = JSON.parse((await cli(['eval', SHIPPED, '--data', 'sst2:test', '--limit', '40', '--timesteps', '4', '--schedule', 'grouped', '--json'])).out);
    const row = s.rows.find((x: { timesteps: number; schedule: string }) => x.timesteps === 4 && x.schedule === 'grouped');
    expect(e.accuracy.int).toBeCloseTo(row.accuracy, 12);
    expect(e.meanOps.sops).toBeCloseTo(row.sopsPerSentence, 6);
    expect(e.bitexact.equal).toBe(e.bitexact.checked);
    // human output marks the recommended T
    expect(existsSync(join(out, 'sweep.svg'))).toBe(true);
  }, 600_000);
});
