// Atomic file writes for everything snnc writes (models, artifacts, reports, IR text, NIR
// exports, checkpoints, deploy folders, benchmark results): the bytes go to a temporary file in
// the same folder, are fsynced, and the file is renamed over the target, then the folder is
// fsynced. A kill or a crash at any instant leaves the old file or the new one, never a part.
//
// Hand-written rather than npm `write-file-atomic`: that package takes the data, but h5wasm
// writes NIR files through its own file API (a path), so the same temp + fsync + rename is
// needed around a writer callback (`writeAtomicWith`); it also does not fsync the folder.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter++}`);
}

function fsyncPath(path: string, flags: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, flags);
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on folders; the rename is still atomic there
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `data` to `path` atomically (temp file in the same folder, fsync, rename, fsync the folder). */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPath(path);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  commit(tmp, path);
}

/** The same around a writer that creates the file itself from a path (e.g. h5wasm). */
export async function writeAtomicWith(path: string, write: (tmp: string) => void | Promise<void>): Promise<void> {
  const tmp = tempPath(path);
  try {
    await write(tmp);
    fsyncPath(tmp, 'r+');
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  commit(tmp, path);
}

function commit(tmp: string, path: string): void {
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncPath(dirname(path), 'r');
}
