// The Raspberry Pi bundle of `snnc deploy --target rpi`: model.wasm from the wasm backend, a
// minimal Node runner without training dependencies (run.mjs + lib/), and optionally the C
// backend's firmware cross-built for aarch64. It needs both backends, so it lives here, above
// them.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeAtomic } from '../io/atomic.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Graph, Model } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { loadTarget, repoRoot, type TargetDescription } from '../../targets/index.js';
import { emitWasm } from '../backends/wasm/index.js';
import { emitC } from '../backends/c/index.js';
import { buildFirmware, haveToolchain } from '../backends/c/build.js';
import type { DeployOptions, DeployOutcome } from './index.js';

/**
 * Modules of the minimal runner (what model.wasm needs at run time), relative to the repository
 * root; the bundle's lib/ mirrors these paths so their relative imports resolve unchanged.
 */
export const RUNNER_MODULES = ['core/errors', 'runtime/tokenizer', 'runtime/wasm-host', 'runtime/wasm/artifact-format', 'runtime/wasm/artifact-schema.gen', 'runtime/wasm/digest', 'runtime/schema-errors'];

/** The runner's JS: from dist/ when snnc runs built, else transpiled from the TS sources. */
async function runnerModule(name: string): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, '..', '..', `${name}.js`);
  if (import.meta.url.endsWith('.js') && existsSync(built)) return readFileSync(built, 'utf8');
  const src = join(repoRoot(), `${name}.ts`);
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
import { loadArtifact } from './lib/runtime/wasm-host.js';
import { Vocab, textToIds } from './lib/runtime/tokenizer.js';

const model = await loadArtifact(readFileSync(new URL('./model.wasm', import.meta.url)));
const info = model.meta;
const vocab = info.vocab ? new Vocab(info.vocab, info.tokenizer?.kind) : undefined;
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

export async function rpiBundle(model: Model, graph: Graph, target: TargetDescription, outDir: string, o: DeployOptions): Promise<DeployOutcome> {
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
