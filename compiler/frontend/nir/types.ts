// The in-memory shape of a NIR graph as snnc reads and writes it (docs/nir.md): nodes with
// their parameter arrays, nested graphs and edges. Only the HDF5 layer (hdf5.ts) touches
// files; lowering (lower.ts) and export (export.ts) work on these plain values.

/** A numeric parameter: row-major values with their declared shape ([] for a scalar). */
export interface NirArray {
  shape: number[];
  data: Float64Array;
}

/** A string parameter (e.g. Conv padding 'same'), or a string array with its shape. */
export interface NirStrings {
  shape: number[];
  strings: string[];
}

export type NirValue = NirArray | NirStrings;

export function isStrings(v: NirValue | undefined): v is NirStrings {
  return v !== undefined && 'strings' in v;
}

export interface NirNode {
  type: string;
  /** Parameter datasets of the node, by name (everything but type, nodes, edges, metadata). */
  params: Record<string, NirValue>;
  /** The node's `metadata` group, flattened to strings and numbers (NIR >= 1.0). */
  metadata: Record<string, string | number>;
  /** Numeric arrays of the node's `metadata` group (more than one value), by name: e.g. the embedding table of an exported text model (docs/nir.md "Text models"). */
  metadataArrays?: Record<string, NirArray>;
  /** NIRGraph only. */
  nodes?: Record<string, NirNode>;
  /** NIRGraph only: (source, target) pairs. */
  edges?: [string, string][];
}

export interface NirFile {
  /** The `version` dataset, or undefined when the file has none. */
  version?: string;
  graph: NirNode;
}

export function arr(data: ArrayLike<number>, shape: number[] = [data.length]): NirArray {
  return { shape, data: Float64Array.from(data) };
}

export function scalar(x: number): NirArray {
  return { shape: [], data: Float64Array.of(x) };
}
