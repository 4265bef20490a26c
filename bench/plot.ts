// Minimal SVG charts for benchmark results (no dependencies): a line chart and a grouped bar
// chart with an optional log axis. Enough to see a trade-off curve; the JSON holds the numbers.

export interface Series {
  name: string;
  points: [number, number][];
  color: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function ticks(lo: number, hi: number, n = 5): number[] {
  const step = (hi - lo) / n;
  return Array.from({ length: n + 1 }, (_, i) => lo + i * step);
}

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], x0: number, y0: number, w: number, h: number): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xmin = Math.min(...xs);
  const xmax = Math.max(...xs);
  const ymin = Math.floor(Math.min(...ys) - 1);
  const ymax = Math.ceil(Math.max(...ys) + 1);
  const px = (x: number) => x0 + 50 + ((x - xmin) / (xmax - xmin || 1)) * (w - 70);
  const py = (y: number) => y0 + h - 40 - ((y - ymin) / (ymax - ymin || 1)) * (h - 70);
  const out: string[] = [`<text x="${x0 + w / 2}" y="${y0 + 16}" text-anchor="middle" font-size="14">${esc(title)}</text>`];
  for (const t of ticks(ymin, ymax)) {
    out.push(`<line x1="${x0 + 50}" x2="${x0 + w - 20}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + 45}" y="${py(t) + 4}" text-anchor="end" font-size="10">${t.toFixed(1)}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) out.push(`<text x="${px(x)}" y="${y0 + h - 25}" text-anchor="middle" font-size="10">${x}</text>`);
  out.push(`<text x="${x0 + w / 2}" y="${y0 + h - 8}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`);
  out.push(`<text x="${x0 + 12}" y="${y0 + h / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 ${x0 + 12} ${y0 + h / 2})">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${px(p[0])},${py(p[1])}`).join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${px(p[0])}" cy="${py(p[1])}" r="3" fill="${s.color}"/>`);
    out.push(`<text x="${x0 + w - 170}" y="${y0 + h - 80 + i * 14}" font-size="11" fill="${s.color}">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

export interface BarGroup {
  label: string;
  values: { name: string; value: number; color: string }[];
}

export function barChart(title: string, yLabel: string, groups: BarGroup[], x0: number, y0: number, w: number, h: number, log = true): string {
  const vals = groups.flatMap((g) => g.values.map((v) => v.value)).filter((v) => v > 0);
  const lo = log ? Math.floor(Math.log10(Math.min(...vals))) : 0;
  const hi = log ? Math.ceil(Math.log10(Math.max(...vals))) : Math.max(...vals) * 1.1;
  const f = (v: number) => (log ? (Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo || 1) : v / hi);
  const plotH = h - 115; // headroom above the bars for the legend
  const out: string[] = [`<text x="${x0 + w / 2}" y="${y0 + 16}" text-anchor="middle" font-size="14">${esc(title)}</text>`];
  const base = y0 + h - 40;
  if (log) {
    for (let e = lo; e <= hi; e++) {
      const y = base - ((e - lo) / (hi - lo || 1)) * plotH;
      out.push(`<line x1="${x0 + 50}" x2="${x0 + w - 10}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${x0 + 45}" y="${y + 4}" text-anchor="end" font-size="10">1e${e}</text>`);
    }
  }
  out.push(`<text x="${x0 + 12}" y="${y0 + h / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 ${x0 + 12} ${y0 + h / 2})">${esc(yLabel)}</text>`);
  const gw = (w - 70) / groups.length;
  groups.forEach((g, gi) => {
    const bw = (gw - 20) / g.values.length;
    g.values.forEach((v, vi) => {
      const bh = f(v.value) * plotH;
      const x = x0 + 60 + gi * gw + vi * bw;
      out.push(`<rect x="${x}" y="${base - bh}" width="${bw - 2}" height="${bh}" fill="${v.color}"/>`);
      out.push(`<text x="${x + bw / 2}" y="${base - bh - 3}" text-anchor="middle" font-size="9">${v.value >= 100 ? v.value.toFixed(0) : v.value.toPrecision(3)}</text>`);
    });
    out.push(`<text x="${x0 + 60 + gi * gw + (gw - 20) / 2}" y="${base + 14}" text-anchor="middle" font-size="11">${esc(g.label)}</text>`);
  });
  const names = groups[0]?.values ?? [];
  names.forEach((v, i) => out.push(`<rect x="${x0 + w - 150}" y="${y0 + 28 + i * 14}" width="10" height="10" fill="${v.color}"/><text x="${x0 + w - 135}" y="${y0 + 37 + i * 14}" font-size="11">${esc(v.name)}</text>`));
  return out.join('\n');
}

export function svg(width: number, height: number, parts: string[], caption: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts,
    `<text x="10" y="${height - 6}" font-size="10" fill="#555">${esc(caption)}</text>`,
    '</svg>',
  ].join('\n');
}
