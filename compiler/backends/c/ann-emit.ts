// The twin ANN as firmware (docs/ann.md): model.h + model.c for firmware-stubs/ann_kernel.c,
// behind the SNN firmware's own main loop and serial protocol (snn_firmware.c: the model API
// snn_model_begin / load / step / scores with T = 1 and no populations), with its flash and
// RAM budget computed before building, as for the SNN (compiler/backends/c/index.ts).

import { crc32 } from 'node:zlib';
import { embeddingRowBytes } from '../../../core/levels.js';
import { fail } from '../../../core/errors.js';
import type { Int8Ann } from '../../../core/ann-int8.js';
import type { TargetDescription } from '../../../targets/index.js';
import { BANNER } from './emit.js';
import type { CBudget } from './index.js';

/**
 * tokens: the board holds the packed levels and takes token ids (INFER); levels: the host
 * keeps the embedding and sends the sentence's packed level rows in one frame (BEGIN, then
 * one STEP: the SNN's spikes-mode messages with T = 1), the analog of the SNN's spikes mode.
 */
export type AnnMode = 'tokens' | 'levels';

/**
 * The ANN firmware's code (ann_kernel.c + snn_proto.c + snn_firmware.c + platform, plus the
 * generated glue), measured at -O2 on the Uno model's twin: avr-gcc 5.4 7064 B, arm-none-eabi-gcc
 * 12 4112 B; rounded up. The tests assert every built image stays within it.
 */
export const ANN_CODE_BOUNDS: Record<string, number> = { avr: 7300, arm: 4300 };

/** Extra stack reserve on AVR when a branch accumulates in 32 bits (its 64-bit requantization). */
export const ANN_AVR_ACC32_STACK = 32;

export interface EmittedAnnC {
  files: { 'model.h': string; 'model.c': string };
  hash: number;
  mode: AnnMode;
  /** Kernel sources this firmware links (firmware-stubs/). */
  kernel: string[];
  /** Per conv branch: accumulates in 16 bits (8-bit CPUs, when the bound proves it). */
  acc16: boolean[];
  budget: CBudget;
}

function numbers(values: ArrayLike<number>, perLine = 24): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const line: number[] = [];
    for (let k = i; k < Math.min(values.length, i + perLine); k++) line.push(values[k]);
    out.push('  ' + line.join(', '));
  }
  return out.join(',\n');
}

const pad4 = (x: number): number => Math.ceil(x / 4) * 4;

/** The conv weights in the kernel's layout: [cout4 / 4][width][cin][4], padding outputs zero. */
export function annConvLayout(cv: Int8Ann['convs'][number]): Int8Array {
  const cout4 = pad4(cv.cout);
  const field = cv.width * cv.cin;
  const out = new Int8Array(cout4 * field);
  for (let o = 0; o < cv.cout; o++) for (let k = 0; k < field; k++) out[((o >> 2) * field + k) * 4 + (o & 3)] = cv.weights[o * field + k];
  return out;
}

/** The largest |partial sum| any accumulator of a branch can reach: Σ|w| over an output's field times the top level. */
export function annAccBound(cv: Int8Ann['convs'][number], top: number): number {
  const field = cv.width * cv.cin;
  let worst = 0;
  for (let o = 0; o < cv.cout; o++) {
    let s = 0;
    for (let k = 0; k < field; k++) s += Math.abs(cv.weights[o * field + k]);
    worst = Math.max(worst, s * top);
  }
  return worst;
}

