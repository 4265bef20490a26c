// The import rules of docs/architecture.md, checked on the real import graph: every import,
// export-from and dynamic import() of every source file under core/, compiler/, runtime/,
// targets/ and examples/browser/, parsed with the TypeScript compiler. A forbidden import fails this test with the
// file, the import and the rule it breaks; a source file in no known layer fails it too.

import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');

type Layer = 'core' | 'ir' | 'frontend' | 'passes' | 'wasm' | 'c' | 'runtime' | 'targets' | 'data' | 'train' | 'progress' | 'report' | 'io' | 'schema' | 'deploy' | 'api' | 'cli' | 'demo';

/** The layer of a repository-relative source path (first matching prefix), or undefined. */
function layerOf(path: string): Layer | undefined {
  const table: [string, Layer][] = [
    ['core/', 'core'],
    ['compiler/ir/', 'ir'],
    ['compiler/frontend/', 'frontend'],
    ['compiler/passes/', 'passes'],
    ['compiler/backends/wasm/', 'wasm'],
    ['compiler/backends/c/', 'c'],
    ['compiler/data/', 'data'],
    ['compiler/train/', 'train'],
    ['compiler/progress.ts', 'progress'],
    ['compiler/io/', 'io'],
    ['compiler/schema/', 'schema'],
    ['compiler/report/', 'report'],
    ['compiler/deploy/', 'deploy'],
    ['compiler/api/', 'api'],
    ['compiler/api.ts', 'api'],
    ['compiler/cli/', 'cli'],
    ['compiler/cli.ts', 'cli'],
    ['runtime/', 'runtime'],
    ['targets/', 'targets'],
    ['examples/browser/', 'demo'],
  ];
  for (const [prefix, layer] of table) if (path === prefix || path.startsWith(prefix)) return layer;
  return undefined;
}

const BELOW_API: Layer[] = ['core', 'ir', 'frontend', 'passes', 'wasm', 'c', 'runtime', 'targets', 'data', 'train', 'progress', 'report', 'io', 'schema'];

/** Which layers each layer may import (besides itself). */
const MAY_IMPORT: Record<Layer, Layer[]> = {
  core: [],
  ir: ['core'],
  frontend: ['ir', 'core', 'schema', 'io'],
  passes: ['ir', 'core'],
  // target descriptions are data the backends read (budgets, ABI, toolchain)
  wasm: ['ir', 'core', 'targets'],
  c: ['ir', 'core', 'targets', 'io'],
  // the runtime may import the IR's types only (checked below), never compiler code
  runtime: ['core', 'ir'],
  targets: ['core', 'runtime'],
  data: ['ir', 'core', 'runtime'],
  train: ['ir', 'core', 'runtime', 'data', 'progress', 'schema', 'io'],
  progress: [],
  // charts (vega-lite) and report pages: presentation only, fed plain data by the API and bench/
  report: ['core'],
  // atomic file writes (temp file + rename): a leaf every writer uses
  io: ['core'],
  // JSON Schemas (ajv) of the files snnc reads; the wasm host's copy is generated into runtime/
  schema: ['core', 'runtime', 'ir'],
  deploy: [...BELOW_API],
  api: [...BELOW_API, 'deploy'],
  cli: [...BELOW_API, 'deploy', 'api'],
  // the browser demo runs the runtime Node runs, nothing of the compiler
  demo: ['core', 'runtime'],
};

/**
 * Imports across layers that the rules allow on purpose. Keep this list short and say why.
 * - the wasm backend writes the artifact contract the wasm host reads: plain types and
 *   constants (export names, error codes, metadata schema), no runtime code; and seals it with
 *   the host's own digest function (runtime/wasm/digest.ts, WebCrypto, no dependencies).
 * - compiler/schema/nir.ts describes the NIR file types of the frontend (types only).
 */
const EXCEPTIONS: { from: string; to: string }[] = [
  { from: 'compiler/backends/wasm/', to: 'runtime/wasm/artifact-format.ts' },
  // the backend seals the artifact with the very digest function the host verifies it with
  { from: 'compiler/backends/wasm/', to: 'runtime/wasm/digest.ts' },
  // the NIR schema describes the frontend's NIR file types (plain types)
  { from: 'compiler/schema/nir.ts', to: 'compiler/frontend/nir/types.ts' },
];

