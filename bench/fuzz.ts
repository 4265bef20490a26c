// The long fuzz run (issue #15): the generators and oracles of bench/fuzz-cases.ts at volume,
// the firmware frame parser under libFuzzer + ASan/UBSan, and kill -9 at random instants
// during checkpointing and compiling. Counts per input class and verdict go to
// bench/results/fuzz.json with the goals. Run niced, in the background:
//   nice -n 10 npx vite-node bench/fuzz.ts -- [--scale 1] [--only snn,artifact,...]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { writeAtomic } from '../compiler/io/atomic.js';
import { decodeModel } from '../compiler/frontend/model-format.js';
import { hasCheckpoint, loadCheckpoint } from '../compiler/train/checkpoint.js';
import { FUZZ_SEED, fuzzArtifactBytes, fuzzArtifactMeta, fuzzBoardReply, fuzzNirBytes, fuzzNirEdit, fuzzSetup, fuzzSnnBlob, fuzzSnnHeader, type Verdict } from './fuzz-cases.js';
import { loadArtifactFile } from '../runtime/wasm-node.js';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const scale = Number(args[args.indexOf('--scale') + 1] ?? 1) || 1;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;
const out = join(root, 'bench', 'results', 'fuzz.json');
const previous = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { classes: {} };

interface ClassResult {
  goal: string;
  runs: number;
  verdicts: Record<string, number>;
  seconds: number;
  failures: string[];
  met: boolean;
}
const result: { machine: string; load: number[]; seed: number; started: string; classes: Record<string, ClassResult> } = {
  machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}`,
  load: loadavg(),
  seed: FUZZ_SEED,
  started: new Date().toISOString(),
  classes: previous.classes ?? {},
};
const save = () => writeAtomic(out, JSON.stringify(result, null, 2) + '\n');

async function loop<T>(name: string, goal: string, target: number, min: number, arb: fc.Arbitrary<T>, check: (x: T) => Verdict | Promise<Verdict>): Promise<void> {
  if (only && !only.some((o) => name.startsWith(o))) return;
  const n = Math.round(target * scale);
  const r: ClassResult = { goal, runs: 0, verdicts: {}, seconds: 0, failures: [], met: false };
  const t0 = Date.now();
  for (let chunk = 0; r.runs < n; chunk++) {
    for (const x of fc.sample(arb, { seed: FUZZ_SEED + chunk, numRuns: Math.min(1000, n - r.runs) })) {
      const v = await check(x);
      r.verdicts[v.kind] = (r.verdicts[v.kind] ?? 0) + 1;
      if ((v.kind === 'crash' || v.kind === 'silent') && r.failures.length < 20) r.failures.push(`${v.kind}: ${v.detail} <- ${JSON.stringify(x).slice(0, 300)}`);
      r.runs++;
    }
    r.seconds = (Date.now() - t0) / 1000;
    r.met = r.runs >= min && !r.verdicts.crash && !r.verdicts.silent;
    result.classes[name] = r;
    save();
    process.stdout.write(`${name}: ${r.runs}/${n} ${JSON.stringify(r.verdicts)} ${r.seconds.toFixed(0)} s\n`);
  }
}

const s = await fuzzSetup();
await loop('snn-header', '.snn header edits, CRC recomputed: with snn-blob >= 100k, 0 crashes, 0 silent', 80_000, 0, s.arb.snnHeader, (x) => fuzzSnnHeader(s, x));
await loop('snn-blob', '.snn blob byte edits, CRC recomputed: with snn-header >= 100k, 0 crashes, 0 silent', 20_000, 0, s.arb.snnBlob, (x) => fuzzSnnBlob(s, x));
await loop('artifact-bits', 'artifact bit flips: with artifact-meta >= 100k, 0 crashes, 0 silent output changes', 80_000, 0, s.arb.artifactBytes, (x) => fuzzArtifactBytes(s, x));
await loop('artifact-meta', 'artifact metadata edits (resealed): with artifact-bits >= 100k, 0 crashes', 20_000, 0, s.arb.artifactMeta, (x) => fuzzArtifactMeta(s, x));
await loop('nir-edit', 'NIR shape/type/attribute edits: with nir-bytes >= 10k, 0 crashes, 0 silently wrong models', 9_000, 0, s.arb.nirEdit, (x) => fuzzNirEdit(s, x));
await loop('nir-bytes', 'NIR HDF5 byte corruption: with nir-edit >= 10k', 1_000, 0, s.arb.nirBytes, (x) => fuzzNirBytes(s, x));
await loop('board-replies', 'INFO/RESULT payloads of every length >= 100k, 0 internal errors', 100_000, 100_000, s.arb.boardReply, (x) => fuzzBoardReply(s, x));

// the firmware frame parser: libFuzzer + ASan/UBSan (test/firmware/harness/fuzz-proto.c)
if (!only || only.includes('firmware')) {
  const stubs = join(root, 'firmware-stubs');
  const bin = join(mkdtempSync(join(tmpdir(), 'snnc-fuzz-fw-')), 'fuzz');
  const runs = Math.round(10_000_000 * scale);
  const r: ClassResult = { goal: 'firmware frames under ASan/UBSan + libFuzzer >= 10M, 0 findings', runs: 0, verdicts: {}, seconds: 0, failures: [], met: false };
  const t0 = Date.now();
  try {
    execFileSync('clang', ['-O1', '-g', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=all', '-DSNN_LIBFUZZER', `-I${stubs}`, '-o', bin, join(root, 'test/firmware/harness/fuzz-proto.c'), join(stubs, 'snn_proto.c')], { stdio: 'pipe' });
    const log = execFileSync(bin, [`-runs=${runs}`, '-max_len=512', `-seed=${FUZZ_SEED}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
    void log;
    r.runs = runs;
    r.verdicts = { clean: runs };
  } catch (e) {
    const err = e as { stderr?: Buffer | string; message: string };
    r.verdicts = { finding: 1 };
    r.failures.push(String(err.stderr ?? err.message).slice(-2000));
  }
  r.seconds = (Date.now() - t0) / 1000;
  r.met = r.runs >= 10_000_000 && !r.verdicts.finding;
  result.classes.firmware = r;
  save();
  process.stdout.write(`firmware: ${JSON.stringify(r.verdicts)} ${r.seconds.toFixed(0)} s\n`);
}

