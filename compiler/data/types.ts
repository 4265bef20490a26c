// Shapes shared by every data loader: one labelled text, and a data set with its splits.
// Labels are class indices into `classes`; texts are raw (tokenize them with runtime/tokenizer).

export interface Example {
  text: string;
  label: number;
}

/** Why a loaded line did not become an example (never silent: see Dataset.dropped). */
export interface DroppedLine {
  file: string;
  line: number;
  reason: string;
}

export interface Dataset {
  name: string;
  classes: string[];
  train: Example[];
  dev: Example[];
  test: Example[];
  /** Where each split came from: 'file' (given by the corpus) or 'seeded' (carved by us). */
  splits: { train: 'file' | 'seeded'; dev: 'file' | 'seeded'; test: 'file' | 'seeded' };
  /** Lines that were read but left out, e.g. lines whose text is empty. */
  dropped: DroppedLine[];
  /** Free-form facts about the load (source files, seed, duplicates removed...). */
  info: Record<string, unknown>;
}
