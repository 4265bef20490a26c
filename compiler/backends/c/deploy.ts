// `snnc deploy`: turns a model into something a device runs. C targets (arduino-uno,
// cortex-m3, host-c): model.h/model.c, the firmware sources, budget.json and, when the
// toolchain is installed, the built image. rpi: a self-contained bundle (model.wasm, a minimal
// Node runner without training dependencies, optionally a native aarch64 firmware build).

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Graph, Model } from '../../ir/types.js';
import { fail } from '../../../runtime/errors.js';
import { readModelFile } from '../../frontend/model-format.js';
import { runPipeline } from '../../passes/pipeline.js';
import { loadTarget, repoRoot, type TargetDescription } from '../../../targets/index.js';
import { emitC, type CBudget } from './index.js';
import type { CMode } from './plan.js';
import { FIRMWARE_SOURCES, buildFirmware, haveToolchain } from './build.js';
import { writeAtomic } from '../../io/atomic.js';

export interface DeployOptions {
  target: string;
  out: string;
  mode?: CMode;
  weightBits?: 8 | 16;
  stateBits?: 16 | 32;
  prune?: number;
  layout?: 'auto' | 'dense' | 'sparse';
  /** rpi: also cross-build the C firmware for aarch64 ('auto': when the cross compiler exists). */
  native?: boolean | 'auto';
  /** C targets: build the image when the toolchain exists (default true). */
  build?: boolean;
}

export interface DeployOutcome {
  text: string;
  outDir: string;
  files: string[];
  budget?: CBudget;
}

/** Files of the minimal runner, relative to runtime/ (what model.wasm needs at run time). */
export const RUNNER_MODULES = ['errors', 'tokenizer', 'wasm-host', 'wasm/artifact-format', 'wasm/artifact-schema.gen', 'wasm/digest', 'schema-errors'];

function lowered(model: Model, o: DeployOptions): Graph {
  if (model.graph.stage === 'integer' && model.graph.plan) return model.graph;
  return runPipeline(model.graph, { weightBits: o.weightBits ?? 8, stateBits: o.stateBits, prune: o.prune ?? 0, layout: o.layout ?? 'auto' }).graph;
}

export async function deploy(modelPath: string, o: DeployOptions): Promise<DeployOutcome> {
  return deployModel(readModelFile(modelPath), o);
}

export async function deployModel(model: Model, o: DeployOptions): Promise<DeployOutcome> {
  const target = loadTarget(o.target);
  const outDir = resolve(o.out);
  mkdirSync(outDir, { recursive: true });
  const graph = lowered(model, o);
  if (target.name === 'rpi') return rpiBundle(model, graph, target, outDir, o);
  if (target.backend !== 'c') fail('SNN_E_USAGE', `deploy targets a device; for ${target.name} use snnc compile`);
  const emitted = emitC(graph, target, { mode: o.mode, name: model.meta.name });
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    writeAtomic(join(outDir, name), data);
    files.push(name);
  };
  put('model.h', emitted.files['model.h']);
  put('model.c', emitted.files['model.c']);
  const stubs = join(repoRoot(), 'firmware-stubs');
  mkdirSync(join(outDir, 'firmware'), { recursive: true });
  for (const f of [...FIRMWARE_SOURCES, 'snn_kernel.h', 'snn_proto.h', 'snn_platform.h']) {
    writeAtomic(join(outDir, 'firmware', f), readFileSync(join(stubs, f)));
    files.push(`firmware/${f}`);
  }
  put('budget.json', JSON.stringify({ ...emitted.budget, modelHash: emitted.hash }, null, 2) + '\n');
  const lines = [
    `deployed ${model.meta.name} for ${target.name} (${emitted.budget.mode} mode) -> ${outDir}`,
    `  flash ${emitted.budget.flashBytes} B of ${target.flashBytes ?? 'unlimited'} (model ${emitted.budget.modelFlashBytes}, code <= ${emitted.budget.codeBytes})`,
    `  RAM ${emitted.budget.ramBytes} B of ${target.ramBytes ?? 'unlimited'} (state ${emitted.budget.stateBytes}, receive buffer ${emitted.budget.rxBytes}, firmware + stack ${emitted.budget.firmwareRamBytes})`,
  ];
  if (o.build !== false && haveToolchain(target)) {
    const fw = buildFirmware(emitted, target, outDir);
    files.push(fw.elf.slice(outDir.length + 1));
    if (fw.hex) files.push(fw.hex.slice(outDir.length + 1));
    lines.push(`  built ${fw.elf} (text ${fw.text}, data ${fw.data}, bss ${fw.bss})`);
  } else if (o.build === false) lines.push(`  not built: --no-build (sources only)`);
  else lines.push(`  not built: ${target.toolchain?.cc} is not installed (${target.build})`);
  return { text: lines.join('\n'), outDir, files, budget: emitted.budget };
}

