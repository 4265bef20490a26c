// `snnc predict <artifact> --input file|-`: classifies many texts (one a line, or a CSV / TSV /
// JSONL column) and writes one JSON line per text, {id, label, scores, ops}, to stdout or
// --out. Streamed in bounded batches, so memory stays flat however large the input; with
// --workers N the batches go to N worker threads and come back in input order.

import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Writable } from 'node:stream';
import { fail, SnncError } from '../../core/errors.js';
import { artifactInfoOf } from '../../runtime/wasm-host.js';
import { readRecords, type RecordOptions } from '../data/tabular.js';
import { tableOptionsOf, type DataFileFlags } from '../data/user-data.js';
import { packageRoot } from '../data/paths.js';
import { progress } from '../progress.js';
import { makeClassifier, type PredictItem } from './predict-core.js';

export interface PredictOptions extends Omit<DataFileFlags, 'labelCol' | 'labelOrder'> {
  /** A file, or "-" for standard input (UTF-8). */
  input?: string;
  /** Write the JSON lines here (atomically: nothing is left on failure); default stdout. */
  out?: string;
  /** Worker threads; 1 (default) classifies on the main thread. */
  workers?: number;
  /** Texts per batch handed to a worker. Default 256. */
  batch?: number;
  /** The .snn model of an mlp (sentence-vector) artifact. */
  model?: string;
  /** No progress bar. */
  quiet?: boolean;
  /** Where the lines go when `out` is not given (tests); default process.stdout. */
  stream?: Writable;
}

export interface PredictOutcome {
  text: string;
  input: string;
  out: string;
  /** Texts classified, and texts that gave an error line (empty, no tokens). */
  texts: number;
  errors: number;
  workers: number;
  seconds: number;
  textsPerSecond: number;
  /** Peak resident memory of the process so far, bytes. */
  maxRssBytes: number;
}

