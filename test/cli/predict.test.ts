// `snnc predict`: batch classification of a file or stdin into JSON lines. Every line is
// checked against the reference simulator; worker threads give the same lines in the same
// order; --out is all or nothing; memory stays flat as the input grows (measured in a child
// process on generated files).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { predict } from '../../compiler/api/predict.js';
import { compile } from '../../compiler/api.js';
import { writeModelFile, readModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate } from '../../runtime/reference.js';
import { Vocab, textToIds } from '../../runtime/tokenizer.js';
import { cli } from '../helpers/cli.js';
import { rng, tinyTextCnn } from '../helpers/tiny-model.js';
import { rejection } from '../helpers/code-of.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'snnc-predict-'));
const modelPath = join(dir, 'tiny.snn');
let wasm = '';

function sink(): { stream: Writable; text: () => string } {
  let s = '';
  return { stream: new Writable({ write: (c, _e, cb) => ((s += String(c)), cb()) }), text: () => s };
}

function sentences(n: number, seed: number): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 1 + Math.floor(r() * 20) }, () => `W${2 + Math.floor(r() * 38)}`).join(' '));
}


beforeAll(async () => {
  writeModelFile(modelPath, tinyTextCnn({ vocab: 40 }));
  wasm = (await compile(modelPath, { out: join(dir, 'out') })).wasmPath as string;
});