/** Why importing `to` from `from` is forbidden, or undefined if it is allowed. */
function forbidden(from: string, to: string): string | undefined {
  const a = layerOf(from);
  const b = layerOf(to);
  if (!a || !b) return `${!a ? from : to} is in no layer of docs/architecture.md`;
  if (a === b) return undefined;
  if (EXCEPTIONS.some((e) => from.startsWith(e.from) && to === e.to)) return undefined;
  if (!MAY_IMPORT[a].includes(b)) return `${a} may import ${MAY_IMPORT[a].join(', ') || 'nothing of ours'}, not ${b}`;
  if (a === 'runtime' && b === 'ir' && to !== 'compiler/ir/types.ts') return 'runtime may import the IR types (compiler/ir/types.ts) only';
  return undefined;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier a file names: import/export declarations and import('...') calls. */
function specifiers(file: string, text = readFileSync(file, 'utf8')): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) out.push(n.moduleSpecifier.text);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteralLike(n.arguments[0])) out.push(n.arguments[0].text);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) out.push(n.argument.literal.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Every forbidden import in the tree, as "file: import -> rule". */
function violations(): string[] {
  const out: string[] = [];
  for (const top of ['core', 'compiler', 'runtime', 'targets', 'examples/browser']) {
    for (const file of sources(join(ROOT, top))) {
      const from = relative(ROOT, file);
      if (!layerOf(from)) out.push(`${from}: in no layer of docs/architecture.md`);
      for (const spec of specifiers(file)) {
        // the demo page runs in browsers (its build config, vite.config.ts, runs in Node)
        if (layerOf(from) === 'demo' && !from.endsWith('vite.config.ts') && spec.startsWith('node:')) out.push(`${from}: imports ${spec} (the browser demo may not import Node built-ins)`);
        if (!spec.startsWith('.')) continue; // packages and node: built-ins
        const to = relative(ROOT, resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        const why = forbidden(from, to);
        if (why) out.push(`${from}: imports ${spec} (${why})`);
      }
    }
  }
  return out;
}

describe('architecture: the import rules of docs/architecture.md', () => {
  it('the tree has no forbidden import', () => {
    expect(violations()).toEqual([]);
  });

  it('the rules refuse what the house forbids', () => {
    // the IR leaning on the runtime, a backend reaching into another, passes simulating,
    // an importer compiling, the runtime importing compiler code, the core importing anything
    expect(forbidden('compiler/ir/validate.ts', 'runtime/reference.ts')).toMatch(/ir may import core, not runtime/);
    expect(forbidden('compiler/backends/c/emit.ts', 'compiler/backends/wasm/index.ts')).toBeDefined();
    expect(forbidden('compiler/passes/pipeline.ts', 'runtime/reference.ts')).toBeDefined();
    expect(forbidden('compiler/frontend/nir/import.ts', 'compiler/passes/pipeline.ts')).toBeDefined();
    expect(forbidden('runtime/reference.ts', 'compiler/ir/validate.ts')).toMatch(/IR types/);
    expect(forbidden('runtime/wasm-host.ts', 'compiler/train/index.ts')).toBeDefined();
    expect(forbidden('core/levels.ts', 'compiler/ir/types.ts')).toMatch(/nothing of ours/);
    expect(forbidden('compiler/train/evaluate.ts', 'compiler/backends/wasm/index.ts')).toBeDefined();
    expect(forbidden('compiler/newfolder/x.ts', 'core/errors.ts')).toMatch(/no layer/);
    expect(forbidden('examples/browser/main.ts', 'compiler/api/run.ts')).toMatch(/demo may import core, runtime/);
    // and allow what it allows
    expect(forbidden('runtime/reference.ts', 'compiler/ir/types.ts')).toBeUndefined();
    expect(forbidden('compiler/deploy/rpi.ts', 'compiler/backends/wasm/index.ts')).toBeUndefined();
    expect(forbidden('compiler/backends/wasm/emit.ts', 'runtime/wasm/artifact-format.ts')).toBeUndefined();
    expect(forbidden('examples/browser/main.ts', 'runtime/wasm-host.ts')).toBeUndefined();
  });

  it('reads every kind of import', () => {
    const text = "import a from './a.js';\nimport type { B } from './b.js';\nexport { c } from './c.js';\nconst d = await import('./d.js');\ntype E = import('./e.js').E;\n";
    expect(specifiers('x.ts', text)).toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js']);
  });
});