/** The worker script: next to this module when built; from dist/ when running from sources. */
function workerScript(): URL {
  const here = new URL('./predict-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = join(packageRoot(), 'dist', 'compiler', 'api', 'predict-worker.js');
  if (existsSync(built)) return new URL(`file://${built}`);
  return fail('SNN_E_USAGE', '--workers needs the built package (dist/ is missing)', 'run `npm run build`, or use --workers 1');
}

async function write(stream: Writable, s: string): Promise<void> {
  if (!stream.write(s)) await once(stream, 'drain');
}

export async function predict(artifactPath: string, o: PredictOptions = {}): Promise<PredictOutcome> {
  const input = o.input ?? fail('SNN_E_USAGE', 'no input given', 'pass --input <file> or --input - for standard input');
  const workers = o.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) fail('SNN_E_USAGE', `--workers must be an integer from 1 to 64, got ${String(o.workers)}`);
  const batchSize = o.batch ?? 256;
  let wasm: Uint8Array<ArrayBuffer>;
  try {
    wasm = new Uint8Array(readFileSync(artifactPath));
  } catch (e) {
    return fail('SNN_E_ARTIFACT', `cannot read ${artifactPath}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const info = artifactInfoOf(await WebAssembly.compile(wasm).catch(() => fail('SNN_E_ARTIFACT', `${artifactPath} is not a WebAssembly module`, 'pass the model.wasm that `snnc compile` wrote')));
  if (info.input.kind === 'vector' && !o.model) fail('SNN_E_USAGE', `${artifactPath} takes sentence vectors; pass the .snn model it was compiled from with --model`);
  const t = tableOptionsOf(o);
  const rec: RecordOptions = { ...(t.format ? { format: t.format } : {}), ...(t.text !== undefined ? { text: t.text } : {}), label: null, code: 'SNN_E_INPUT' };
  const { source, records } = await readRecords(input, rec);
  const size = input === '-' ? 0 : statSync(input).size;

  const outPath = o.out === undefined ? undefined : resolve(o.out);
  const tmp = outPath === undefined ? undefined : join(dirname(outPath), `.${Date.now()}-${process.pid}.predict.tmp`);
  const stream: Writable = tmp !== undefined ? createWriteStream(tmp) : (o.stream ?? process.stdout);
  const bar = progress(`predict ${input === '-' ? 'stdin' : input} (bytes read)`, size, { quiet: o.quiet });
  const t0 = performance.now();
  let texts = 0;
  let errors = 0;
  const count = (lines: string[]): string => {
    texts += lines.length;
    for (const l of lines) if (l.startsWith('{"id":') && l.includes(',"error":')) errors++;
    return lines.length ? lines.join('\n') + '\n' : '';
  };

  // batches of records, with the bytes they took for the progress bar
  async function* batches(): AsyncGenerator<{ items: PredictItem[]; bytes: number }> {
    let items: PredictItem[] = [];
    let bytes = 0;
    for await (const r of records) {
      items.push({ id: r.line, text: r.text });
      bytes += Buffer.byteLength(r.text) + 1;
      if (items.length >= batchSize) {
        yield { items, bytes };
        items = [];
        bytes = 0;
      }
    }
    if (items.length) yield { items, bytes };
  }

  const pool: Worker[] = [];
  try {
    if (workers === 1) {
      const c = await makeClassifier(wasm, o.model);
      for await (const b of batches()) {
        await write(stream, count(c.classify(b.items)));
        bar.tick(b.bytes);
      }
    } else {
      const script = workerScript();
      for (let i = 0; i < workers; i++) pool.push(new Worker(script, { workerData: { wasm, model: o.model } }));
      await Promise.all(pool.map((w) => waitReady(w)));
      await runPool(pool, batches(), async (lines, bytes) => {
        await write(stream, count(lines));
        bar.tick(bytes);
      });
    }
    if (texts === 0) fail('SNN_E_INPUT', `${source.name}: no text to classify (only blank lines${rec.format === 'csv' || rec.format === 'tsv' ? ' or a header' : ''})`);
    if (tmp !== undefined) {
      stream.end();
      await once(stream, 'finish');
      renameSync(tmp, outPath as string);
    }
  } catch (e) {
    if (tmp !== undefined) {
      stream.destroy();
      rmSync(tmp, { force: true });
    }
    throw e;
  } finally {
    bar.stop();
    await Promise.all(pool.map((w) => w.terminate()));
  }
  const seconds = (performance.now() - t0) / 1000;
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  const out: PredictOutcome = {
    text: '',
    input: source.name,
    out: outPath ?? 'stdout',
    texts,
    errors,
    workers,
    seconds,
    textsPerSecond: seconds > 0 ? texts / seconds : 0,
    maxRssBytes,
  };
  out.text = `predicted ${texts} texts${errors ? ` (${errors} could not be classified: see their "error")` : ''} from ${source.name} in ${seconds.toFixed(1)} s (${out.textsPerSecond.toFixed(0)} texts/s, ${workers} worker${workers > 1 ? 's' : ''}) -> ${out.out}`;
  return out;
}

function waitReady(w: Worker): Promise<void> {
  return new Promise((res, rej) => {
    const onMsg = (m: { ready?: boolean }): void => {
      if (m.ready) {
        w.off('error', rej);
        w.off('message', onMsg);
        res();
      }
    };
    w.on('message', onMsg);
    w.once('error', rej);
  });
}

/**
 * Sends batches to the workers, at most two in flight per worker (so memory is bounded), and
 * hands results to `sink` strictly in input order.
 */
async function runPool(pool: Worker[], source: AsyncGenerator<{ items: PredictItem[]; bytes: number }>, sink: (lines: string[], bytes: number) => Promise<void>): Promise<void> {
  const maxInFlight = 2 * pool.length;
  const done = new Map<number, string[]>();
  const bytesOf = new Map<number, number>();
  const busy = new Map<Worker, number>();
  let nextSeq = 0;
  let nextWrite = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  for (const w of pool) {
    busy.set(w, 0);
    w.on('message', (m: { seq: number; lines?: string[]; error?: { code?: string; message: string; hint?: string } }) => {
      busy.set(w, (busy.get(w) as number) - 1);
      if (m.error) failure ??= m.error.code ? new SnncError(m.error.code as never, m.error.message, m.error.hint) : new Error(m.error.message);
      else done.set(m.seq, m.lines as string[]);
      signal();
    });
    w.on('error', (e) => {
      failure ??= e;
      signal();
    });
  }
  const least = (): Worker => pool.reduce((a, b) => ((busy.get(b) as number) < (busy.get(a) as number) ? b : a));
  const flush = async (): Promise<void> => {
    while (done.has(nextWrite)) {
      const lines = done.get(nextWrite) as string[];
      done.delete(nextWrite);
      const bytes = bytesOf.get(nextWrite) as number;
      bytesOf.delete(nextWrite);
      nextWrite++;
      await sink(lines, bytes);
    }
  };
  const waitSome = (): Promise<void> => new Promise((res) => (wake = res));
  for await (const b of source) {
    while (nextSeq - nextWrite >= maxInFlight && failure === undefined) {
      if (!done.has(nextWrite)) await waitSome();
      await flush();
    }
    if (failure !== undefined) throw failure;
    const seq = nextSeq++;
    bytesOf.set(seq, b.bytes);
    const w = least();
    busy.set(w, (busy.get(w) as number) + 1);
    w.postMessage({ seq, items: b.items });
    await flush();
  }
  while (nextWrite < nextSeq && failure === undefined) {
    if (!done.has(nextWrite)) await waitSome();
    await flush();
  }
  if (failure !== undefined) throw failure;
}
