// Issue #15, finding 3: compiled artifacts are no longer trusted blindly. A flipped bit anywhere
// is SNN_E_ARTIFACT (the SHA-256 integrity section), edited metadata is refused by the digest, a
// deleted or mistyped metadata field is SNN_E_ARTIFACT naming the field, and a module whose
// `infer` never returns is stopped at its deadline with SNN_E_RUNTIME.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import binaryen from 'binaryen';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { sealArtifact } from '../../compiler/backends/wasm/seal.js';
import { artifactValidatorSource } from '../../compiler/schema/artifact.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { deadlineFor, loadArtifactFile } from '../../runtime/wasm-node.js';
import { ARTIFACT_SECTION } from '../../runtime/wasm/artifact-format.js';
import { DIGEST_SECTION_BYTES } from '../../runtime/wasm/digest.js';
import { isSnncError } from '../../core/errors.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';
import { withSection } from '../helpers/wasm-sections.js';
import { cli, cliChild } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'snnc-trust-art-'));
const model = tinyTextCnn();
const graph = runPipeline(model.graph, { weightBits: 8 }).graph;
const emitted = emitWasm(graph, { name: 'tiny', classes: model.meta.classes, family: 'textcnn', tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: 1000 });
const good = emitted.wasm;

async function outcome(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: 'ok', message: '' };
  } catch (e) {
    return isSnncError(e) ? { code: e.code, message: e.message } : { code: `not an SnncError: ${String(e)}`, message: '' };
  }
}

const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));

describe('artifact integrity (finding 3)', () => {
  it('the generated host validator is up to date with the schema', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', '..', 'runtime', 'wasm', 'artifact-schema.gen.ts'), 'utf8');
    expect(committed === artifactValidatorSource(), 'run `npx vite-node compiler/schema/gen-artifact.ts`').toBe(true);
  });

  it('a flipped bit anywhere in the module is SNN_E_ARTIFACT (120 positions across code, data, metadata, digest)', async () => {
    expect((await outcome(loadArtifact(good))).code).toBe('ok');
    let s = 12345;
    for (let k = 0; k < 120; k++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const b = good.slice();
      const at = 8 + (s % (b.length - 8)); // past the wasm magic and version (those have their own message)
      b[at] ^= 1 << (k % 8);
      const r = await outcome(loadArtifact(b));
      expect(r.code, `bit ${k % 8} of byte ${at}`).toBe('SNN_E_ARTIFACT');
    }
  });

  it('edited metadata (class names reversed) without a new digest is refused', async () => {
    const info = JSON.parse(JSON.stringify(emitted.info));
    info.classes.reverse();
    const r = await outcome(loadArtifact(withSection(good, ARTIFACT_SECTION, enc(info), false)));
    expect(r.code).toBe('SNN_E_ARTIFACT');
    expect(r.message).toMatch(/integrity|corrupt/);
  });

  it('a module without the integrity section (e.g. from an older snnc) is refused, saying so', async () => {
    const r = await outcome(loadArtifact(good.subarray(0, good.length - DIGEST_SECTION_BYTES)));
    expect(r.code).toBe('SNN_E_ARTIFACT');
    expect(r.message).toMatch(/snnc\.sha256/);
  });

  it('every deleted or mistyped metadata field is SNN_E_ARTIFACT naming it (resealed, so the schema is what refuses)', async () => {
    const info = emitted.info as unknown as Record<string, unknown>;
    for (const key of Object.keys(info)) {
      if (key === 'format' || key === 'version' || key === 'generator' || key === 'family' || key === 'extra' || key === 'tokenizer' || key === 'vocab') continue;
      const { [key]: _drop, ...rest } = info;
      const r = await outcome(loadArtifact(withSection(good, ARTIFACT_SECTION, enc(rest))));
      expect(r.code, key).toBe('SNN_E_ARTIFACT');
      expect(r.message, key).toMatch(new RegExp(`field ${key}\\b`));
    }
    const nested: [string, (i: any) => void, RegExp][] = [
      ['energy.annMacsConstant', (i) => delete i.energy.annMacsConstant, /field energy\.annMacsConstant/],
      ['populations[0].threshold', (i) => (i.populations[0].threshold = '7'), /field populations\[0\]\.threshold \(node "lif3"\) must be number/],
      ['synapses[1].tableBytes', (i) => (i.synapses[1].tableBytes = -4), /field synapses\[1\]\.tableBytes/],
      ['input.maxLen', (i) => (i.input.maxLen = 0), /field input\.maxLen/],
      ['classes', (i) => (i.classes = ['a', 'a']), /field classes\[1\] repeats/],
      ['vocab', (i) => (i.vocab[3] = ''), /field vocab\[3\]/],
      ['readout.population', (i) => (i.readout.population = 2), /readout: 2 classes x 2 neurons/],
    ];
    for (const [what, edit, msg] of nested) {
      const i = JSON.parse(JSON.stringify(info));
      edit(i);
      const r = await outcome(loadArtifact(withSection(good, ARTIFACT_SECTION, enc(i))));
      expect(r.code, what).toBe('SNN_E_ARTIFACT');
      expect(r.message, what).toMatch(msg);
    }
  });
});

