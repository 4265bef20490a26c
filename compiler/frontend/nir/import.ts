// The NIR frontend's entry points: read a NIR file and lower it to a float snnc model (what
// `snnc import` and the `.nir` path of `snnc compile` read), and the pieces the export uses.
// An importer only imports: measuring what the integer lowering costs is the API layer's
// (compiler/api/import.ts).

import { basename } from 'node:path';
import type { Model } from '../../ir/types.js';
import { readNirFile } from './hdf5.js';
import { lowerNir, type LowerOptions, type LowerReport } from './lower.js';

export { lowerNir, type DecayConvention, type LowerOptions, type LowerReport } from './lower.js';
export { exportNir } from './export.js';
export { readNirFile, writeNirFile } from './hdf5.js';

/** Most vector-steps the import's float-vs-int calibration simulates (64 vectors at T = 4096). */
export const CALIBRATION_STEPS = 1 << 18;

/** Reads and lowers a NIR file (`snnc compile model.nir` goes through here with defaults). */
export async function readNirModel(path: string, o: LowerOptions = {}): Promise<{ model: Model; report: LowerReport }> {
  const file = await readNirFile(path);
  return lowerNir(file, { name: basename(path).replace(/\.(nir|h5|hdf5)$/i, ''), ...o });
}
