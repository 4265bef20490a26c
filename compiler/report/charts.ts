// Charts for reports and benchmarks: Vega-Lite specifications rendered to SVG headlessly with
// Vega (no browser, no canvas: Vega's own SVG renderer with its text-width estimate), so the
// output is deterministic for the same data. One place for every chart snnc writes
// (`snnc sweep`, `snnc report`, and bench/charts.ts for the benchmark plots).

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type { TopLevelSpec } from 'vega-lite';

/** Renders a Vega-Lite specification to an SVG document. */
export async function vegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A small line chart of `y` against `x` with points, one line per `color` value when given. */
export function lineSpec(o: {
  title: string;
  values: Record<string, unknown>[];
  x: { field: string; title: string; scale?: 'log' | 'linear' };
  y: { field: string; title: string; scale?: 'log' | 'linear'; zero?: boolean };
  color?: { field: string; title: string };
  /** A horizontal reference line (e.g. the ANN's MACs, or ratio 1). */
  rule?: { y: number; label: string };
  /** Vertical marker at this x (e.g. the recommended T). */
  mark?: { x: number; label: string };
  width?: number;
  height?: number;
}): TopLevelSpec {
  const layers: unknown[] = [
    {
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: o.x.field, type: 'quantitative', title: o.x.title, scale: { type: o.x.scale ?? 'linear', ...(o.x.scale === 'log' ? { base: 2 } : {}) }, axis: { values: [...new Set(o.values.map((v) => v[o.x.field]))] } },
        // (a log scale has no zero)
        y: { field: o.y.field, type: 'quantitative', title: o.y.title, scale: o.y.scale === 'log' ? { type: 'log' } : { type: 'linear', zero: o.y.zero ?? false } },
        ...(o.color ? { color: { field: o.color.field, type: 'nominal', title: o.color.title } } : {}),
      },
    },
  ];
  if (o.rule) {
    layers.push({ data: { values: [{ y: o.rule.y, label: o.rule.label }] }, mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' }, encoding: { y: { field: 'y', type: 'quantitative' } } });
    layers.push({ data: { values: [{ y: o.rule.y, label: o.rule.label }] }, mark: { type: 'text', align: 'left', dx: 3, dy: -6, color: 'gray', fontSize: 10 }, encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' }, x: { value: 0 } } });
  }
  if (o.mark) {
    layers.push({ data: { values: [{ x: o.mark.x, label: o.mark.label }] }, mark: { type: 'rule', color: '#c44' }, encoding: { x: { field: 'x', type: 'quantitative' } } });
    layers.push({ data: { values: [{ x: o.mark.x, label: o.mark.label }] }, mark: { type: 'text', align: 'left', dx: 3, y: 6, color: '#c44', fontSize: 10 }, encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'label' } } });
  }
  return { title: o.title, width: o.width ?? 220, height: o.height ?? 160, data: { values: o.values }, layer: layers } as TopLevelSpec;
}

/** Charts in rows (each inner list side by side). */
export function grid(title: string, rows: TopLevelSpec[][]): TopLevelSpec {
  const resolve = { scale: { color: 'independent' }, legend: { color: 'independent' } };
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, vconcat: rows.map((r) => ({ hconcat: r, resolve })), resolve, config: { font: 'sans-serif' } } as TopLevelSpec;
}

