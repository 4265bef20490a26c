// Public surface of the data layer: corpora, splits, generic tables, GloVe and vocabularies.
// Import from here rather than from the individual modules.

export * from './types.js';
export * from './prng.js';
export * from './text-file.js';
export * from './text-stream.js';
export * from './labels.js';
export * from './tabular.js';
export * from './user-data.js';
export * from './imdb.js';
export * from './paths.js';
export * from './registry.js';
export * from './splits.js';
export * from './glove.js';
export * from './vocabulary.js';
export * from './positive-shift.js';
export * from './pca.js';
export * from './vectors.js';
