// Errors are values with stable codes. Every code below is documented in docs/errors.md and
// has a test that provokes it; messages say what went wrong and what to do about it.
// Lives in core/ (the bottom layer, which imports nothing of ours) because every layer raises
// these codes: IR validation, passes, backends, the runtimes, data loading and training.

export const ERROR_CODES = {
  // model files (.snn)
  SNN_E_TRUNCATED: 'model file is shorter than its header declares',
  SNN_E_MAGIC: 'not an snnc model file (bad magic bytes)',
  SNN_E_VERSION: 'model file version is not supported by this snnc',
  SNN_E_CHECKSUM: 'model file checksum mismatch (corrupt file)',
  SNN_E_HEADER: 'model header is not valid JSON or misses required fields',
  SNN_E_SIZE: 'a declared size is absurd or inconsistent with the file',
  SNN_E_NAN: 'a tensor holds NaN or infinity',
  SNN_E_GRAPH: 'the network graph is invalid',
  // compiler
  SNN_E_OVERFLOW: 'the integer state cannot be proven to fit the chosen width',
  SNN_E_QUANT: 'quantization failed',
  SNN_E_PASS: 'unknown pass name',
  SNN_E_TOO_BIG: 'the model does not fit the target',
  SNN_E_BACKEND: 'the backend failed to emit or validate code',
  // artifacts and runtimes
  SNN_E_ARTIFACT: 'the compiled artifact is missing, corrupt or of another version',
  SNN_E_INPUT: 'the input is not usable (empty text, invalid UTF-8, bad tokens)',
  SNN_E_RUNTIME: 'the runtime failed during inference',
  SNN_E_DEVICE: 'the board did not answer, reset mid-inference or disconnected (or its serial port cannot be opened)',
  // data and training
  SNN_E_DATA: 'the data set could not be read',
  SNN_E_EMBEDDINGS: 'word embeddings could not be loaded',
  SNN_E_CHECKPOINT: 'the training checkpoint is missing, corrupt or does not match',
  SNN_E_USAGE: 'bad command-line usage',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class SnncError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(`${code}: ${message}${hint ? ` (${hint})` : ''}`);
    this.name = 'SnncError';
    this.code = code;
    this.hint = hint;
  }
  toJSON(): { code: ErrorCode; message: string; hint?: string } {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

export function fail(code: ErrorCode, message: string, hint?: string): never {
  throw new SnncError(code, message, hint);
}

export function isSnncError(e: unknown): e is SnncError {
  return e instanceof SnncError;
}