/** Bars of `y` per `x` category, side by side per `color` value when given. */
export function barSpec(o: {
  title: string;
  values: Record<string, unknown>[];
  x: { field: string; title: string; sort?: string[] };
  y: { field: string; title: string; scale?: 'log' | 'linear' };
  color?: { field: string; title: string; sort?: string[] };
  /** A horizontal reference line (e.g. 100% of a budget). */
  rule?: { y: number; label: string };
  /** Print each bar's value above it (format, e.g. ".3~s"). */
  labels?: string;
  width?: number;
  height?: number;
}): TopLevelSpec {
  const x = { field: o.x.field, type: 'nominal', title: o.x.title, sort: o.x.sort ?? null, axis: { labelAngle: -30 } };
  const y = { field: o.y.field, type: 'quantitative', title: o.y.title, scale: o.y.scale === 'log' ? { type: 'log' } : { type: 'linear', zero: true } };
  const offset = o.color ? { xOffset: { field: o.color.field, sort: o.color.sort ?? null }, color: { field: o.color.field, type: 'nominal', title: o.color.title, sort: o.color.sort ?? null } } : {};
  // a log-scale bar needs an explicit base (there is no zero): the decade below the smallest value
  const positive = o.values.map((v) => Number(v[o.y.field])).filter((v) => v > 0);
  const base = o.y.scale === 'log' ? { y2: { datum: 10 ** Math.floor(Math.log10(Math.min(...positive, o.rule?.y ?? Infinity))) } } : {};
  const layers: unknown[] = [{ mark: { type: 'bar' }, encoding: { x, y, ...base, ...offset } }];
  if (o.labels) layers.push({ mark: { type: 'text', dy: -5, fontSize: 9 }, encoding: { x, y, ...offset, color: undefined, text: { field: o.y.field, type: 'quantitative', format: o.labels } } });
  if (o.rule) {
    layers.push({ data: { values: [{ y: o.rule.y, label: o.rule.label }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#c44' }, encoding: { y: { field: 'y', type: 'quantitative' } } });
    layers.push({ data: { values: [{ y: o.rule.y, label: o.rule.label }] }, mark: { type: 'text', align: 'left', dx: 3, dy: -6, color: '#c44', fontSize: 10 }, encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' }, x: { value: 0 } } });
  }
  return { title: o.title, width: o.width ?? 260, height: o.height ?? 180, data: { values: o.values }, layer: layers } as TopLevelSpec;
}

/** A confusion matrix: cells coloured by count, the count printed in each. */
export function confusionSpec(o: { title: string; classes: string[]; counts: number[][]; size?: number }): TopLevelSpec {
  const values = o.counts.flatMap((row, t) => row.map((count, p) => ({ truth: o.classes[t], predicted: o.classes[p], count })));
  const max = Math.max(1, ...values.map((v) => v.count));
  const side = o.size ?? Math.max(120, 40 * o.classes.length);
  const enc = { x: { field: 'predicted', type: 'nominal', sort: o.classes, title: 'predicted' }, y: { field: 'truth', type: 'nominal', sort: o.classes, title: 'true class' } };
  return {
    title: o.title,
    width: side,
    height: side,
    data: { values },
    layer: [
      { mark: 'rect', encoding: { ...enc, color: { field: 'count', type: 'quantitative', title: 'sentences', scale: { scheme: 'blues' } } } },
      { mark: { type: 'text', fontSize: 11 }, encoding: { ...enc, text: { field: 'count', type: 'quantitative' }, color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' } } },
    ],
  } as TopLevelSpec;
}

/** A spike raster: one tick per spike at (step, neuron), one panel per layer side by side. */
export function rasterSpec(o: { title: string; layers: { id: string; neurons: number; steps: number; spikes: { t: number; i: number }[] }[]; height?: number }): TopLevelSpec {
  return {
    title: o.title,
    hconcat: o.layers.map((l) => ({
      title: `${l.id}: ${l.spikes.length} spikes`,
      width: Math.max(80, 8 * l.steps),
      height: o.height ?? 200,
      data: { values: l.spikes },
      mark: { type: 'square', size: 6, opacity: 0.8, color: '#1f3b57' },
      encoding: {
        x: { field: 't', type: 'quantitative', title: 'step', scale: { domain: [0, l.steps] } },
        y: { field: 'i', type: 'quantitative', title: 'neuron', scale: { domain: [0, Math.max(1, l.neurons)], reverse: true } },
      },
    })),
    config: { font: 'sans-serif' },
  } as TopLevelSpec;
}