/** The runner's JS: from dist/ when snnc runs built, else transpiled from the TS sources. */
async function runnerModule(name: string): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, '..', '..', '..', 'runtime', `${name}.js`);
  if (import.meta.url.endsWith('.js') && existsSync(built)) return readFileSync(built, 'utf8');
  const src = join(repoRoot(), 'runtime', `${name}.ts`);
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    fail('SNN_E_BACKEND', 'cannot build the runner: run snnc from dist/ or install typescript');
  }
  return ts.transpileModule(readFileSync(src, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  }).outputText;
}

export const RUNNER = `#!/usr/bin/env node
// snnc runner for a Raspberry Pi (or any Node >= 20): classifies text with model.wasm.
// No training dependencies: only the files in lib/. Usage:
//   node run.mjs "some text"        label and spike counts as JSON
//   node run.mjs --lines < file     one JSON result per input line
//   node run.mjs --ids < file       one JSON result per line of token ids (a JSON array)
import { readFileSync } from 'node:fs';
import { loadArtifact } from './lib/wasm-host.js';
import { Vocab, textToIds } from './lib/tokenizer.js';

const model = await loadArtifact(readFileSync(new URL('./model.wasm', import.meta.url)));
const info = model.meta;
const vocab = info.vocab ? new Vocab(info.vocab) : undefined;
const maxLen = info.input.kind === 'tokens' ? info.input.maxLen : 1;
const one = (tokens, text) => {
  const r = model.infer({ tokens });
  return { class: info.classes[r.label], ...(text === undefined ? {} : { text }), ...r };
};
const args = process.argv.slice(2);
try {
  if (args[0] === '--lines' || args[0] === '--ids') {
    const lines = readFileSync(0, 'utf8').split('\\n').filter((l) => l.trim());
    for (const l of lines) {
      const ids = args[0] === '--ids' ? JSON.parse(l) : textToIds(l, vocab, maxLen);
      process.stdout.write(JSON.stringify(one(ids, args[0] === '--lines' ? l : undefined)) + '\\n');
    }
  } else {
    const text = args.join(' ');
    process.stdout.write(JSON.stringify(one(textToIds(text, vocab, maxLen), text)) + '\\n');
  }
} catch (e) {
  process.stderr.write((e && e.message ? e.message : String(e)) + '\\n');
  process.exit(1);
}
`;

/**
 * The native aarch64 firmware of the rpi bundle: the C backend with the host ABI (64-bit Linux
 * has no flash or RAM budget), tokens mode, cross-built static with aarch64-linux-gnu-gcc; it
 * speaks the serial protocol on stdio (run it under qemu-aarch64 off a Pi).
 */
export function buildRpiNative(graph: Graph, name: string, dir: string): { emitted: ReturnType<typeof emitC>; fw: ReturnType<typeof buildFirmware> } {
  const host = loadTarget('host-c');
  const cross = loadTarget('rpi');
  const emitted = emitC(graph, { ...host, name: 'rpi' }, { mode: 'tokens', name });
  const fw = buildFirmware(emitted, { ...cross, backend: 'c', arch: 'aarch64' }, dir);
  return { emitted, fw };
}

