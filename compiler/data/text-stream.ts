// Streaming text input for user data files and `snnc predict`: checks that a path is a
// readable, non-empty file, decides its encoding (strict UTF-8, else Latin-1 read as
// windows-1252, as text-file.ts does for whole files), and yields decoded chunks and lines
// without ever holding the whole file in memory.

import { createReadStream, statSync } from 'node:fs';
import { fail, SnncError } from '../../core/errors.js';
import { decodeLatin1, type FileEncoding } from './text-file.js';

export type ErrorCode = 'SNN_E_DATA' | 'SNN_E_INPUT' | 'SNN_E_EMBEDDINGS';

export interface TextSource {
  /** The path as given, or "standard input". */
  name: string;
  encoding: FileEncoding;
  /** Decoded text in pieces (a UTF-8 BOM removed); iterate once. */
  chunks: AsyncIterable<string>;
}

const CHUNK = 1 << 16;

/** A readable, non-empty regular file, else `code` naming the path and what is wrong. */
export function checkFile(path: string, code: ErrorCode = 'SNN_E_DATA'): number {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) return fail(code, `${path} is a directory, not a file`, 'pass the path of a .csv, .tsv, .jsonl or text file');
    size = st.size;
  } catch (e) {
    if (e instanceof SnncError) throw e;
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as NodeJS.ErrnoException).code ?? String(e);
    return fail(code, `cannot read ${path}: ${why}`, 'check the path');
  }
  if (size === 0) fail(code, `${path} is empty (0 bytes)`, 'the file needs one example a line (or a CSV/TSV header and rows)');
  return size;
}

function readError(name: string, e: unknown, code: ErrorCode): never {
  if (e instanceof SnncError) throw e;
  const err = e as NodeJS.ErrnoException;
  return fail(code, `cannot read ${name}: ${err.code === 'EISDIR' ? 'it is a directory' : err.code ?? err.message}`);
}

/** Strict UTF-8 over the whole file, streamed; the byte offset of the first bad sequence or -1. */
async function firstBadUtf8(path: string, code: ErrorCode): Promise<number> {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  try {
    for await (const b of createReadStream(path, { highWaterMark: CHUNK })) {
      try {
        dec.decode(b as Buffer, { stream: true });
      } catch {
        return offset;
      }
      offset += (b as Buffer).length;
    }
    dec.decode();
  } catch (e) {
    if (e instanceof TypeError) return offset; // a sequence cut off at the end of the file
    readError(path, e, code);
  }
  return -1;
}

async function* decodeFile(path: string, encoding: FileEncoding, code: ErrorCode): AsyncGenerator<string> {
  const dec = encoding === 'utf-8' ? new TextDecoder('utf-8') : null;
  try {
    for await (const b of createReadStream(path, { highWaterMark: CHUNK })) {
      const s = dec ? dec.decode(b as Buffer, { stream: true }) : decodeLatin1(b as Buffer);
      if (s !== '') yield s;
    }
  } catch (e) {
    readError(path, e, code);
  }
  if (dec) {
    const tail = dec.decode();
    if (tail !== '') yield tail;
  }
}

async function* decodeStdin(code: ErrorCode): AsyncGenerator<string> {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  for await (const b of process.stdin) {
    let s: string;
    try {
      s = dec.decode(b as Buffer, { stream: true });
    } catch {
      return fail(code, `standard input is not valid UTF-8 (in the ${(b as Buffer).length} bytes after byte offset ${offset})`, 'convert it first, e.g. iconv -f latin1 -t utf-8, or pass a file: files may be Latin-1');
    }
    offset += (b as Buffer).length;
    if (s !== '') yield s;
  }
  try {
    const tail = dec.decode();
    if (tail !== '') yield tail;
  } catch {
    fail(code, 'standard input ends inside a UTF-8 sequence');
  }
}

/**
 * Opens a file (or "-" for standard input) as decoded text. A file is first streamed once to
 * decide its encoding (strict UTF-8, else Latin-1 as windows-1252), so that a bad byte deep in
 * the file cannot stop a job half-way; standard input must be UTF-8.
 */
export async function openText(path: string, code: ErrorCode = 'SNN_E_DATA'): Promise<TextSource> {
  if (path === '-') return { name: 'standard input', encoding: 'utf-8', chunks: decodeStdin(code) };
  checkFile(path, code);
  const encoding: FileEncoding = (await firstBadUtf8(path, code)) < 0 ? 'utf-8' : 'latin1';
  return { name: path, encoding, chunks: decodeFile(path, encoding, code) };
}

export interface Line {
  text: string;
  /** 1-based line number. */
  line: number;
}

/**
 * Lines of a chunk stream. The first line break decides the file's convention: `\n` (a `\r`
 * before it is dropped, so CRLF works) or a lone `\r` (old Mac files, where splitting on `\n`
 * would merge the whole file into one line). Never splits on U+0085 or U+2028. A final line
 * break ends the last line; it does not start an empty one.
 */
export async function* linesOf(chunks: AsyncIterable<string>): AsyncGenerator<Line> {
  let buf = '';
  let sep: '\n' | '\r' | undefined;
  let line = 0;
  const decide = (final: boolean): void => {
    if (sep !== undefined) return;
    const i = buf.search(/[\r\n]/);
    if (i < 0) return;
    if (buf[i] === '\n') sep = '\n';
    else if (i + 1 < buf.length) sep = buf[i + 1] === '\n' ? '\n' : '\r';
    else if (final) sep = '\r';
  };
  for await (const c of chunks) {
    buf += c;
    decide(false);
    if (sep === undefined) continue;
    let start = 0;
    let j: number;
    while ((j = buf.indexOf(sep, start)) >= 0) {
      let t = buf.slice(start, j);
      if (sep === '\n' && t.endsWith('\r')) t = t.slice(0, -1);
      yield { text: t, line: ++line };
      start = j + 1;
    }
    buf = buf.slice(start);
  }
  decide(true);
  if (sep !== undefined) {
    const parts = buf.split(sep);
    const last = parts.pop() as string;
    for (let t of parts) {
      if (sep === '\n' && t.endsWith('\r')) t = t.slice(0, -1);
      yield { text: t, line: ++line };
    }
    if (last !== '') yield { text: last, line: ++line };
  } else if (buf !== '') yield { text: buf, line: ++line };
}
