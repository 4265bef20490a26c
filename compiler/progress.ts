// Progress reporting for long loops (training, evaluation): a cli-progress bar on an
// interactive terminal, a few plain lines otherwise (CI logs, pipes), nothing when quiet.
// Always on stderr, so `--json` output on stdout stays clean.

import cliProgress from 'cli-progress';

export interface Progress {
  tick(n?: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export function progress(label: string, total: number, opts: { quiet?: boolean } = {}): Progress {
  if (opts.quiet || process.env.SNNC_QUIET === '1' || total <= 0) return { tick() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}{info}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    return {
      tick(n = 1, payload) {
        bar.increment(n, payload ? { info: ' ' + Object.entries(payload).map(([k, v]) => `${k}=${v}`).join(' ') } : undefined);
      },
      stop() {
        bar.stop();
      },
    };
  }
  // not a terminal: a line at every quarter, so CI logs show life without flooding
  let done = 0;
  let next = Math.ceil(total / 4);
  const start = Date.now();
  return {
    tick(n = 1) {
      done += n;
      if (done >= next || done === total) {
        process.stderr.write(`${label}: ${done}/${total} (${((Date.now() - start) / 1000).toFixed(1)} s)\n`);
        next = done + Math.ceil(total / 4);
      }
    },
    stop() {},
  };
}

export interface Status {
  /** Ends the stage; on a terminal the line is rewritten with the time it took. */
  done(note?: string): void;
}

/**
 * One stage without a count (compiling, loading): on a terminal "label ..." at once, then
 * "label (3.1 s)"; elsewhere one line when it ends, only if it took 2 s or more.
 */
export function status(label: string, opts: { quiet?: boolean } = {}): Status {
  if (opts.quiet || process.env.SNNC_QUIET === '1') return { done() {} };
  const start = Date.now();
  const tty = Boolean(process.stderr.isTTY);
  if (tty) process.stderr.write(`${label} ...`);
  return {
    done(note) {
      const s = (Date.now() - start) / 1000;
      if (tty) process.stderr.write(`\r${label} (${s.toFixed(1)} s${note ? `; ${note}` : ''})\n`);
      else if (s >= 2) process.stderr.write(`${label}: ${s.toFixed(1)} s${note ? `; ${note}` : ''}\n`);
    },
  };
}
