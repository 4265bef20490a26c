// Issue #15, findings 4 and 8: `.snn` files whose CRC is valid but whose header lies. Each must
// be refused on load with a stable code naming the field, by every command (compile, inspect),
// never crash the CLI or compile to a model that fails only at run time.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';
import { craft } from '../helpers/snn-craft.js';
import { cli } from '../helpers/cli.js';
import { isSnncError } from '../../core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'snnc-trust-snn-'));
const model = tinyTextCnn();
const bytes = encodeModel(model);
const lifAt = (h: any) => h.model.graph.nodes.findIndex((n: any) => n.kind === 'lif');

function error(b: Uint8Array): { code: string; message: string } {
  try {
    decodeModel(b);
  } catch (e) {
    if (isSnncError(e)) return { code: e.code, message: e.message };
    return { code: `not an SnncError: ${String(e)}`, message: '' };
  }
  return { code: 'accepted', message: '' };
}

/** Runs `snnc <cmd> file` on crafted bytes: a clean SNN_E exit, never an internal error. */
async function cliError(b: Uint8Array, cmd: string[]): Promise<string> {
  const f = join(dir, `m${Math.random().toString(36).slice(2)}.snn`);
  writeFileSync(f, b);
  const r = await cli([...cmd.slice(0, 1), f, ...cmd.slice(1)]);
  expect(r.err).not.toMatch(/internal error/);
  expect(r.code).toBe(1);
  return r.err;
}

describe('.snn header schema (issue #15 finding 4)', () => {
  it('a bogus plan object is SNN_E_GRAPH naming graph.plan, in inspect and compile', async () => {
    const b = craft(bytes, (h) => (h.model.graph.plan = { items: 5 }));
    const e = error(b);
    expect(e.code).toBe('SNN_E_GRAPH');
    expect(e.message).toMatch(/model\.graph\.plan/);
    expect(await cliError(b, ['inspect'])).toMatch(/SNN_E_GRAPH.*graph\.plan/);
    expect(await cliError(b, ['compile', '-o', join(dir, 'out-plan')])).toMatch(/SNN_E_GRAPH/);
  });

  it('beta: true is SNN_E_GRAPH naming the node and the field', async () => {
    const b = craft(bytes, (h) => (h.model.graph.nodes[lifAt(h)].beta = true));
    const e = error(b);
    expect(e.code).toBe('SNN_E_GRAPH');
    expect(e.message).toMatch(/nodes\[\d+\]\.beta \(node "lif3"\) must be number \(it holds true\)/);
    expect(await cliError(b, ['inspect'])).toMatch(/beta/);
    expect(await cliError(b, ['compile', '-o', join(dir, 'out-beta')])).toMatch(/beta/);
  });

  it('duplicate, empty and non-string vocabulary entries are refused on load', async () => {
    for (const edit of [(v: any[]) => (v[5] = v[4]), (v: any[]) => (v[5] = ''), (v: any[]) => (v[5] = 17), (v: any[]) => (v[5] = null)]) {
      const b = craft(bytes, (h) => edit(h.model.vocab));
      const e = error(b);
      expect(e.code).toBe('SNN_E_GRAPH');
      expect(e.message).toMatch(/model\.vocab\[/);
      expect(await cliError(b, ['compile', '-o', join(dir, 'out-vocab')])).toMatch(/SNN_E_GRAPH.*vocab/);
    }
  });

  it('non-string, empty or duplicate class names are refused on load', async () => {
    for (const classes of [[1, 2], ['a', ''], ['a', 'a'], ['a', { x: 1 }]]) {
      const b = craft(bytes, (h) => (h.model.meta.classes = classes));
      const e = error(b);
      expect(e.code).toBe('SNN_E_HEADER');
      expect(e.message).toMatch(/model\.meta\.classes/);
      expect(await cliError(b, ['compile', '-o', join(dir, 'out-classes')])).toMatch(/SNN_E_HEADER.*classes/);
    }
  });

  it('every field keeps its type: strings, integers, booleans and enums', () => {
    const cases: [(h: any) => void, string, RegExp][] = [
      [(h) => (h.model.graph.timesteps = '8'), 'SNN_E_GRAPH', /graph\.timesteps/],
      [(h) => (h.model.graph.nodes[0].maxLen = 1.5), 'SNN_E_GRAPH', /maxLen/],
      [(h) => (h.model.graph.nodes[lifAt(h)].perPosition = 'yes'), 'SNN_E_GRAPH', /perPosition/],
      [(h) => (h.model.graph.nodes[lifAt(h)].kind = 'lstm'), 'SNN_E_GRAPH', /unknown kind "lstm"/],
      [(h) => delete h.model.graph.nodes[lifAt(h)].reset, 'SNN_E_GRAPH', /required field "reset"/],
      [(h) => (h.model.meta.name = 42), 'SNN_E_HEADER', /meta\.name/],
      [(h) => (h.model.meta.family = 'lstm'), 'SNN_E_HEADER', /meta\.family/],
    ];
    for (const [edit, code, msg] of cases) {
      const e = error(craft(bytes, edit));
      expect(e.code).toBe(code);
      expect(e.message).toMatch(msg);
    }
  });
});

describe('.snn smaller findings (issue #15 finding 8)', () => {
  it('tokenizer.lowercase: false is refused (snnc-word-v1 always lowercases)', () => {
    const e = error(craft(bytes, (h) => (h.model.tokenizer.lowercase = false)));
    expect(e.code).toBe('SNN_E_GRAPH');
    expect(e.message).toMatch(/tokenizer\.lowercase.*must be true/);
  });

  it('misaligned tensor offsets are refused: tensors start 8-byte aligned', () => {
    const e = error(craft(bytes, (h) => (h.model.graph.nodes[1].table.data.$tensor.offset += 4)));
    expect(e.code).toBe('SNN_E_HEADER');
    expect(e.message).toMatch(/\$tensor\.offset.*multiple of 8/);
  });

  it('overlapping tensors are refused (two tensors declared over the same bytes)', () => {
    const e = error(
      craft(bytes, (h) => {
        const conv = h.model.graph.nodes.filter((n: any) => n.kind === 'conv1d');
        conv[1].weight.data.$tensor.offset = conv[0].weight.data.$tensor.offset + 8;
      }),
    );
    expect(e.code).toBe('SNN_E_SIZE');
    expect(e.message).toMatch(/overlaps the tensor at/);
  });

  it('an integer model whose sparse table points outside its row is refused, not run', () => {
    const int = runPipeline(model.graph, { weightBits: 8, prune: 0.6, layout: 'sparse' }).graph;
    const b = encodeModel({ ...model, graph: int });
    expect(decodeModel(b).graph.stage).toBe('integer');
    // a target index past the row length, and a row start past the entries (CRC recomputed)
    const dense = (h: any) => h.model.graph.nodes.find((n: any) => n.kind === 'dense' && n.table?.layout === 'sparse');
    const e1 = error(craft(b, (h) => (dense(h).table.rowLength = 1)));
    expect(e1.code).toBe('SNN_E_GRAPH');
    const e2 = error(craft(b, (h) => (dense(h).table.rows += 1)));
    expect(e2.code).toBe('SNN_E_GRAPH');
  });
});
