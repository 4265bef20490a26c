// The wasm host, tokenizer, energy model and reference simulator run in browsers: nothing they import, directly or
// transitively, may be a Node built-in. This walks the real import graph of the sources.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    if (!/^\s*import\s+type\s/.test(m[0]) && !/^\s*export\s+type\s/.test(m[0])) out.push(m[1]);
  }
  for (const m of src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

function closure(entry: string): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const todo = [resolve(entry)];
  while (todo.length) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const spec of imports(f)) {
      if (spec.startsWith('.')) todo.push(resolve(dirname(f), spec.replace(/\.js$/, '.ts')));
      else external.add(spec);
    }
  }
  return { files, external };
}

describe('browser safety', () => {
  const root = join(import.meta.dirname, '..', '..');
  for (const entry of ['runtime/wasm-host.ts', 'runtime/tokenizer.ts', 'runtime/energy.ts', 'runtime/reference.ts', 'runtime/classify.ts']) {
    it(`${entry} imports no Node built-in and no package`, () => {
      const { files, external } = closure(join(root, entry));
      expect(files.size).toBeGreaterThan(0);
      expect([...external]).toEqual([]);
      // what they import of ours: the runtime itself, the semantics core, the IR's types
      for (const f of files) expect(f.startsWith(join(root, 'runtime')) || f.startsWith(join(root, 'core')) || f.endsWith('compiler/ir/types.ts'), f).toBe(true);
    });
  }
});
