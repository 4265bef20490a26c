// Synapse table layouts (docs/semantics.md "Synaptic input"): what one presynaptic row and a
// whole table occupy in bytes. A dense row holds one weight per target; a sparse row holds
// (uint16 target, weight) pairs. `bytesRead` counts these row sizes on every target.

/** The fields of a synapse table that its byte sizes depend on (the IR's SynapseTable fits). */
export type TableShape =
  | { layout: 'dense'; rows: number; rowLength: number; weightBits: number; weights: { length: number } }
  | { layout: 'sparse'; rows: number; rowLength: number; weightBits: number; weights: { length: number }; rowStart: Uint32Array };

/** Bytes of one sparse entry: a uint16 target index and the weight. */
export function sparseEntryBytes(weightBits: number): number {
  return 2 + weightBits / 8;
}

/** Bytes one presynaptic row of a table occupies (what reading it costs). */
export function rowBytes(table: TableShape, row: number): number {
  const wb = table.weightBits / 8;
  if (table.layout === 'dense') return table.rowLength * wb;
  return (table.rowStart[row + 1] - table.rowStart[row]) * sparseEntryBytes(table.weightBits);
}

/** Bytes of a whole table: dense rows, or sparse entries plus the uint32 row starts. */
export function tableBytes(t: TableShape): number {
  const wb = t.weightBits / 8;
  if (t.layout === 'dense') return t.rows * t.rowLength * wb;
  return t.weights.length * sparseEntryBytes(t.weightBits) + (t.rows + 1) * 4;
}
