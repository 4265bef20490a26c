// A self-contained HTML page from sections of text, tables and inline SVG charts: no scripts,
// no fonts, no links to fetch, so it opens offline anywhere. Fed plain data by the API.

export const esc = (s: unknown): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export type Block = { kind: 'p'; text: string } | { kind: 'table'; head: string[]; rows: (string | number)[][] } | { kind: 'chart'; id: string; svg: string; caption?: string };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

function block(b: Block): string {
  if (b.kind === 'p') return `<p>${esc(b.text)}</p>`;
  if (b.kind === 'table')
    return `<table><thead><tr>${b.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${b.rows
      .map((r) => `<tr>${r.map((c) => `<td${typeof c === 'number' ? ' class="num"' : ''}>${esc(typeof c === 'number' ? c.toLocaleString('en-US', { maximumFractionDigits: 4 }) : c)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  // the SVG comes from Vega's renderer (our own charts), embedded as is
  const svg = b.svg.replace(/^<\?xml[^>]*>\s*/, '');
  return `<figure class="chart" data-chart="${esc(b.id)}">${svg}${b.caption ? `<figcaption>${esc(b.caption)}</figcaption>` : ''}</figure>`;
}

export function htmlPage(title: string, intro: string, sections: Section[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // no network: nothing may be fetched (the test opens it with every request refused)
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title>`,
    '<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:0 auto;padding:10px 20px;color:#222}h1{font-size:1.4em}h2{font-size:1.1em;border-bottom:1px solid #ddd;margin-top:1.6em}table{border-collapse:collapse;margin:6px 0}td,th{padding:2px 12px 2px 0;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:10px 0}figcaption{color:#555;font-size:.9em}nav a{margin-right:10px}</style>',
    '</head><body>',
    `<h1>${esc(title)}</h1>`,
    `<p>${esc(intro)}</p>`,
    `<nav>${sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('')}</nav>`,
    ...sections.map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>${s.blocks.map(block).join('\n')}</section>`),
    '</body></html>',
    '',
  ].join('\n');
}
