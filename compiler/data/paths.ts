// Where data and caches live: the package root (found from this file, so it works from the
// sources and from dist/), the corpora committed under examples/data, the shared data
// directory beside the package (optional), and the cache directory.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** Directory of snnc's package.json, walking up from this module. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        const name = (JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name;
        if (name === 'snnc') return (cachedRoot = dir);
      } catch {
        // an unreadable package.json is not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) return (cachedRoot = process.cwd());
    dir = up;
  }
}

export const SHARED_DATA_SUBDIR = join('..', 'shared', 'data', 'sentence-classification');

/** The corpora committed with the package (examples/data/sentence-classification). */
export function bundledCorpusDir(): string {
  return join(packageRoot(), 'examples', 'data', 'sentence-classification');
}

/**
 * Candidate data roots in lookup order: only the explicit dir when one is given; else the
 * committed copies (examples/data/sentence-classification, examples/data/sst2), then
 * ../shared/data/sentence-classification beside the package or the current directory.
 */
export function dataRootCandidates(explicit?: string): string[] {
  if (explicit !== undefined) return [resolve(explicit)];
  return [...new Set([bundledCorpusDir(), bundledSst2Dir(), resolve(packageRoot(), SHARED_DATA_SUBDIR), resolve(process.cwd(), SHARED_DATA_SUBDIR)])];
}

/** The committed SST-2 copy, so that a fresh machine can train without ../shared. */
export function bundledSst2Dir(): string {
  return join(packageRoot(), 'examples', 'data', 'sst2');
}

export function defaultCacheDir(): string {
  return join(packageRoot(), '.snnc-cache');
}