describe('snnc predict', () => {
  it('classifies one text a line, each line equal to the reference simulator; blank lines skipped, token-less texts get an error line', async () => {
    const texts = sentences(300, 5);
    const input = join(dir, 'in.txt');
    writeFileSync(input, [...texts.slice(0, 100), '', '   ', ...texts.slice(100), '<br />'].join('\n') + '\n');
    const s = sink();
    const r = await predict(wasm, { input, stream: s.stream, quiet: true });
    expect(r).toMatchObject({ texts: 301, errors: 1, workers: 1 });
    const rows = s.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.length).toBe(301);
    const model = readModelFile(modelPath);
    const g = runPipeline(model.graph, { schedule: 'auto' }).graph;
    const vocab = new Vocab(model.vocab!);
    texts.forEach((t, i) => {
      const row = rows[i];
      expect(row.id).toBe(i < 100 ? i + 1 : i + 3); // input line numbers
      const ref = simulate(g, { tokens: textToIds(t, vocab, 16) });
      expect(row.label).toBe(model.meta.classes[ref.label]);
      expect(row.scores).toEqual({ c0: ref.scores[0], c1: ref.scores[1] });
      expect(row.ops).toEqual(ref.ops);
    });
    expect(rows[300]).toEqual({ id: 303, error: { code: 'SNN_E_INPUT', message: 'input text contains no tokens (send at least one word)' } });
  });

  it('reads a CSV column (--text-col) and writes --out whole, or nothing when the input is bad', async () => {
    const texts = sentences(50, 9);
    const csv = join(dir, 'in.csv');
    writeFileSync(csv, 'id,body\n' + texts.map((t, i) => `${i},"${t}, quoted"`).join('\r\n') + '\r\n');
    const out = join(dir, 'pred.jsonl');
    const r = await cli(['predict', wasm, '--input', csv, '--text-col', 'body', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ texts: 50, errors: 0, out });
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.id)).toEqual(texts.map((_, i) => i + 2));
    // a ragged row half-way: SNN_E_INPUT naming file and line, and no output file
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'id,body\n' + texts.map((t, i) => (i === 30 ? `${i},"${t}",extra` : `${i},"${t}"`)).join('\n') + '\n');
    const out2 = join(dir, 'pred2.jsonl');
    const e = await cli(['predict', wasm, '--input', bad, '--text-col', 'body', '--out', out2]);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/SNN_E_INPUT: .*bad\.csv:32: /);
    expect(existsSync(out2)).toBe(false);
    expect(readFileSync(join(dir, 'pred.jsonl'), 'utf8').length).toBeGreaterThan(0);
    // no text column
    expect((await rejection(predict(wasm, { input: csv, quiet: true, stream: sink().stream }))).message).toMatch(/no text column "text"/);
    // an empty file, a directory
    writeFileSync(join(dir, 'empty.txt'), '');
    expect((await rejection(predict(wasm, { input: join(dir, 'empty.txt'), quiet: true }))).message).toMatch(/is empty \(0 bytes\)/);
    expect((await rejection(predict(wasm, { input: dir, quiet: true }))).message).toMatch(/is a directory/);
  });

  it('--workers 2 gives the same lines in the same order as one thread', async () => {
    if (!existsSync(join(ROOT, 'dist', 'compiler', 'api', 'predict-worker.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    const input = join(dir, 'many.txt');
    writeFileSync(input, sentences(3000, 11).join('\n') + '\n');
    const one = sink();
    await predict(wasm, { input, stream: one.stream, quiet: true });
    const two = sink();
    const r = await predict(wasm, { input, stream: two.stream, quiet: true, workers: 2, batch: 64 });
    expect(r.workers).toBe(2);
    expect(two.text()).toBe(one.text());
    expect(two.text().split('\n').length).toBe(3001);
  });

  it('reads standard input (--input -): the same lines as from a file; non-UTF-8 input is SNN_E_INPUT', async () => {
    if (!existsSync(join(ROOT, 'dist', 'compiler', 'api', 'predict.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    const texts = sentences(40, 21);
    const input = join(dir, 'stdin.txt');
    writeFileSync(input, texts.join('\n') + '\n');
    const fromFile = sink();
    await predict(wasm, { input, stream: fromFile.stream, quiet: true });
    const p = spawnSync(process.execPath, [join(ROOT, 'bin', 'snnc.js'), 'predict', wasm, '--input', '-'], { input: texts.join('\n') + '\n', encoding: 'utf8' });
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toBe(fromFile.text());
    expect(p.stderr).toMatch(/predicted 40 texts from standard input/);
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin', 'snnc.js'), 'predict', wasm, '--input', '-'], { input: Buffer.from([0x77, 0x32, 0xe9, 0x0a]) });
    expect(bad.status).toBe(1);
    expect(String(bad.stderr)).toMatch(/SNN_E_INPUT: standard input is not valid UTF-8/);
  });

  it('streams: peak memory does not grow with the input (8 MB vs 64 MB, child processes)', async () => {
    if (!existsSync(join(ROOT, 'dist', 'compiler', 'api', 'predict.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    const r = rng(3);
    const gen = async (path: string, bytes: number): Promise<void> => {
      const out = createWriteStream(path);
      let n = 0;
      while (n < bytes) {
        // long lines: the model reads 16 tokens of each, so the run is quick, but the bytes count
        const line = Array.from({ length: 400 }, () => `w${2 + Math.floor(r() * 38)}`).join(' ') + '\n';
        n += line.length;
        if (!out.write(line)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
    };
    const rss = (input: string): number => {
      const p = spawnSync(process.execPath, [join(ROOT, 'bin', 'snnc.js'), 'predict', wasm, '--input', input, '--out', `${input}.jsonl`, '--json'], { encoding: 'utf8' });
      expect(p.status, p.stderr).toBe(0);
      return JSON.parse(p.stdout).maxRssBytes as number;
    };
    await gen(join(dir, 'small.txt'), 8e6);
    await gen(join(dir, 'large.txt'), 64e6);
    const small = rss(join(dir, 'small.txt'));
    const large = rss(join(dir, 'large.txt'));
    console.log(`predict peak RSS: ${(small / 1e6).toFixed(1)} MB on 8 MB, ${(large / 1e6).toFixed(1)} MB on 64 MB`);
    // reading the large file whole would add at least its 64 MB (bytes) plus the decoded string
    expect(large - small).toBeLessThan(24e6);
  }, 300_000);
});
