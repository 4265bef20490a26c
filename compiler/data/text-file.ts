// Reading `<label> <sentence>` corpus files: per-file encoding detection (strict UTF-8, else
// Latin-1 as WHATWG defines it, i.e. windows-1252) and line splitting on \n / \r\n only,
// so that exactly one example comes out per line that went in.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fail } from '../../core/errors.js';
import type { Example } from './types.js';

export type FileEncoding = 'utf-8' | 'latin1';

// windows-1252 for bytes 0x80-0x9f (the WHATWG meaning of the "latin1" label); the five
// unassigned bytes keep their code point. Spelled out because Node's TextDecoder('latin1')
// has decoded this range as C1 controls in some versions.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Latin-1 as browsers read it (windows-1252): never fails, one character per byte. */
export function decodeLatin1(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const codes = Array.from(bytes.subarray(i, i + CHUNK), (b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : b));
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}

/**
 * Decode a whole file. Strict UTF-8 first; if that fails, Latin-1 read as windows-1252,
 * which maps bytes 0x80-0x9f to the characters such files really meant (0x85 -> U+2026
 * "...") instead of C1 control codes.
 */
export function decodeFileBytes(bytes: Uint8Array): { text: string; encoding: FileEncoding } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, encoding: 'utf-8' };
  } catch {
    return { text: decodeLatin1(bytes), encoding: 'latin1' };
  }
}

/** Split on \n or \r\n only (never on U+0085, U+2028...); a final newline ends the last line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function readTextFile(path: string): { text: string; encoding: FileEncoding } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return fail('SNN_E_DATA', `cannot read ${path}: ${why}`, 'check the path or pass --data-dir');
  }
  return decodeFileBytes(bytes);
}

export interface LabeledFile {
  file: string;
  encoding: FileEncoding;
  /** One per line, in file order; `text` may be '' (some corpora have label-only lines). */
  examples: Example[];
  /** 1-based numbers of lines whose text is empty. */
  emptyLines: number[];
}

/**
 * Parse a `<label> <sentence>` file. `classes` bounds the labels: a label that is not an
 * integer in [0, classes) is SNN_E_DATA naming the file and line.
 */
export function readLabeledFile(path: string, classes: number): LabeledFile {
  const { text, encoding } = readTextFile(path);
  const lines = splitLines(text);
  const examples: Example[] = [];
  const emptyLines: number[] = [];
  const name = basename(path);
  lines.forEach((line, i) => {
    const m = line.match(/^(\S+)(?:[ \t]+(.*))?$/s);
    const label = m ? Number(m[1]) : NaN;
    if (!m || !/^\d+$/.test(m[1]) || label >= classes) {
      fail(
        'SNN_E_DATA',
        `${name}:${i + 1}: bad label ${JSON.stringify(m ? m[1] : line.slice(0, 20))}`,
        `each line must be "<label> <sentence>" with a label in 0..${classes - 1}`,
      );
    }
    const sentence = (m[2] ?? '').trim();
    if (sentence === '') emptyLines.push(i + 1);
    examples.push({ text: sentence, label });
  });
  return { file: path, encoding, examples, emptyLines };
}
