// The shape of a command in the `snnc` CLI table: its arguments and options as data, a lazily
// loaded runner over the programmatic API (compiler/api/) and a formatter for people.

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | number | boolean;
  choices?: string[];
  parse?: 'int' | 'float';
}

export interface CommandSpec {
  name: string;
  args: string[];
  summary: string;
  options: OptionSpec[];
  /** Loaded lazily so that `snnc --help` does not pull in TensorFlow.js or binaryen. */
  run: (args: string[], opts: Record<string, unknown>) => Promise<unknown>;
  format: (result: any) => string;
}

export const json: OptionSpec = { flags: '--json', description: 'print the result as JSON on stdout' };
export const profile: OptionSpec = { flags: '--profile <name>', description: 'energy profile (see `snnc profiles`)', default: 'horowitz45-int' };
