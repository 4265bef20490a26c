// Charts for reports and benchmarks: Vega-Lite specifications rendered to SVG headlessly with
// Vega (no browser, no canvas: Vega's own SVG renderer with its text-width estimate), so the
// output is deterministic for the same data. One place for every chart snnc writes
// (`snnc sweep`; bench/ is meant to move here too).

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