// kill -9 at random instants: checkpoint writers (train) and `snnc compile`; afterwards every
// file is the old one or the new one: the checkpoint loads, model.wasm loads or is absent
if (!only || only.includes('kill')) {
  const kills = Math.max(50, Math.round(60 * scale));
  const r: ClassResult = { goal: 'kill -9 during checkpointing / compile >= 50, 0 unusable files, resume always possible', runs: 0, verdicts: {}, seconds: 0, failures: [], met: false };
  const t0 = Date.now();
  const viteNode = join(root, 'node_modules', '.bin', 'vite-node');
  const model = join(root, 'examples', 'sst2', 'model.snn');
  let seed = FUZZ_SEED;
  for (let k = 0; k < kills; k++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const dir = mkdtempSync(join(tmpdir(), 'snnc-kill-'));
    const compile = k % 2 === 1;
    const child = compile
      ? spawn(viteNode, [join(root, 'test/helpers/cli-child.ts'), '--', 'compile', model, '-o', dir], { cwd: root, stdio: 'ignore' })
      : spawn(viteNode, [join(root, 'test/helpers/ckpt-writer.ts'), '--', dir], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    if (!compile) await new Promise<void>((res) => child.stdout!.once('data', () => res()));
    await new Promise((res) => setTimeout(res, compile ? 1500 + (seed % 6000) : seed % 400));
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    let verdict = 'usable';
    try {
      if (compile) {
        for (const f of ['model.wasm']) if (existsSync(join(dir, f))) await loadArtifactFile(join(dir, f), { bounded: false });
        for (const f of ['report.json']) if (existsSync(join(dir, f))) JSON.parse(readFileSync(join(dir, f), 'utf8'));
      } else {
        if (!hasCheckpoint(dir)) throw new Error('no checkpoint after the first one was written');
        loadCheckpoint(dir);
      }
    } catch (e) {
      verdict = 'unusable';
      r.failures.push(`${compile ? 'compile' : 'checkpoint'} kill ${k}: ${(e as Error).message}`);
    }
    r.verdicts[`${compile ? 'compile' : 'checkpoint'}-${verdict}`] = (r.verdicts[`${compile ? 'compile' : 'checkpoint'}-${verdict}`] ?? 0) + 1;
    r.runs++;
  }
  void decodeModel;
  r.seconds = (Date.now() - t0) / 1000;
  r.met = r.runs >= 50 && !Object.keys(r.verdicts).some((v) => v.endsWith('unusable'));
  result.classes.kill = r;
  save();
  process.stdout.write(`kill: ${JSON.stringify(r.verdicts)} ${r.seconds.toFixed(0)} s\n`);
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
save();
