// User data files on real files written to a temp folder: CSV (csv-parse), TSV, JSONL and
// `<label> <sentence>` lines; column selection, label numbering, line ends (LF, CRLF,
// CR-only), encodings (UTF-8 with and without BOM, Latin-1), and every kind of bad input as
// SNN_E_DATA naming file and line.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignClasses, numberLabels } from '../../compiler/data/labels.js';
import { formatOf, loadTable, readRecords } from '../../compiler/data/tabular.js';
import { linesOf } from '../../compiler/data/text-stream.js';
import { rejection } from '../helpers/code-of.js';

const dir = mkdtempSync(join(tmpdir(), 'snnc-table-'));
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}


describe('CSV (csv-parse)', () => {
  it('parses RFC 4180 quoting: commas, doubled quotes, newlines, CRLF', async () => {
    const p = file('a.csv', 'id,text,label\r\n1,"Good, really ""good""",pos\r\n2,"two\r\nlines",neg\r\n3,plain,pos\r\n');
    const d = await loadTable(p);
    expect(d.examples.map((e) => e.text)).toEqual(['Good, really "good"', 'two\nlines', 'plain']);
    expect(d.classes).toEqual(['neg', 'pos']); // sorted
    expect(d.examples.map((e) => e.label)).toEqual([1, 0, 1]);
    expect(d.lines).toEqual([2, 3, 5]); // where each record starts
  });
  it('selects columns by index without a header and numbers labels first-seen', async () => {
    const p = file('b.csv', 'pos,great film\nneg,awful\nneu,fine\n');
    const d = await loadTable(p, { text: 1, label: 0, labelOrder: 'first-seen' });
    expect(d.classes).toEqual(['pos', 'neg', 'neu']);
    expect(d.examples).toEqual([{ text: 'great film', label: 0 }, { text: 'awful', label: 1 }, { text: 'fine', label: 2 }]);
  });
  it('sorts integer labels numerically and honours a fixed class list', async () => {
    expect(assignClasses(['10', '2', '1', '2'])).toEqual(['1', '2', '10']);
    expect(assignClasses(['b', 'B', 'a', 'é'])).toEqual(['B', 'a', 'b', 'é']); // code units, not locale
    const p = file('c.csv', 'text,label\na,1\nb,0\n');
    expect((await loadTable(p, { classes: ['1', '0'] })).examples.map((e) => e.label)).toEqual([0, 1]);
    const bad = await rejection(loadTable(p, { classes: ['x'] }));
    expect(bad.code).toBe('SNN_E_DATA');
    expect(bad.message).toMatch(/c\.csv: labels not in the model: "1" \(line 2\), "0" \(line 3\); its classes are x/);
  });
  it('reads 0-based integer labels as class indices of a model with named classes', () => {
    expect(numberLabels(['1', '0', '1'], [1, 2, 3], 'f', { classes: ['negative', 'positive'] }).index).toEqual([1, 0, 1]);
    expect(() => numberLabels(['2'], [1], 'f', { classes: ['negative', 'positive'] })).toThrow(/"2" \(line 1\)/);
  });
  it('a UTF-8 BOM does not become part of the first column name', async () => {
    const d = await loadTable(file('bom.csv', '\ufefftext,label\ncafé crème,pos\nbad,neg\n'));
    expect(d.examples[0]).toEqual({ text: 'café crème', label: 1 });
    expect(d.encoding).toBe('utf-8');
  });
  it('CR-only line ends: 50 rows stay 50 examples', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `text number ${i},${i % 2 ? 'pos' : 'neg'}`);
    const d = await loadTable(file('cr.csv', ['text,label', ...rows].join('\r') + '\r'));
    expect(d.examples.length).toBe(50);
    expect(d.examples[49]).toEqual({ text: 'text number 49', label: 1 });
    expect(d.lines[49]).toBe(51);
  });
  it('Latin-1 bytes are read as windows-1252', async () => {
    // "text,label\nTrès bon…,pos\nschön,neg\n" in Latin-1 / cp1252
    const bytes = Buffer.concat([Buffer.from('text,label\nTr'), Buffer.from([0xe8]), Buffer.from('s bon'), Buffer.from([0x85]), Buffer.from(',pos\nsch'), Buffer.from([0xf6]), Buffer.from('n,neg\n')]);
    const d = await loadTable(file('latin1.csv', bytes));
    expect(d.encoding).toBe('latin1');
    expect(d.examples.map((e) => e.text)).toEqual(['Très bon\u2026', 'schön']);
  });
  it('rejects bad input with SNN_E_DATA naming file and line', async () => {
    const cases: [string, string, RegExp][] = [
      ['ragged.csv', 'text,label\nok,1\ntoo,many,fields\n', /ragged\.csv:3: .*expect 2, got 3/],
      ['open.csv', 'text,label\nfine,1\n"never closed,1\nmore,0\n', /open\.csv:3: a quoted field .* never closed/],
      ['stray.csv', 'text,label\nsay "hi",1\n', /stray\.csv:2: a quote inside an unquoted field/],
      ['after.csv', 'text,label\n"say" hi,1\n', /after\.csv:2: text after a closing quote/],
      ['nolabelcol.csv', 'text,class\nfine,1\n', /nolabelcol\.csv:1: no label column "label" \(the header has "text", "class"\)/],
      ['notextcol.csv', 'sentence,label\nfine,1\n', /notextcol\.csv:1: no text column "text"/],
      ['emptytext.csv', 'text,label\nfine,1\n"",0\n', /emptytext\.csv:3: empty text/],
      ['emptylabel.csv', 'text,label\nfine,1\nalso fine,\n', /emptylabel\.csv:3: empty or unusable label/],
      ['headeronly.csv', 'text,label\n', /headeronly\.csv: no examples \(only a header\)/],
      ['zero.csv', '', /zero\.csv is empty \(0 bytes\)/],
      ['missing.csv', null as unknown as string, /cannot read .*missing\.csv: no such file/],
    ];
    for (const [name, content, re] of cases) {
      const p = content === null ? join(dir, name) : file(name, content);
      const e = await rejection(loadTable(p));
      expect(e.code, name).toBe('SNN_E_DATA');
      expect(e.message, name).toMatch(re);
    }
    const d = join(dir, 'a-directory.csv');
    mkdirSync(d);
    expect(await rejection(loadTable(d))).toMatchObject({ code: 'SNN_E_DATA', message: expect.stringMatching(/a-directory\.csv is a directory/) });
    // an index past the row's width
    const e = await rejection(loadTable(file('narrow.csv', 'a,b\nc,d\n'), { text: 0, label: 5 }));
    expect(e.message).toMatch(/narrow\.csv:1: no label column 5 \(the row has 2 fields/);
  });
});

