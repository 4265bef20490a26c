// The benchmark charts come from the report charts (Vega-Lite), drawn from the shipped results
// JSON: each has its data marks, and the marks carry the JSON's numbers.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE_NAMES, accuracyChart, coreChart } from '../../bench/charts.js';

const RESULTS = join(import.meta.dirname, '..', '..', 'bench', 'results');
const json = (f: string) => JSON.parse(readFileSync(join(RESULTS, f), 'utf8'));
const bars = (svg: string) => (svg.match(/aria-roledescription="bar"/g) ?? []).length;

describe('bench charts', () => {
  it('core.svg: accuracy against T and one throughput bar per engine and run', async () => {
    const core = json('core.json');
    const svg = await coreChart(core, ENGINE_NAMES);
    const engines = core.runs.reduce((a: number, r: { engines: object }) => a + Object.keys(r.engines).length, 0);
    expect(bars(svg)).toBe(engines);
    expect(svg).toContain(`ANN ${core.accuracy.ann.toFixed(1)}%`);
    // every sweep point is a point of the SNN line
    for (const s of core.timesteps.sweep) expect(svg).toContain(`T (time steps): ${s.T}`);
  });

  it('accuracy.svg: a line chart per data set and the energy bars', async () => {
    const acc = json('accuracy.json');
    const svg = await accuracyChart(acc.results);
    const ds = new Set(acc.results.filter((r: { family: string }) => r.family === 'mlp').map((r: { dataset: string }) => r.dataset));
    for (const d of ds) expect(svg).toContain(`MLP ${d}: integer accuracy vs T`);
    expect(bars(svg)).toBeGreaterThan(0);
  });
});
