// The `snnc` command line: a declarative table of commands and options (one module per
// command in this folder, each exporting its CommandSpec) over the programmatic API
// (compiler/api/). Every command returns a result object: --json prints it as JSON, otherwise
// the command's formatter prints it for people. Errors print their stable code.

import { Command, Option } from 'commander';
import { SnncError, isSnncError } from '../../core/errors.js';
import type { CommandSpec } from './spec.js';
import { trainCommand } from './train.js';
import { embedCommand } from './embed.js';
import { compileCommand } from './compile.js';
import { importCommand } from './import.js';
import { exportCommand } from './export.js';
import { runCommand } from './run.js';
import { deployCommand } from './deploy.js';
import { evalCommand } from './eval.js';
import { inspectCommand } from './inspect.js';
import { profilesCommand } from './profiles.js';
import { sweepCommand } from './sweep.js';
import { predictCommand } from './predict.js';
import { reportCommand } from './report.js';
import { simCommand } from './sim.js';
import { attackCommand } from './attack.js';

export type { CommandSpec, OptionSpec } from './spec.js';

/** The commands in the order `snnc --help` lists them. */
export const COMMANDS: CommandSpec[] = [trainCommand, embedCommand, compileCommand, importCommand, exportCommand, simCommand, runCommand, deployCommand, evalCommand, attackCommand, predictCommand, sweepCommand, reportCommand, inspectCommand, profilesCommand];

function parseNumber(kind: 'int' | 'float', flags: string) {
  return (v: string) => {
    const x = kind === 'int' ? Number.parseInt(v, 10) : Number.parseFloat(v);
    if (!Number.isFinite(x) || (kind === 'int' && String(x) !== v.trim())) throw new SnncError('SNN_E_USAGE', `${flags} expects ${kind === 'int' ? 'an integer' : 'a number'}, got "${v}"`);
    return x;
  };
}

/** Builds the commander program from the table. */
export function buildProgram(onResult: (spec: CommandSpec, result: unknown, asJson: boolean) => void): Command {
  const program = new Command('snnc')
    .description('Compile spiking neural network text classifiers to addition-only integer runtimes (WebAssembly, microcontrollers).')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).description(spec.summary).exitOverride();
    for (const a of spec.args) cmd.argument(a);
    for (const o of spec.options) {
      const opt = new Option(o.flags, o.description);
      if (o.default !== undefined) opt.default(o.default);
      if (o.choices) opt.choices(o.choices);
      if (o.parse) opt.argParser(parseNumber(o.parse, o.flags));
      cmd.addOption(opt);
    }
    cmd.action(async (...xs: unknown[]) => {
      const c = xs[xs.length - 1] as Command;
      const opts = c.opts();
      const args = (xs.slice(0, spec.args.length) as (string | string[] | undefined)[]).flatMap((x) => (x === undefined ? [] : Array.isArray(x) ? x : [x]));
      const result = await spec.run(args, opts);
      onResult(spec, result, Boolean(opts.json));
    });
  }
  return program;
}

/** Entry point: returns the process exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  let asJson = argv.includes('--json');
  const program = buildProgram((spec, result, j) => {
    asJson = j;
    if (result === undefined) return; // the command printed its own output (predict to stdout)
    if (j) {
      // the human-readable rendering stays out of machine output
      const { text: _text, ...rest } = result as Record<string, unknown>;
      process.stdout.write(JSON.stringify(rest, null, 2) + '\n');
    } else process.stdout.write(spec.format(result) + '\n');
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (isSnncError(e)) {
      if (asJson) process.stdout.write(JSON.stringify({ error: e.toJSON() }, null, 2) + '\n');
      else process.stderr.write(`snnc: error ${e.message}\n`);
      return e.code === 'SNN_E_USAGE' ? 2 : 1;
    }
    process.stderr.write(`snnc: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