async function rpiBundle(model: Model, graph: Graph, target: TargetDescription, outDir: string, o: DeployOptions): Promise<DeployOutcome> {
  const { emitWasm } = await import('../wasm/index.js');
  let f32 = 0;
  for (const n of model.graph.nodes) {
    if ((n.kind === 'conv1d' || n.kind === 'dense') && n.weight.dtype === 'f32') f32 += n.weight.data.length * 4;
    if (n.kind === 'embedding' && n.table) f32 += n.table.data.length * 4;
  }
  const emitted = emitWasm(graph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: f32 });
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    mkdirSync(dirname(join(outDir, name)), { recursive: true });
    writeAtomic(join(outDir, name), data);
    files.push(name);
  };
  put('model.wasm', emitted.wasm);
  for (const m of RUNNER_MODULES) put(`lib/${m}.js`, await runnerModule(m));
  put('run.mjs', RUNNER);
  put('package.json', JSON.stringify({ name: `${model.meta.name}-snnc-bundle`, private: true, type: 'module', engines: { node: '>=20' } }, null, 2) + '\n');
  const lines = [`bundled ${model.meta.name} for ${target.name} -> ${outDir} (model.wasm ${emitted.wasm.length} B)`];
  const cross = loadTarget('rpi');
  const wantNative = o.native ?? 'auto';
  let native = false;
  if (wantNative !== false && haveToolchain(cross)) {
    const fw = buildRpiNative(graph, model.meta.name, join(outDir, 'native')).fw;
    files.push('native/model.h', 'native/model.c', 'native/snn-firmware');
    native = true;
    lines.push(`  native aarch64 firmware: native/snn-firmware (${fw.text} B text; serial protocol on stdio)`);
  } else if (wantNative === true) fail('SNN_E_BACKEND', 'aarch64-linux-gnu-gcc is not installed', 'apt-get install gcc-aarch64-linux-gnu');
  put(
    'README.md',
    [
      `# ${model.meta.name}: snnc bundle for Raspberry Pi`,
      '',
      'Self-contained: Node >= 20 (aarch64) is the only requirement; nothing to install.',
      '',
      '    node run.mjs "a gripping , beautifully acted film"',
      '    node run.mjs --lines < sentences.txt',
      '',
      `\`model.wasm\` is the integer SNN (classes: ${model.meta.classes.join(', ')}); \`lib/\` holds the snnc`,
      'tokenizer and wasm host. Results are bit-exact with `snnc run` on any machine, op counters included.',
      ...(native
        ? ['', '`native/snn-firmware` is the C firmware built for aarch64 Linux: it speaks the snnc serial', 'protocol (docs/formats.md) on stdin/stdout, e.g. for `SerialBoard` from snnc/runtime/serial.']
        : []),
      '',
    ].join('\n'),
  );
  return { text: lines.join('\n'), outDir, files };
}


/** The `snnc deploy <model>` command: CLI options (commander-parsed) -> deploy(). */
export async function runDeploy(args: string[], o: Record<string, unknown>): Promise<DeployOutcome> {
  if (args.length !== 1) fail('SNN_E_USAGE', 'deploy takes one model file', 'snnc deploy model.snn --target arduino-uno -o out/');
  const target = String(o.target ?? 'arduino-uno');
  const num = (x: unknown): number | undefined => (x === undefined ? undefined : Number(x));
  const weightBits = num(o.weightBits);
  const stateBits = num(o.stateBits);
  if (weightBits !== undefined && weightBits !== 8 && weightBits !== 16) fail('SNN_E_USAGE', '--weight-bits must be 8 or 16');
  if (stateBits !== undefined && stateBits !== 16 && stateBits !== 32) fail('SNN_E_USAGE', '--state-bits must be 16 or 32');
  const mode = o.mode === undefined ? undefined : String(o.mode);
  if (mode !== undefined && mode !== 'tokens' && mode !== 'spikes') fail('SNN_E_USAGE', '--mode must be tokens or spikes');
  return deploy(args[0], {
    target,
    out: String(o.out ?? 'deploy'),
    mode: mode as CMode | undefined,
    weightBits: weightBits as 8 | 16 | undefined,
    stateBits: stateBits as 16 | 32 | undefined,
    prune: num(o.prune),
    layout: o.layout as DeployOptions['layout'],
    native: o.native === false ? false : 'auto',
    build: o.build !== false,
  });
}