describe('TSV', () => {
  it('splits on tabs and leaves quotes alone by default', async () => {
    const p = file('a.tsv', 'sentence\tlabel\nsay "hi", ok\t1\nbye\t0\n');
    const d = await loadTable(p, { text: 'sentence' });
    expect(d.examples).toEqual([{ text: 'say "hi", ok', label: 1 }, { text: 'bye', label: 0 }]);
  });
  it('reads Latin-1 files without failing', async () => {
    const p = file('b.tsv', new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x85, 0x09, 0x31, 0x0a, 0x78, 0x09, 0x30, 0x0a]));
    const d = await loadTable(p, { text: 0, label: 1 });
    expect(d.examples[0].text).toBe('caf\u00e9\u2026');
    expect(d.encoding).toBe('latin1');
  });
});

describe('JSONL', () => {
  it('reads objects with string or number labels and skips blank lines', async () => {
    const p = file('a.jsonl', '{"t":"good","s":1}\n\n{"t":"bad","s":0}\r\n');
    const d = await loadTable(p, { text: 't', label: 's' });
    expect(d.classes).toEqual(['0', '1']);
    expect(d.examples).toEqual([{ text: 'good', label: 1 }, { text: 'bad', label: 0 }]);
    expect(d.lines).toEqual([1, 3]);
  });
  it('rejects broken JSON, missing fields and non-string text', async () => {
    expect((await rejection(loadTable(file('b.jsonl', '{"t":"x","s":1}\n{"t":\n'), { text: 't', label: 's' }))).message).toMatch(/b\.jsonl:2: not valid JSON/);
    expect((await rejection(loadTable(file('c.jsonl', '{"t":"x"}\n'), { text: 't', label: 's' }))).message).toMatch(/c\.jsonl:1: no label field "s"/);
    expect((await rejection(loadTable(file('d.jsonl', '{"t":5,"s":1}\n'), { text: 't', label: 's' }))).message).toMatch(/d\.jsonl:1: .* not a string/);
    expect((await rejection(loadTable(file('e.jsonl', '{"s":1}\n'), { text: 'constructor', label: 's' }))).code).toBe('SNN_E_DATA');
  });
});

describe('<label> <sentence> lines', () => {
  it('takes string or integer labels; any extension other than csv/tsv/jsonl', async () => {
    expect(formatOf('x.txt')).toBe('lines');
    expect(formatOf('stsa.binary.train')).toBe('lines');
    expect(formatOf('x.data', 'csv')).toBe('csv');
    const d = await loadTable(file('a.txt', 'positive a fine film\nnegative  dull , dull\n\n'));
    expect(d.classes).toEqual(['negative', 'positive']);
    expect(d.examples).toEqual([{ text: 'a fine film', label: 1 }, { text: 'dull , dull', label: 0 }]);
    expect((await rejection(loadTable(file('b.txt', '1 fine\n0\n')))).message).toMatch(/b\.txt:2: empty text/);
  });
});

describe('line splitting', () => {
  async function lines(chunks: string[]): Promise<string[]> {
    const out: string[] = [];
    async function* src() {
      yield* chunks;
    }
    for await (const l of linesOf(src())) out.push(l.text);
    return out;
  }
  it('LF, CRLF across chunk borders, CR-only; never on NEL or U+2028', async () => {
    expect(await lines(['a\r', '\nb\u0085c\u2028d\ne\n'])).toEqual(['a', 'b\u0085c\u2028d', 'e']);
    expect(await lines(['a\rb', '\rc'])).toEqual(['a', 'b', 'c']);
    expect(await lines(['a\r'])).toEqual(['a']);
    expect(await lines(['one line, no break'])).toEqual(['one line, no break']);
    // the first break decides: a lone \r inside an LF file stays in its line
    expect(await lines(['a\nb\rc\n'])).toEqual(['a', 'b\rc']);
  });
  it('streams records of a file without labels (prediction)', async () => {
    const r = await readRecords(file('p.csv', 'id,text\n7,"hello, world"\n8,bye\n'), { label: null });
    const out = [];
    for await (const x of r.records) out.push(x);
    expect(out).toEqual([{ text: 'hello, world', line: 2 }, { text: 'bye', line: 3 }]);
  });
});