/** A sealed module with the real metadata whose `infer` loops forever. */
function hangingModule(): Uint8Array {
  const m = new binaryen.Module();
  m.setMemory(1, 1, 'memory');
  const c = (x: number) => m.i32.const(x);
  m.addFunction('infer', binaryen.createType([binaryen.i32]), binaryen.i32, [], m.block(null, [m.loop('spin', m.br('spin')), c(0)], binaryen.i32));
  for (const [name, v] of [['input_ptr', 1024], ['scores_ptr', 256], ['counters_ptr', 32], ['error_ptr', 16], ['max_len', emitted.info.input.kind === 'tokens' ? emitted.info.input.maxLen : 1]] as const) {
    m.addFunction(name, binaryen.none, binaryen.i32, [], c(v));
    m.addFunctionExport(name, name);
  }
  m.addFunctionExport('infer', 'infer');
  m.addCustomSection(ARTIFACT_SECTION, enc(emitted.info));
  if (!m.validate()) throw new Error('bad test module');
  const bytes = m.emitBinary();
  m.dispose();
  return sealArtifact(bytes);
}

describe('bounded inference (finding 3)', () => {
  it('the deadline grows with T and the sizes, within 2 s .. 120 s', () => {
    const d = deadlineFor(emitted.info);
    expect(d).toBeGreaterThanOrEqual(2000);
    const big = { ...emitted.info, timesteps: emitted.info.timesteps * 10_000, energy: { ...emitted.info.energy, timesteps: emitted.info.timesteps * 10_000 } };
    expect(deadlineFor(big)).toBeGreaterThan(d);
    expect(deadlineFor({ ...big, timesteps: 1e6 })).toBeLessThanOrEqual(120_000);
  });

  it('a file-loaded artifact runs in a worker and gives the in-thread results bit for bit', async () => {
    const f = join(dir, 'good.wasm');
    writeFileSync(f, good);
    const bounded = await loadArtifactFile(f);
    const direct = await loadArtifact(good);
    for (const tokens of [[2, 3, 4], [5, 6, 7, 8, 9, 10, 11], [39]]) expect(bounded.infer({ tokens })).toEqual(direct.infer({ tokens }));
    expect((await outcome(Promise.resolve().then(() => bounded.infer({ tokens: [1000] })))).code).toBe('SNN_E_INPUT');
  });

  it('`snnc run` in its own process waits for the worker and prints the result (no silent exit)', async () => {
    const f = join(dir, 'child.wasm');
    writeFileSync(f, good);
    const r = await cliChild(['run', f, 'w2 w3 w4', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).class).toMatch(/^c[01]$/);
  });

  it('a module whose infer never returns makes `snnc run` fail with SNN_E_RUNTIME at the deadline, not hang', async () => {
    const f = join(dir, 'hang.wasm');
    writeFileSync(f, hangingModule());
    const t0 = Date.now();
    const r = await cli(['run', f, 'w2 w3']);
    const ms = Date.now() - t0;
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/SNN_E_RUNTIME.*did not finish an inference within \d+ ms/);
    expect(ms).toBeLessThan(deadlineFor(emitted.info) + 10_000);
  });
});
