// CSV (RFC 4180), TSV and JSONL loaders: quoted fields with commas, quotes and newlines,
// column selection by name or index, label numbering, and SNN_E_DATA on bad rows.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSnncError } from '../../core/errors.js';
import { assignClasses, loadTable, parseDelimited } from '../../compiler/data/tabular.js';
import { codeOf } from '../helpers/code-of.js';

const dir = mkdtempSync(join(tmpdir(), 'snnc-table-'));
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('CSV', () => {
  it('parses RFC 4180 quoting: commas, doubled quotes, newlines, CRLF', () => {
    const p = file('a.csv', 'id,text,label\r\n1,"Good, really ""good""",pos\r\n2,"two\nlines",neg\r\n3,plain,pos\r\n');
    const d = loadTable(p, { text: 'text', label: 'label' });
    expect(d.examples.map((e) => e.text)).toEqual(['Good, really "good"', 'two\nlines', 'plain']);
    expect(d.classes).toEqual(['neg', 'pos']); // sorted
    expect(d.examples.map((e) => e.label)).toEqual([1, 0, 1]);
  });
  it('selects columns by index without a header and numbers labels first-seen', () => {
    const p = file('b.csv', 'pos,great film\nneg,awful\nneu,fine\n');
    const d = loadTable(p, { text: 1, label: 0, labelOrder: 'first-seen' });
    expect(d.classes).toEqual(['pos', 'neg', 'neu']);
    expect(d.examples).toEqual([{ text: 'great film', label: 0 }, { text: 'awful', label: 1 }, { text: 'fine', label: 2 }]);
  });
  it('sorts integer labels numerically and honours a fixed class list', () => {
    expect(assignClasses(['10', '2', '1', '2'], {})).toEqual(['1', '2', '10']);
    const p = file('c.csv', 'text,label\na,1\nb,0\n');
    expect(loadTable(p, { text: 'text', label: 'label', classes: ['1', '0'] }).examples.map((e) => e.label)).toEqual([0, 1]);
    expect(codeOf(() => loadTable(p, { text: 'text', label: 'label', classes: ['x'] }))).toBe('SNN_E_DATA');
  });
  it('rejects bad rows with SNN_E_DATA and the line number', () => {
    const ragged = file('d.csv', 'text,label\nok,1\ntoo,many,fields\n');
    expect(codeOf(() => loadTable(ragged, { text: 'text', label: 'label' }))).toBe('SNN_E_DATA');
    expect(() => loadTable(ragged, { text: 'text', label: 'label' })).toThrow(/d\.csv:3/);
    const open = file('e.csv', 'text,label\n"never closed,1\n');
    expect(codeOf(() => loadTable(open, { text: 'text', label: 'label' }))).toBe('SNN_E_DATA');
    const stray = file('f.csv', 'text,label\nsay "hi",1\n');
    expect(codeOf(() => loadTable(stray, { text: 'text', label: 'label' }))).toBe('SNN_E_DATA');
    const emptyLabel = file('g.csv', 'text,label\nfine,\n');
    expect(codeOf(() => loadTable(emptyLabel, { text: 'text', label: 'label' }))).toBe('SNN_E_DATA');
    expect(codeOf(() => loadTable(emptyLabel, { text: 'body', label: 'label' }))).toBe('SNN_E_DATA');
    expect(codeOf(() => loadTable(file('h.txt', 'x'), { text: 0, label: 1 }))).toBe('SNN_E_DATA');
  });
  it('parseDelimited reports where each record starts', () => {
    const r = parseDelimited('a,"b\nc"\nd,e\n', ',', true);
    expect(r).toEqual([{ fields: ['a', 'b\nc'], line: 1 }, { fields: ['d', 'e'], line: 3 }]);
  });
});

describe('TSV', () => {
  it('splits on tabs and leaves quotes alone by default', () => {
    const p = file('a.tsv', 'sentence\tlabel\nsay "hi", ok\t1\nbye\t0\n');
    const d = loadTable(p, { text: 'sentence', label: 'label' });
    expect(d.examples).toEqual([{ text: 'say "hi", ok', label: 1 }, { text: 'bye', label: 0 }]);
  });
  it('reads Latin-1 files without failing', () => {
    const p = file('b.tsv', new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x85, 0x09, 0x31, 0x0a]));
    const d = loadTable(p, { text: 0, label: 1 });
    expect(d.examples[0].text).toBe('caf\u00e9\u2026');
    expect(d.encoding).toBe('latin1');
  });
});

describe('JSONL', () => {
  it('reads objects with string or number labels and skips blank lines', () => {
    const p = file('a.jsonl', '{"t":"good","s":1}\n\n{"t":"bad","s":0}\r\n');
    const d = loadTable(p, { text: 't', label: 's' });
    expect(d.classes).toEqual(['0', '1']);
    expect(d.examples).toEqual([{ text: 'good', label: 1 }, { text: 'bad', label: 0 }]);
  });
  it('rejects broken JSON, missing fields and non-string text', () => {
    expect(codeOf(() => loadTable(file('b.jsonl', '{"t":"x","s":1}\n{"t":\n'), { text: 't', label: 's' }))).toBe('SNN_E_DATA');
    expect(() => loadTable(file('c.jsonl', '{"t":"x"}\n'), { text: 't', label: 's' })).toThrow(/c\.jsonl:1/);
    expect(codeOf(() => loadTable(file('d.jsonl', '{"t":5,"s":1}\n'), { text: 't', label: 's' }))).toBe('SNN_E_DATA');
    expect(codeOf(() => loadTable(file('e.jsonl', '{"s":1}\n'), { text: 'constructor', label: 's' }))).toBe('SNN_E_DATA');
  });
});