export function emitAnnC(ann: Int8Ann, target: TargetDescription, o: { mode?: AnnMode; name?: string; noFitCheck?: boolean } = {}): EmittedAnnC {
  if (target.backend !== 'c' && target.name !== 'rpi') fail('SNN_E_BACKEND', `target ${target.name} does not use the C backend`);
  const mode: AnnMode = o.mode ?? (target.defaultMode === 'spikes' ? 'levels' : 'tokens');
  const name = o.name ?? 'twin-ann';
  if (ann.maxLen < 1 || ann.maxLen > 256) fail('SNN_E_BACKEND', `the twin ANN sums up to maxLen uint8 activations in 16 bits: maxLen ${ann.maxLen} is above 256`);
  if (ann.maxLen * ann.dim > 65535 || ann.convs.some((cv) => cv.width * cv.cin * 4 > 65535 || cv.width > 255))
    fail('SNN_E_BACKEND', 'the twin ANN firmware indexes its input and one block of weights with 16 bits: maxLen x dim and width x channels x 4 must stay within 65535');
  if (ann.classes > 255 || ann.vocab > 65535) fail('SNN_E_BACKEND', 'the twin ANN firmware takes at most 255 classes and 65535 words');
  const top = (1 << ann.bits) - 1;
  const rb = embeddingRowBytes(ann.dim, ann.bits);
  const F = ann.fc.features;
  const K = ann.fc.outputs;
  if (F * 127 * 255 * ann.population > 2 ** 31 - 1) fail('SNN_E_OVERFLOW', `the classifier's ${F} features may overflow its int32 sums`);
  const acc16: boolean[] = [];
  const c: string[] = [BANNER, `/* twin ANN of model ${JSON.stringify(name).replace(/[^ -~]/g, '?')}: int8, ${mode} mode; docs/ann.md */`, '#include <stdint.h>', '#include "model.h"', ''];
  const consts: number[] = [];
  if (mode === 'tokens') {
    const data = new Uint8Array(ann.vocab * rb + 1); // a zero byte after: the unpacker reads 16 bits
    data.set(ann.levels.subarray(0, ann.vocab * rb));
    c.push(`static SNN_CONST uint8_t snn_levels[${data.length}] = {\n${numbers(data)}\n};`);
    consts.push(data.length);
  }
  ann.convs.forEach((cv, i) => {
    const bound = annAccBound(cv, top);
    if (bound > 2 ** 31 - 1) fail('SNN_E_OVERFLOW', `conv ${cv.id} of the twin ANN may overflow its int32 accumulators (bound ${bound})`);
    const a16 = target.wordBits === 8 && bound <= 32767;
    acc16.push(a16);
    const cout4 = pad4(cv.cout);
    const mult = new Uint16Array(cout4);
    const shift = new Uint8Array(cout4).fill(1);
    for (let k = 0; k < cv.cout; k++) {
      // 16-bit accumulators: acc · mult < 2^30, so a shift beyond 30 always gives 0 (as mult 0 does)
      const zero = a16 && cv.shift[k] > 30;
      mult[k] = zero ? 0 : cv.mult[k];
      shift[k] = zero ? 1 : cv.shift[k];
    }
    const w = annConvLayout(cv);
    c.push(`/* ${cv.id}: width ${cv.width}, ${cv.cin} -> ${cv.cout} channels, ${a16 ? '16' : '32'}-bit accumulators (bound ${bound}) */`);
    c.push(`static SNN_CONST int8_t ann_w${i}[${w.length}] = {\n${numbers(w)}\n};`);
    c.push(`static SNN_CONST uint16_t ann_m${i}[${cout4}] = {\n${numbers(mult)}\n};`);
    c.push(`static SNN_CONST uint8_t ann_s${i}[${cout4}] = {\n${numbers(shift)}\n};`);
    consts.push(w.length, 2 * cout4, cout4);
  });
  c.push(`static SNN_CONST int8_t ann_fc[${K * F}] = {\n${numbers(ann.fc.weights)}\n};`);
  consts.push(K * F);
  c.push('');
  c.push('uint8_t snn_model_begin(snn_state *st, uint16_t n) {');
  c.push('  if (n < 1 || n > SNN_MAXLEN) return SNN_ERR_INPUT;');
  if (mode === 'tokens') c.push('  for (uint16_t i = 0; i < n; i++) if (st->ids[i] >= SNN_VOCAB) return SNN_ERR_INPUT;');
  c.push('  st->n = n;');
  c.push('  st->t = 0;');
  c.push('  for (uint8_t i = 0; i < 5; i++) st->ops[i] = 0;');
  c.push('  return 0;');
  c.push('}');
  c.push('');
  c.push('void snn_model_load(snn_state *st, const uint8_t *bits) {');
  if (mode === 'levels') c.push(`  ann_unpack(bits, 0, st->n, ${rb}, ${ann.bits}, ${ann.dim}, st->x);`);
  else c.push('  (void)st;\n  (void)bits;');
  c.push('}');
  c.push('');
  c.push('void snn_model_step(snn_state *st) {');
  c.push('  uint16_t n = st->n;');
  c.push('  snn_ops *ops = (snn_ops *)st->ops;');
  if (mode === 'tokens') c.push(`  ann_unpack(snn_levels, st->ids, n, ${rb}, ${ann.bits}, ${ann.dim}, st->x);`);
  let po = 0;
  let fo = 0;
  ann.convs.forEach((cv, i) => {
    c.push(`  ann_conv_pool(ann_w${i}, ann_m${i}, ann_s${i}, st->x, n, ${cv.cin}, ${cv.cout}, ${cv.width}, ${acc16[i] ? 1 : 0}, st->pool + ${po}, ops);`);
    c.push(`  ann_mean(st->pool + ${po}, ${cv.cout}, n, st->feat + ${fo}, ops);`);
    po += pad4(cv.cout);
    fo += cv.cout;
  });
  c.push(`  ann_dense(ann_fc, st->feat, ${F}, ${K}, st->z, ops);`);
  c.push('  st->t++;');
  c.push('}');
  c.push('');
  c.push('uint8_t snn_model_scores(const snn_state *st, snn_score *scores) {');
  c.push('  uint8_t label = 0;');
  c.push(`  for (uint8_t c = 0; c < ${ann.classes}; c++) {`);
  c.push('    int32_t s = 0;');
  c.push(`    for (uint16_t i = 0; i < ${ann.population}; i++) {`);
  c.push(`      int32_t v = st->z[(uint16_t)(c * ${ann.population}u + i)];`);
  c.push('      if (v > 0) s += v;');
  c.push('    }');
  c.push('    scores[c] = s;');
  c.push('    if (s > scores[label]) label = c;');
  c.push('  }');
  c.push('  return label;');
  c.push('}');
  const source = c.join('\n') + '\n';
  const hash = crc32(new TextEncoder().encode(source)) >>> 0;

  // state, sorted by alignment as the SNN's (compiler/backends/c/plan.ts stateFields)
  const P4 = ann.convs.reduce((a, cv) => a + pad4(cv.cout), 0);
  const fields: [string, string, number, string][] = [
    ['uint32_t', 'ops', 5, 'counters: ops[0] multiply-accumulates, ops[1] pooling additions (snn_ops)'],
    ['int32_t', 'z', K, 'classifier sums (logits)'],
    ['uint16_t', 'pool', P4, 'activation sums over the positions, per conv output (padded to 4 per branch)'],
    ['uint16_t', 'n', 1, 'positions'],
    ['uint16_t', 't', 1, 'step (0 or 1)'],
  ];
  if (mode === 'tokens') fields.push(['uint16_t', 'ids', ann.maxLen, 'token ids']);
  fields.push(['uint8_t', 'x', ann.maxLen * ann.dim, 'input levels']);
  fields.push(['uint8_t', 'feat', F, 'pooled features (uint8)']);
  const size = (t: string): number => (t.endsWith('32_t') ? 4 : t.endsWith('16_t') ? 2 : 1);
  const abi = target.abi ?? { pointerBytes: 8, maxAlign: 4 };
  const stateBytes = Math.ceil(fields.reduce((a, f) => a + size(f[0]) * f[2], 0) / abi.maxAlign) * abi.maxAlign;

  const spikes = mode === 'levels';
  const h: string[] = [BANNER, '#ifndef SNN_MODEL_H', '#define SNN_MODEL_H', '', '#include <stdint.h>', '#include "ann_kernel.h"', ''];
  const def = (k: string, v: string | number): void => void h.push(`#define ${k} ${v}`);
  def('SNN_MODEL_NAME', JSON.stringify(name).replace(/[^ -~]/g, '?'));
  def('SNN_MODEL_HASH', `0x${hash.toString(16).padStart(8, '0')}UL`);
  h.push('/* levels mode speaks the spikes-mode messages: BEGIN, then one STEP carrying the packed level rows */');
  def('SNN_MODE_SPIKES', spikes ? 1 : 0);
  def('SNN_INPUT_VECTOR', 0);
  def('SNN_MAXLEN', ann.maxLen);
  def('SNN_T', 1);
  def('SNN_CLASSES', ann.classes);
  def('SNN_POPS', 0);
  def('SNN_VOCAB', ann.vocab);
  def('SNN_INPUT_DIM', 0);
  def('SNN_FRAME_BITS_PER_POS', spikes ? rb * 8 : 0);
  def('SNN_FRAME_BITS_FIXED', 0);
  def('SNN_FRAME_BYTES_MAX', spikes ? ann.maxLen * rb : 0);
  def('SNN_ERR_INPUT', 5);
  def('SNN_SCORES_SIGNED', 1);
  h.push('');
  h.push('/* class scores: the sum of ReLU(logits) over the class population, signed 32-bit */');
  h.push('typedef int32_t snn_score;');
  h.push('');
  h.push('typedef struct snn_state {');
  for (const [t, n, count, what] of fields) h.push(`  ${t} ${n}${count === 1 && (n === 'n' || n === 't') ? '' : `[${count}]`}; /* ${what} */`);
  h.push('} snn_state;');
  h.push('');
  h.push('uint8_t snn_model_begin(snn_state *st, uint16_t n);');
  h.push('void snn_model_load(snn_state *st, const uint8_t *bits);');
  h.push('void snn_model_step(snn_state *st);');
  h.push('uint8_t snn_model_scores(const snn_state *st, snn_score *scores);');
  h.push('');
  h.push('#endif');

  // budget (exact constants and state; code bound measured)
  const modelFlashBytes = consts.reduce((a, x) => a + (abi.maxAlign === 4 ? pad4(x) : x), 0);
  const codeBytes = target.firmware ? (ANN_CODE_BOUNDS[target.arch ?? ''] ?? 0) : 0;
  const fw = target.firmware ?? { codeBytes: 0, ramBytes: 0, stackBytes: 0 };
  const rx = 7 + Math.max(spikes ? 2 + ann.maxLen * rb : 2 + 2 * ann.maxLen, 16);
  // AVR with 32-bit accumulators: the 64-bit requantization deepens the stack (172 B measured in simavr, against 142 B with 16-bit ones)
  const stack = fw.stackBytes + (target.arch === 'avr' && acc16.some((a) => !a) ? ANN_AVR_ACC32_STACK : 0);
  const ramBytes = stateBytes + rx + fw.ramBytes + stack;
  const flashBytes = modelFlashBytes + codeBytes;
  const fits = (target.flashBytes === null || flashBytes <= target.flashBytes) && (target.ramBytes === null || ramBytes <= target.ramBytes);
  const budget: CBudget = {
    target: target.name,
    mode: spikes ? 'spikes' : 'tokens',
    modelFlashBytes,
    codeBytes,
    flashBytes,
    flashLimit: target.flashBytes,
    stateBytes,
    rxBytes: rx,
    firmwareRamBytes: fw.ramBytes + stack,
    stackBytes: stack,
    ramBytes,
    ramLimit: target.ramBytes,
    fits,
  };
  // AVR reads the tables with LPM (16-bit Z): constants beyond 64 KB are out of reach
  if (target.arch === 'avr' && modelFlashBytes > 0xff00)
    fail('SNN_E_TOO_BIG', `the twin ANN's tables take ${modelFlashBytes} bytes, beyond the 64 KB that LPM reaches on ${target.name}`, mode === 'tokens' ? 'levels mode (the host keeps the embedding table)' : 'fewer feature maps');
  if (!fits && !o.noFitCheck) {
    const what: string[] = [];
    if (target.flashBytes !== null && flashBytes > target.flashBytes) what.push(`${flashBytes} bytes of flash, ${flashBytes - target.flashBytes} more than the ${target.flashBytes} of ${target.name} (tables ${modelFlashBytes}, code up to ${codeBytes})`);
    if (target.ramBytes !== null && ramBytes > target.ramBytes) what.push(`${ramBytes} bytes of RAM, ${ramBytes - target.ramBytes} more than the ${target.ramBytes} of ${target.name} (state ${stateBytes}, receive buffer ${rx})`);
    fail('SNN_E_TOO_BIG', `the twin ANN needs ${what.join('; and ')}`, mode === 'tokens' ? 'levels mode (the host keeps the embedding table)' : 'fewer feature maps or a smaller maxLen');
  }
  return { files: { 'model.h': h.join('\n') + '\n', 'model.c': source }, hash, mode, kernel: ['ann_kernel.c', 'snn_proto.c', 'snn_firmware.c'], acc16, budget };
}
