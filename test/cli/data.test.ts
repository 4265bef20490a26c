// eval --data <file> and compile --calibrate <file> from the CLI, on files written here, with
// a small model whose classes are c0, c1: names, indices, unknown labels, and files that hold
// nothing to evaluate (exit 1 with SNN_E_DATA, never "0 sentences" and exit 0).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli } from '../helpers/cli.js';
import { writeModelFile } from '../../compiler/frontend/model-format.js';
import { rng, tinyTextCnn } from '../helpers/tiny-model.js';

describe('CLI on data files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snnc-cli-data-'));
  const model = join(dir, 'tiny.snn');
  const r = rng(4);
  const texts = Array.from({ length: 60 }, () => Array.from({ length: 3 + Math.floor(r() * 10) }, () => `w${2 + Math.floor(r() * 38)}`).join(' '));
  beforeAll(() => writeModelFile(model, tinyTextCnn({ vocab: 40 })));
  afterEach(() => vi.restoreAllMocks());

  it('eval --data <csv> with class names, and the same file with 0-based indices, agree', async () => {
    const csv = join(dir, 'named.csv');
    writeFileSync(csv, 'label,text\n' + texts.map((t, i) => `c${i % 2},"${t}"`).join('\n') + '\n');
    const tsv = join(dir, 'indexed.tsv');
    writeFileSync(tsv, texts.map((t, i) => `${t}\t${i % 2}`).join('\n') + '\n');
    const a = await cli(['eval', model, '--data', csv, '--json']);
    expect(a.code, a.err).toBe(0);
    const b = await cli(['eval', model, '--data', tsv, '--text-col', '0', '--label-col', '1', '--json']);
    expect(b.code, b.err).toBe(0);
    const ja = JSON.parse(a.out);
    const jb = JSON.parse(b.out);
    expect(ja.sentences).toBe(60);
    expect(ja.accuracy).toEqual(jb.accuracy);
    expect(ja.perClass.map((p: { class: string; sentences: number }) => [p.class, p.sentences])).toEqual([['c0', 30], ['c1', 30]]);
    const human = await cli(['eval', model, '--data', csv]);
    expect(human.out).toMatch(/per class: c0 [\d.]+% of 30, c1 [\d.]+% of 30/);
  });

  it('compile --calibrate <file> checks the artifact on it', async () => {
    const f = join(dir, 'cal.jsonl');
    writeFileSync(f, texts.map((t, i) => JSON.stringify({ body: t, y: `c${i % 2}` })).join('\n') + '\n');
    const c = await cli(['compile', model, '-o', join(dir, 'out'), '--calibrate', f, '--text-col', 'body', '--label-col', 'y', '--json']);
    expect(c.code, c.err).toBe(0);
    const j = JSON.parse(c.out);
    expect(j.report.calibration.dataset).toBe(f);
    expect(j.report.calibration.bitexact).toEqual({ checked: 60, equal: 60 });
  });

  it('bad data files are SNN_E_DATA with file and line, exit 1', async () => {
    const cases: [string, string, RegExp][] = [
      ['unknown.csv', 'text,label\nw2 w3,c0\nw4,positive\nw5,neutral\n', /unknown\.csv: labels not in the model: "positive" \(line 3\), "neutral" \(line 4\); its classes are c0, c1/],
      ['header-only.csv', 'text,label\n', /header-only\.csv: no examples/],
      ['labels-only.txt', 'c0\nc1\n', /labels-only\.txt:1: empty text/],
      ['zero.csv', '', /zero\.csv is empty \(0 bytes\)/],
      ['ragged.csv', 'text,label\nw2,c0\nw3,c1,x\n', /ragged\.csv:3: /],
    ];
    for (const [name, content, re] of cases) {
      const p = join(dir, name);
      writeFileSync(p, content);
      const e = await cli(['eval', model, '--data', p]);
      expect(e.code, name).toBe(1);
      expect(e.err, name).toMatch(/SNN_E_DATA/);
      expect(e.err, name).toMatch(re);
      expect(e.out, name).toBe('');
    }
    // a file whose texts all lack tokens: not "0 sentences" with exit 0
    const p = join(dir, 'no-tokens.csv');
    writeFileSync(p, 'text,label\n<br />,c0\n<br/>,c1\n');
    const e = await cli(['eval', model, '--data', p]);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/no sentence to evaluate \(2 examples, all 2 without any token\)/);
    expect(e.out).not.toMatch(/NaN/);
    // a directory, and a name that is neither a data set nor a file
    expect((await cli(['eval', model, '--data', dir])).err).toMatch(/is a directory/);
    expect((await cli(['eval', model, '--data', 'mr:validation'])).err).toMatch(/neither a data set nor a file/);
  });
});
