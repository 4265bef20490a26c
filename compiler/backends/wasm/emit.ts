// Wasm backend, phase 2: turns a Plan into a binaryen module specialised to one model.
// One function per encoder / LIF step (so V8 tiers them up early), event-driven integration
// over spike lists, SIMD row adds and fire loops, every size and address a constant.

import binaryen from 'binaryen';
import { WASM_ERRORS, WASM_EXPORTS, WASM_TRACE_EXPORT } from '../../../runtime/wasm/artifact-format.js';
import type { EncoderPlan, GroupedPlan, Plan, PopPlan, SynapsePlan, TablePlan } from './plan.js';
import { seedState } from '../../../core/prng.js';

type X = binaryen.ExpressionRef;
type T = binaryen.Type;

interface Local {
  i: number;
  t: T;
}

/** An address: a local holding it, or a compile-time constant. */
type Ptr = Local | number;

interface FireLocals {
  active: Local;
  theta: Local;
  o: Local;
  end: Local;
  lw: Local;
  x: Local;
  j: Local;
}

/** Rows with at most this many 16-entry chunks are unrolled completely. */
const UNROLL_CHUNKS = 8;
/** A scan's fire pass is unrolled up to this many neurons (SIMD: 16 chunks of 4). */
const UNROLL_FIRE_SIMD = 64;
const UNROLL_FIRE_SCALAR = 16;

class Fn {
  readonly vars: T[] = [];
  constructor(readonly params: T[]) {}
  local(t: T): Local {
    this.vars.push(t);
    return { i: this.params.length + this.vars.length - 1, t };
  }
  param(i: number): Local {
    return { i, t: this.params[i] };
  }
}

export class WasmGen {
  private label = 0;
  private readonly m: binaryen.Module;

  constructor(
    private readonly plan: Plan,
    private readonly simd: boolean,
    /** Also trace every population's membranes (and currents) per step (graphs compiled without readout, docs/wasm.md). */
    private readonly traceState = false,
  ) {
    this.m = new binaryen.Module();
  }

  get module(): binaryen.Module {
    return this.m;
  }

  // ------------------------------------------------------------------ small helpers
  private c(v: number): X {
    return this.m.i32.const(v | 0);
  }
  private c64(v: number): X {
    return (this.m.i64.const as unknown as (v: bigint) => X)(BigInt(v));
  }
  private get(l: Local): X {
    return this.m.local.get(l.i, l.t);
  }
  /** Pointer operand and the constant to fold into the access offset. */
  private ptr(v: Ptr): [X, number] {
    return typeof v === 'number' ? [this.c(0), v] : [this.get(v), 0];
  }
  private ptrX(v: Ptr): X {
    return typeof v === 'number' ? this.c(v) : this.get(v);
  }
  private set(l: Local, e: X): X {
    return this.m.local.set(l.i, e);
  }
  private add(a: X, b: X): X {
    return this.m.i32.add(a, b);
  }
  /** l += constant. (ExpressionRefs are numbers too, hence two helpers.) */
  private inc(l: Local, by: number): X {
    return this.set(l, this.add(this.get(l), this.c(by)));
  }
  /** l += expression. */
  private incX(l: Local, by: X): X {
    return this.set(l, this.add(this.get(l), by));
  }
  private lab(stem: string): string {
    return `${stem}${this.label++}`;
  }
  private block(xs: X[]): X {
    return xs.length === 1 ? xs[0] : this.m.block(null, xs, binaryen.none);
  }
  /** while (cond) { body } as if + do-while: one branch per iteration. */
  private whileLoop(cond: () => X, body: X[]): X {
    const l = this.lab('L');
    return this.m.if(cond(), this.m.loop(l, this.block([...body, this.m.br(l, cond())])));
  }
  /**
   * SIMD fire of the 4 membranes in local `xv` against the splatted threshold `thv`: lanes at
   * or above it are reset (subtract or zero) in `xv`, `onLane(lane index)` runs for each of
   * them in ascending order, then `store` (when the caller does not store after a leak).
   */
  private fireVec(r: { xv: Local; mk: Local; thv: Local; bits: Local; lane: string }, subtract: boolean, onLane: (lane: X) => X[], store: X[]): X[] {
    const m = this.m;
    return [
      this.set(r.mk, m.i32x4.ge_s(this.get(r.xv), this.get(r.thv))),
      m.if(
        m.v128.any_true(this.get(r.mk)),
        this.block([
          this.set(r.bits, m.i32x4.bitmask(this.get(r.mk))),
          this.set(r.xv, subtract ? m.i32x4.sub(this.get(r.xv), m.v128.and(this.get(r.mk), this.get(r.thv))) : m.v128.andnot(this.get(r.xv), this.get(r.mk))),
          m.loop(
            r.lane,
            this.block([
              ...onLane(m.i32.ctz(this.get(r.bits))),
              this.set(r.bits, m.i32.and(this.get(r.bits), m.i32.sub(this.get(r.bits), this.c(1)))),
              m.br(r.lane, this.get(r.bits)),
            ]),
          ),
          ...store,
        ]),
      ),
    ];
  }

  private ltU(a: X, b: X): X {
    return this.m.i32.lt_u(a, b);
  }
  private gaddI64(name: string, v: X): X {
    return this.m.global.set(name, this.m.i64.add(this.m.global.get(name, binaryen.i64), v));
  }
  private loadW(wb: number, off: number, ptr: X): X {
    if (wb === 1) return this.m.i32.load8_s(off, 1, ptr);
    if (wb === 2) return this.m.i32.load16_s(off, 2, ptr);
    return this.m.i32.load(off, 4, ptr);
  }

  // ------------------------------------------------------------------ row adds
  /** v[vPtr + 4k] += w[wPtr + k*wb] for every (padded) entry k of one dense row. */
  private rowAddDense(f: Fn, tp: TablePlan, wPtr: Local, vPtr: Ptr): X[] {
    const m = this.m;
    const wb = tp.weightBits / 8;
    const P = tp.paddedRow;
    const out: X[] = [];
    if (!this.simd) {
      const one = (w: Local, v: Ptr, k: number): X => {
        const [pv, ov] = this.ptr(v);
        const [pv2] = this.ptr(v);
        return m.i32.store(ov + 4 * k, 4, pv, this.add(m.i32.load(ov + 4 * k, 4, pv2), this.loadW(wb, k * wb, this.get(w))));
      };
      if (P <= 32) {
        for (let k = 0; k < P; k++) out.push(one(wPtr, vPtr, k));
        return out;
      }
      const wp = f.local(binaryen.i32);
      const vp = f.local(binaryen.i32);
      const cnt = f.local(binaryen.i32);
      const l = this.lab('R');
      out.push(this.set(wp, this.get(wPtr)), this.set(vp, this.ptrX(vPtr)), this.set(cnt, this.c(P / 4)));
      out.push(
        m.loop(
          l,
          this.block([
            one(wp, vp, 0),
            one(wp, vp, 1),
            one(wp, vp, 2),
            one(wp, vp, 3),
            this.inc(wp, 4 * wb),
            this.inc(vp, 16),
            this.set(cnt, m.i32.sub(this.get(cnt), this.c(1))),
            m.br(l, this.get(cnt)),
          ]),
        ),
      );
      return out;
    }
    const wv = f.local(binaryen.v128);
    const lo = f.local(binaryen.v128);
    const hi = f.local(binaryen.v128);
    const addV = (v: Ptr, off: number, w: X): X => {
      const [pv, ov] = this.ptr(v);
      const [pv2] = this.ptr(v);
      return m.v128.store(ov + off, 4, pv, m.i32x4.add(m.v128.load(ov + off, 4, pv2), w));
    };
    const chunk16 = (w: Local, ow: number, v: Ptr, ov: number): X[] => {
      if (wb === 1)
        return [
          this.set(wv, m.v128.load(ow, 1, this.get(w))),
          this.set(lo, m.i16x8.extend_low_i8x16_s(this.get(wv))),
          this.set(hi, m.i16x8.extend_high_i8x16_s(this.get(wv))),
          addV(v, ov, m.i32x4.extend_low_i16x8_s(this.get(lo))),
          addV(v, ov + 16, m.i32x4.extend_high_i16x8_s(this.get(lo))),
          addV(v, ov + 32, m.i32x4.extend_low_i16x8_s(this.get(hi))),
          addV(v, ov + 48, m.i32x4.extend_high_i16x8_s(this.get(hi))),
        ];
      if (wb === 2)
        return [
          this.set(lo, m.v128.load(ow, 2, this.get(w))),
          this.set(hi, m.v128.load(ow + 16, 2, this.get(w))),
          addV(v, ov, m.i32x4.extend_low_i16x8_s(this.get(lo))),
          addV(v, ov + 16, m.i32x4.extend_high_i16x8_s(this.get(lo))),
          addV(v, ov + 32, m.i32x4.extend_low_i16x8_s(this.get(hi))),
          addV(v, ov + 48, m.i32x4.extend_high_i16x8_s(this.get(hi))),
        ];
      return [0, 1, 2, 3].map((q) => addV(v, ov + 16 * q, m.v128.load(ow + 16 * q, 4, this.get(w))));
    };
    const chunk4 = (w: Local, ow: number, v: Ptr, ov: number): X => {
      if (wb === 1) return addV(v, ov, m.i32x4.extend_low_i16x8_s(m.i16x8.extend_low_i8x16_s(m.v128.load32_zero(ow, 1, this.get(w)))));
      if (wb === 2) return addV(v, ov, m.v128.load16x4_s(ow, 2, this.get(w)));
      return addV(v, ov, m.v128.load(ow, 4, this.get(w)));
    };
    const n16 = Math.floor(P / 16);
    const n4 = (P - 16 * n16) / 4;
    if (n16 <= UNROLL_CHUNKS) {
      for (let k = 0; k < n16; k++) out.push(...chunk16(wPtr, 16 * k * wb, vPtr, 64 * k));
      for (let k = 0; k < n4; k++) out.push(chunk4(wPtr, (16 * n16 + 4 * k) * wb, vPtr, 4 * (16 * n16 + 4 * k)));
      return out;
    }
    const wp = f.local(binaryen.i32);
    const vp = f.local(binaryen.i32);
    const cnt = f.local(binaryen.i32);
    const l = this.lab('R');
    out.push(this.set(wp, this.get(wPtr)), this.set(vp, this.ptrX(vPtr)), this.set(cnt, this.c(n16)));
    out.push(
      m.loop(
        l,
        this.block([
          ...chunk16(wp, 0, vp, 0),
          this.inc(wp, 16 * wb),
          this.inc(vp, 64),
          this.set(cnt, m.i32.sub(this.get(cnt), this.c(1))),
          m.br(l, this.get(cnt)),
        ]),
      ),
    );
    for (let k = 0; k < n4; k++) out.push(chunk4(wp, 4 * k * wb, vp, 16 * k));
    return out;
  }

  /** Sparse row `row`: v[vPtr + 4*target[e]] += w[e]; nnz += entries. */
  private rowAddSparse(f: Fn, tp: TablePlan, row: Local, vPtr: Ptr, nnz: Local): X[] {
    const m = this.m;
    const wb = tp.weightBits / 8;
    const e = f.local(binaryen.i32);
    const b = f.local(binaryen.i32);
    const ta = f.local(binaryen.i32);
    const wIndex = wb === 1 ? this.get(e) : m.i32.shl(this.get(e), this.c(wb === 2 ? 1 : 2));
    return [
      this.set(e, m.i32.load(tp.rowStartAddr, 4, m.i32.shl(this.get(row), this.c(2)))),
      this.set(b, m.i32.load(tp.rowStartAddr + 4, 4, m.i32.shl(this.get(row), this.c(2)))),
      this.set(nnz, m.i64.add(this.get(nnz), m.i64.extend_u(m.i32.sub(this.get(b), this.get(e))))),
      this.whileLoop(
        () => this.ltU(this.get(e), this.get(b)),
        [
          this.set(ta, this.add(this.ptrX(vPtr), m.i32.shl(m.i32.load16_u(tp.targetAddr, 2, m.i32.shl(this.get(e), this.c(1))), this.c(2)))),
          m.i32.store(0, 4, this.get(ta), this.add(m.i32.load(0, 4, this.get(ta)), this.loadW(wb, tp.weightsAddr, wIndex))),
          this.inc(e, 1),
        ],
      ),
    ];
  }

  // ------------------------------------------------------------------ integration
  private integrate(f: Fn, s: SynapsePlan, n: Local, rows: Local, nnz: Local): X[] {
    const m = this.m;
    const tp = s.table;
    const wb = tp.weightBits / 8;
    const stride = tp.paddedRow * wb;
    const Cin = s.srcChannels;
    const Cout = s.target.node.channels;
    // a population with a synaptic current integrates into its current
    const V0 = s.target.iAddr ?? s.target.vAddr;
    const lp = f.local(binaryen.i32);
    const end = f.local(binaryen.i32);
    const i = f.local(binaryen.i32);
    const p = f.local(binaryen.i32);
    const c = f.local(binaryen.i32);
    const wPtr = f.local(binaryen.i32);
    const vPtr = f.local(binaryen.i32);
    const row = f.local(binaryen.i32);
    const sparse = tp.layout === 'sparse';
    const out: X[] = [
      this.set(lp, this.c(s.srcList.dataAddr)),
      this.set(end, this.add(this.c(s.srcList.dataAddr), m.i32.shl(m.i32.load(0, 4, this.c(s.srcList.cntAddr)), this.c(2)))),
    ];
    const decompose = (): X[] => [
      this.set(i, m.i32.load(0, 4, this.get(lp))),
      this.set(p, m.i32.div_u(this.get(i), this.c(Cin))),
      this.set(c, m.i32.sub(this.get(i), m.i32.mul(this.get(p), this.c(Cin)))),
    ];
    const body: X[] = [];
    const rowAdd = (): X[] => (sparse ? this.rowAddSparse(f, tp, row, vPtr, nnz) : this.rowAddDense(f, tp, wPtr, vPtr));
    if (s.node.kind === 'conv1d') {
      const W = s.node.width;
      const left = (W - 1) >> 1;
      const pl = f.local(binaryen.i32);
      const jlo = f.local(binaryen.i32);
      const taps = f.local(binaryen.i32);
      const l = this.lab('T');
      body.push(
        ...decompose(),
        this.set(pl, this.add(this.get(p), this.c(left))),
        // jlo = max(0, pl - (n - 1)); jhi = min(W - 1, pl); there is always at least one tap
        this.set(jlo, m.i32.sub(this.get(pl), m.i32.sub(this.get(n), this.c(1)))),
        this.set(jlo, m.select(m.i32.gt_s(this.get(jlo), this.c(0)), this.get(jlo), this.c(0))),
        this.set(
          taps,
          this.add(m.i32.sub(m.select(m.i32.lt_s(this.get(pl), this.c(W - 1)), this.get(pl), this.c(W - 1)), this.get(jlo)), this.c(1)),
        ),
        this.incX(rows, this.get(taps)),
        sparse
          ? this.set(row, this.add(m.i32.mul(this.get(jlo), this.c(Cin)), this.get(c)))
          : this.set(wPtr, this.add(this.c(tp.weightsAddr), m.i32.mul(this.add(m.i32.mul(this.get(jlo), this.c(Cin)), this.get(c)), this.c(stride)))),
        this.set(vPtr, this.add(this.c(V0), m.i32.mul(m.i32.sub(this.get(pl), this.get(jlo)), this.c(Cout * 4)))),
        m.loop(
          l,
          this.block([
            ...rowAdd(),
            sparse ? this.inc(row, Cin) : this.inc(wPtr, Cin * stride),
            this.set(vPtr, m.i32.sub(this.get(vPtr), this.c(Cout * 4))),
            this.set(taps, m.i32.sub(this.get(taps), this.c(1))),
            m.br(l, this.get(taps)),
          ]),
        ),
      );
    } else if (s.maxPool) {
      // max over positions of 0/1 spikes: row c once per step if channel c spiked anywhere
      out.push(m.memory.fill(this.c(s.seenAddr), this.c(0), this.c(Cin)));
      body.push(
        this.set(c, m.i32.rem_u(m.i32.load(0, 4, this.get(lp)), this.c(Cin))),
        m.if(
          m.i32.eqz(m.i32.load8_u(s.seenAddr, 1, this.get(c))),
          this.block([
            m.i32.store8(s.seenAddr, 1, this.get(c), this.c(1)),
            this.set(vPtr, this.c(V0)),
            sparse ? this.set(row, this.get(c)) : this.set(wPtr, this.add(this.c(tp.weightsAddr), m.i32.mul(this.get(c), this.c(stride)))),
            ...rowAdd(),
            this.inc(rows, 1),
          ]),
        ),
      );
    } else {
      if (s.srcPerPosition) body.push(...decompose());
      else body.push(this.set(c, m.i32.load(0, 4, this.get(lp))), this.set(p, this.c(0)));
      body.push(
        this.set(vPtr, s.target.node.perPosition ? this.add(this.c(V0), m.i32.mul(this.get(p), this.c(Cout * 4))) : this.c(V0)),
        sparse ? this.set(row, this.get(c)) : this.set(wPtr, this.add(this.c(tp.weightsAddr), m.i32.mul(this.get(c), this.c(stride)))),
        ...rowAdd(),
        this.inc(rows, 1),
      );
    }
    body.push(this.inc(lp, 4));
    out.push(this.whileLoop(() => this.ltU(this.get(lp), this.get(end)), body));
    return out;
  }

  // ------------------------------------------------------------------ fire + reset + next leak
  /** Appends index `idx` to a spike list through write pointer `lw`. */
  private append(lw: Local, idx: X): X[] {
    return [this.m.i32.store(0, 4, this.get(lw), idx), this.inc(lw, 4)];
  }

  /** Locals of one fire pass, created in a fixed order (the emitted code is deterministic). */
  private fireLocals(f: Fn): FireLocals {
    const i32 = binaryen.i32;
    return { active: f.local(i32), theta: f.local(i32), o: f.local(i32), end: f.local(i32), lw: f.local(i32), x: f.local(i32), j: f.local(i32) };
  }

  /**
   * Fire, reset and the next step's leak over `active` membranes at `V0`; spikes are appended
   * through `lw` with flat index `idxBase + i` (idxBase: a scan's position base, else 0).
   */
  private fireLoop(f: Fn, pop: PopPlan, L: FireLocals, idxBase: Local | null): X[] {
    const m = this.m;
    const node = pop.node;
    const V0 = pop.vAddr;
    const { active, theta, o, end, lw, x, j } = L;
    const shifts = pop.leakShifts;
    const subtract = node.reset === 'subtract';
    const counts = pop.countsAddr;
    const out: X[] = [this.set(o, this.c(0))];
    const index = (i: X): X => (idxBase ? this.add(this.get(idxBase), i) : i);
    const bump = (idx: X): X[] => {
      if (counts === undefined) return this.append(lw, idx);
      return [
        this.set(j, idx),
        ...this.append(lw, this.get(j)),
        m.i32.store(counts, 4, m.i32.shl(this.get(j), this.c(2)), this.add(m.i32.load(counts, 4, m.i32.shl(this.get(j), this.c(2))), this.c(1))),
      ];
    };
    if (this.simd) {
      const thv = f.local(binaryen.v128);
      const xv = f.local(binaryen.v128);
      const mk = f.local(binaryen.v128);
      const bits = f.local(binaryen.i32);
      const lane = this.lab('B');
      const leakV = (): X[] => {
        if (!shifts.length) return [];
        const e = this.leakedV(xv, shifts);
        return [this.set(xv, e), m.v128.store(V0, 4, this.get(o), this.get(xv))];
      };
      out.push(
        this.set(thv, m.i32x4.splat(this.get(theta))),
        this.set(end, m.i32.shl(m.i32.and(this.get(active), this.c(~3)), this.c(2))),
        this.whileLoop(
          () => this.ltU(this.get(o), this.get(end)),
          [
            this.set(xv, m.v128.load(V0, 4, this.get(o))),
            ...this.fireVec({ xv, mk, thv, bits, lane }, subtract, (l) => bump(index(this.add(m.i32.shr_u(this.get(o), this.c(2)), l))), shifts.length ? [] : [m.v128.store(V0, 4, this.get(o), this.get(xv))]),
            ...leakV(),
            this.inc(o, 16),
          ],
        ),
      );
    }
    // scalar path (the whole population, or the SIMD tail)
    const leakS = (): X[] => {
      if (!shifts.length) return [];
      const e = this.leaked(x, shifts);
      return [m.i32.store(V0, 4, this.get(o), e)];
    };
    out.push(
      this.set(end, m.i32.shl(this.get(active), this.c(2))),
      this.whileLoop(
        () => this.ltU(this.get(o), this.get(end)),
        [
          this.set(x, m.i32.load(V0, 4, this.get(o))),
          m.if(
            m.i32.ge_s(this.get(x), this.get(theta)),
            this.block([
              this.set(x, subtract ? m.i32.sub(this.get(x), this.get(theta)) : this.c(0)),
              ...bump(index(m.i32.shr_u(this.get(o), this.c(2)))),
              ...(shifts.length ? [] : [m.i32.store(V0, 4, this.get(o), this.get(x))]),
            ]),
          ),
          ...leakS(),
          this.inc(o, 4),
        ],
      ),
    );
    return out;
  }

  /**
   * fireLoop for a compile-time count of membranes (a scan's `channels`), fully unrolled:
   * every chunk at a constant address, no loop counter. Same order of spikes and effects.
   */
  private fireUnrolled(f: Fn, pop: PopPlan, L: FireLocals, idxBase: Local, count: number): X[] {
    const m = this.m;
    const V0 = pop.vAddr;
    const { theta, lw, x } = L;
    const shifts = pop.leakShifts;
    const subtract = pop.node.reset === 'subtract';
    const out: X[] = [];
    const idx = (k: number, extra?: X): X => {
      const b = k === 0 ? this.get(idxBase) : this.add(this.get(idxBase), this.c(k));
      return extra ? this.add(b, extra) : b;
    };
    let k0 = 0;
    if (this.simd) {
      const thv = f.local(binaryen.v128);
      const xv = f.local(binaryen.v128);
      const mk = f.local(binaryen.v128);
      const bits = f.local(binaryen.i32);
      out.push(this.set(thv, m.i32x4.splat(this.get(theta))));
      for (; k0 + 4 <= count; k0 += 4) {
        const a = V0 + 4 * k0;
        const lane = this.lab('B');
        let leaked: X | null = null;
        if (shifts.length) {
          const e = this.leakedV(xv, shifts);
          leaked = e;
        }
        out.push(
          this.set(xv, m.v128.load(a, 4, this.c(0))),
          ...this.fireVec({ xv, mk, thv, bits, lane }, subtract, (l) => this.append(lw, idx(k0, l)), leaked ? [] : [m.v128.store(a, 4, this.c(0), this.get(xv))]),
          ...(leaked ? [m.v128.store(a, 4, this.c(0), leaked)] : []),
        );
      }
    }
    for (let k = k0; k < count; k++) {
      const a = V0 + 4 * k;
      let e = this.get(x);
      for (const s of shifts) e = m.i32.sub(e, m.i32.shr_s(this.get(x), this.c(s)));
      out.push(
        this.set(x, m.i32.load(a, 4, this.c(0))),
        m.if(
          m.i32.ge_s(this.get(x), this.get(theta)),
          this.block([
            this.set(x, subtract ? m.i32.sub(this.get(x), this.get(theta)) : this.c(0)),
            ...this.append(lw, idx(k)),
            ...(shifts.length ? [] : [m.i32.store(a, 4, this.c(0), this.get(x))]),
          ]),
        ),
        ...(shifts.length ? [m.i32.store(a, 4, this.c(0), e)] : []),
      );
    }
    return out;
  }

  /** Spike-list count and the population's spike counter, from the final write pointer. */
  private closeList(pop: PopPlan, lw: Local): X[] {
    const m = this.m;
    const cnt = (): X => m.i32.shr_u(m.i32.sub(this.get(lw), this.c(pop.list.dataAddr)), this.c(2));
    return [m.i32.store(0, 4, this.c(pop.list.cntAddr), cnt()), this.gaddI64(`spikes${pop.index}`, m.i64.extend_u(cnt()))];
  }

  /** One step's fire/reset/next-leak of a (non-scan) spiking population. */
  private fire(f: Fn, pop: PopPlan, n: Local): X[] {
    const m = this.m;
    const node = pop.node;
    const L = this.fireLocals(f);
    return [
      this.set(L.active, node.perPosition ? m.i32.mul(this.get(n), this.c(node.channels)) : this.c(node.channels)),
      this.set(L.theta, pop.pooled ? m.i32.mul(this.get(n), this.c(node.threshold)) : this.c(node.threshold)),
      this.set(L.lw, this.c(pop.list.dataAddr)),
      ...this.fireLoop(f, pop, L, null),
      ...this.closeList(pop, L.lw),
    ];
  }

  /**
   * The leak alone, v -= sum(v >> k) over `count` membranes at V0: the first thing a
   * non-spiking population does in a step (it has no fire pass to fuse it with, and its
   * final membranes are read, so no leak may run after the last step).
   */
  /** x - sum(x >> k) over the shifts (docs/semantics.md "Leak"), of an i32 local. */
  private leaked(x: Local, shifts: readonly number[]): X {
    let e = this.get(x);
    for (const k of shifts) e = this.m.i32.sub(e, this.m.i32.shr_s(this.get(x), this.c(k)));
    return e;
  }

  /** The same leak, lane-wise, of a v128 local holding four i32. */
  private leakedV(xv: Local, shifts: readonly number[]): X {
    let e = this.get(xv);
    for (const k of shifts) e = this.m.i32x4.sub(e, this.m.i32x4.shr_s(this.get(xv), this.c(k)));
    return e;
  }

  private leakPass(f: Fn, pop: PopPlan, count: Ptr): X[] {
    const m = this.m;
    const shifts = pop.leakShifts;
    if (!shifts.length) return [];
    const V0 = pop.vAddr;
    const o = f.local(binaryen.i32);
    const end = f.local(binaryen.i32);
    const x = f.local(binaryen.i32);
    const out: X[] = [this.set(o, this.c(0))];
    if (this.simd) {
      const xv = f.local(binaryen.v128);
      const e = this.leakedV(xv, shifts);
      out.push(
        this.set(end, typeof count === 'number' ? this.c((count & ~3) * 4) : m.i32.shl(m.i32.and(this.get(count), this.c(~3)), this.c(2))),
        this.whileLoop(
          () => this.ltU(this.get(o), this.get(end)),
          [this.set(xv, m.v128.load(V0, 4, this.get(o))), m.v128.store(V0, 4, this.get(o), e), this.inc(o, 16)],
        ),
      );
    }
    const e = this.leaked(x, shifts);
    out.push(
      this.set(end, typeof count === 'number' ? this.c(count * 4) : m.i32.shl(this.get(count), this.c(2))),
      this.whileLoop(
        () => this.ltU(this.get(o), this.get(end)),
        [this.set(x, m.i32.load(V0, 4, this.get(o))), m.i32.store(V0, 4, this.get(o), e), this.inc(o, 4)],
      ),
    );
    return out;
  }

  /**
   * docs/semantics.md "Synaptic current": v += i over `count` neurons, then the current's leak
   * for the next step, i -= sum(i >> k), fused here as the membrane's leak is fused with fire
   * (nothing reads i between this pass and the next step's integration; it starts at zero).
   */
  private currentPass(f: Fn, pop: PopPlan, count: Local): X[] {
    const m = this.m;
    const shifts = pop.synShifts ?? [];
    const V0 = pop.vAddr;
    const I0 = pop.iAddr!;
    const o = f.local(binaryen.i32);
    const end = f.local(binaryen.i32);
    const x = f.local(binaryen.i32);
    const out: X[] = [this.set(o, this.c(0))];
    if (this.simd) {
      const xv = f.local(binaryen.v128);
      const e = this.leakedV(xv, shifts);
      out.push(
        this.set(end, m.i32.shl(m.i32.and(this.get(count), this.c(~3)), this.c(2))),
        this.whileLoop(
          () => this.ltU(this.get(o), this.get(end)),
          [
            this.set(xv, m.v128.load(I0, 4, this.get(o))),
            m.v128.store(V0, 4, this.get(o), m.i32x4.add(m.v128.load(V0, 4, this.get(o)), this.get(xv))),
            ...(shifts.length ? [m.v128.store(I0, 4, this.get(o), e)] : []),
            this.inc(o, 16),
          ],
        ),
      );
    }
    const e = this.leaked(x, shifts);
    out.push(
      this.set(end, m.i32.shl(this.get(count), this.c(2))),
      this.whileLoop(
        () => this.ltU(this.get(o), this.get(end)),
        [
          this.set(x, m.i32.load(I0, 4, this.get(o))),
          m.i32.store(V0, 4, this.get(o), m.i32.add(m.i32.load(V0, 4, this.get(o)), this.get(x))),
          ...(shifts.length ? [m.i32.store(I0, 4, this.get(o), e)] : []),
          this.inc(o, 4),
        ],
      ),
    );
    return out;
  }

  private lifFunction(pop: PopPlan): void {
    const m = this.m;
    if (pop.scan) return this.scanFunction(pop);
    const f = new Fn([binaryen.i32]);
    const n = f.param(0);
    const body: X[] = [];
    // with the state trace (graphs compiled without readout, global populations only) the leaks run
    // at the start of the step, not fused into the previous step's passes, so the membranes and
    // currents in memory at the end of a step are the step's own (docs/wasm.md "Graphs without readout")
    const unfused = this.traceState;
    if (!pop.spiking || unfused) {
      const active = f.local(binaryen.i32);
      body.push(this.set(active, pop.node.perPosition ? m.i32.mul(this.get(n), this.c(pop.node.channels)) : this.c(pop.node.channels)));
      body.push(...this.leakPass(f, pop, active));
      if (unfused && pop.iAddr !== undefined) body.push(...this.leakPass(f, { ...pop, vAddr: pop.iAddr, leakShifts: pop.synShifts ?? [] }, active));
    }
    for (const s of pop.inputs) {
      if (s.grouped) {
        body.push(...this.integrateGrouped(f, s, n));
        continue;
      }
      const rows = f.local(binaryen.i32);
      const nnz = f.local(binaryen.i64);
      body.push(this.set(rows, this.c(0)));
      body.push(...this.integrate(f, s, n, rows, nnz));
      body.push(this.gaddI64(`rows${s.index}`, s.table.layout === 'sparse' ? this.get(nnz) : m.i64.extend_u(this.get(rows))));
    }
    if (pop.iAddr !== undefined) {
      const active = f.local(binaryen.i32);
      body.push(this.set(active, pop.node.perPosition ? m.i32.mul(this.get(n), this.c(pop.node.channels)) : this.c(pop.node.channels)));
      body.push(...this.currentPass(f, unfused ? { ...pop, synShifts: [] } : pop, active));
    }
    if (pop.spiking) body.push(...this.fire(f, unfused ? { ...pop, leakShifts: [] } : pop, n));
    m.addFunction(`lif${pop.index}`, binaryen.createType([binaryen.i32]), binaryen.none, f.vars, this.block(body));
  }

  /**
   * One step of a scan population (docs/semantics.md "Scans"), positions in one loop inside
   * one function: v = 0; then per position (scan order) integrate the position-wise inputs
   * at that position and the self-recurrent input from the previous visited position's
   * spikes, then fire/reset/next-leak into the population's spike list.
   *
   * Position-wise inputs walk their source's spike list with a cursor: every list is grouped
   * by position, ascending (encoders, ordinary populations, forward scans) or descending
   * (backward scans), so a cursor moving through it in the scan's order meets exactly the
   * spikes of the current position next. The self-recurrence reads the list segment
   * [ra, rb) this scan appended at the previous position.
   */
  private scanFunction(pop: PopPlan): void {
    const m = this.m;
    const f = new Fn([binaryen.i32]);
    const n = f.param(0);
    const node = pop.node;
    const C = node.channels;
    const V0 = pop.vAddr;
    const backward = pop.scan === 'backward';
    const L = this.fireLocals(f);
    const k = f.local(binaryen.i32); // positions left
    const pos = f.local(binaryen.i32);
    const base = f.local(binaryen.i32); // pos * C
    const prevBase = f.local(binaryen.i32); // previous position * C
    const ra = f.local(binaryen.i32);
    const rb = f.local(binaryen.i32);
    const start = pop.list.dataAddr;
    const body: X[] = [
      m.memory.fill(this.c(V0), this.c(0), this.c(C * 4)),
      this.set(L.active, this.c(C)),
      this.set(L.theta, pop.pooled ? m.i32.mul(this.get(n), this.c(node.threshold)) : this.c(node.threshold)),
      this.set(L.lw, this.c(start)),
      this.set(ra, this.c(start)),
      this.set(rb, this.c(start)),
      this.set(pos, backward ? m.i32.sub(this.get(n), this.c(1)) : this.c(0)),
      this.set(base, m.i32.mul(this.get(pos), this.c(C))),
      this.set(prevBase, this.c(0)),
      this.set(k, this.get(n)),
    ];
    const perPos: X[] = [];
    if (!pop.spiking) perPos.push(...this.leakPass(f, pop, C));
    const tail: X[] = [];
    for (const s of pop.inputs) {
      const tp = s.table;
      const sparse = tp.layout === 'sparse';
      const stride = tp.paddedRow * (tp.weightBits / 8);
      const Cin = s.srcChannels;
      const rows = f.local(binaryen.i32);
      const nnz = f.local(binaryen.i64);
      const wPtr = f.local(binaryen.i32);
      const row = f.local(binaryen.i32);
      const e = f.local(binaryen.i32);
      const cc = f.local(binaryen.i32);
      body.push(this.set(rows, this.c(0)));
      const addRow = (): X[] => [
        sparse ? this.set(row, this.get(cc)) : this.set(wPtr, this.add(this.c(tp.weightsAddr), m.i32.mul(this.get(cc), this.c(stride)))),
        ...(sparse ? this.rowAddSparse(f, tp, row, V0, nnz) : this.rowAddDense(f, tp, wPtr, V0)),
        this.inc(rows, 1),
      ];
      if (s.scanSelf) {
        const q = f.local(binaryen.i32);
        perPos.push(
          this.set(q, this.get(ra)),
          this.whileLoop(
            () => this.ltU(this.get(q), this.get(rb)),
            [this.set(cc, m.i32.sub(m.i32.load(0, 4, this.get(q)), this.get(prevBase))), ...addRow(), this.inc(q, 4)],
          ),
        );
      } else {
        // walk up the list when its position order is the scan's, down otherwise
        const up = (s.srcOrder === 'asc') === !backward;
        const cur = f.local(binaryen.i32);
        const lim = f.local(binaryen.i32);
        const sb = f.local(binaryen.i32);
        const L0 = s.srcList.dataAddr;
        const endX = (): X => this.add(this.c(L0), m.i32.shl(m.i32.load(0, 4, this.c(s.srcList.cntAddr)), this.c(2)));
        body.push(up ? this.set(cur, this.c(L0)) : this.set(cur, m.i32.sub(endX(), this.c(4))), this.set(lim, up ? endX() : this.c(L0)));
        const done = this.lab('D');
        const l = this.lab('S');
        perPos.push(
          this.set(sb, Cin === C ? this.get(base) : m.i32.mul(this.get(pos), this.c(Cin))),
          m.block(done, [
            m.loop(
              l,
              this.block([
                m.br(done, up ? m.i32.ge_u(this.get(cur), this.get(lim)) : m.i32.lt_u(this.get(cur), this.get(lim))),
                this.set(e, m.i32.load(0, 4, this.get(cur))),
                // the next spike is at a later position (in scan order): this position is done
                m.br(done, backward ? m.i32.lt_u(this.get(e), this.get(sb)) : m.i32.ge_u(this.get(e), this.add(this.get(sb), this.c(Cin)))),
                this.set(cc, m.i32.sub(this.get(e), this.get(sb))),
                ...addRow(),
                this.set(cur, up ? this.add(this.get(cur), this.c(4)) : m.i32.sub(this.get(cur), this.c(4))),
                m.br(l),
              ]),
            ),
          ]),
        );
      }
      tail.push(this.gaddI64(`rows${s.index}`, sparse ? this.get(nnz) : m.i64.extend_u(this.get(rows))));
    }
    if (pop.spiking) {
      // small scans (the usual case) fire fully unrolled; the spike counts of a readout never apply (scans are per position)
      const unroll = pop.countsAddr === undefined && C <= (this.simd ? UNROLL_FIRE_SIMD : UNROLL_FIRE_SCALAR);
      perPos.push(
        this.set(ra, this.get(L.lw)),
        ...(unroll ? this.fireUnrolled(f, pop, L, base, C) : this.fireLoop(f, pop, L, base)),
        this.set(rb, this.get(L.lw)),
        this.set(prevBase, this.get(base)),
      );
    }
    const step = backward ? -1 : 1;
    perPos.push(
      this.set(pos, this.add(this.get(pos), this.c(step))),
      this.set(base, this.add(this.get(base), this.c(step * C))),
      this.set(k, m.i32.sub(this.get(k), this.c(1))),
    );
    const lp = this.lab('P');
    // n >= 1 (infer checks it): a do-while over positions
    body.push(m.loop(lp, this.block([...perPos, m.br(lp, this.get(k))])));
    body.push(...tail);
    if (pop.spiking) body.push(...this.closeList(pop, L.lw));
    m.addFunction(`lif${pop.index}`, binaryen.createType([binaryen.i32]), binaryen.none, f.vars, this.block(body));
  }

  // ------------------------------------------------------------------ level-grouped schedule
  // docs/semantics.md "Level-grouped input schedule", docs/wasm.md "Grouped synapses".

  /** v[vPtr + 4k] += H[hPtr + 4k] for the padded width of a grouped synapse's H row. */
  private hRowAdd(f: Fn, g: GroupedPlan, hPtr: Local, vPtr: Local): X[] {
    const m = this.m;
    const P = g.paddedWidth;
    const out: X[] = [];
    const step = this.simd ? 4 : 1;
    const one = (hp: Local, vp: Local, off: number): X =>
      this.simd
        ? m.v128.store(off, 4, this.get(vp), m.i32x4.add(m.v128.load(off, 4, this.get(vp)), m.v128.load(off, 4, this.get(hp))))
        : m.i32.store(off, 4, this.get(vp), this.add(m.i32.load(off, 4, this.get(vp)), m.i32.load(off, 4, this.get(hp))));
    if (P / step <= 32) {
      for (let k = 0; k < P; k += step) out.push(one(hPtr, vPtr, 4 * k));
      return out;
    }
    // long rows: 16 entries per iteration (P is a multiple of 4; the remainder after)
    const hp = f.local(binaryen.i32);
    const vp = f.local(binaryen.i32);
    const cnt = f.local(binaryen.i32);
    const l = this.lab('H');
    const n16 = Math.floor(P / 16);
    const body: X[] = [];
    for (let k = 0; k < 16; k += step) body.push(one(hp, vp, 4 * k));
    out.push(
      this.set(hp, this.get(hPtr)),
      this.set(vp, this.get(vPtr)),
      this.set(cnt, this.c(n16)),
      m.loop(l, this.block([...body, this.inc(hp, 64), this.inc(vp, 64), this.set(cnt, m.i32.sub(this.get(cnt), this.c(1))), m.br(l, this.get(cnt))])),
    );
    for (let k = 16 * n16; k < P; k += step) out.push(one(hp, vp, 4 * (k - 16 * n16)));
    return out;
  }

  /**
   * A grouped synapse's turn in its target's step: for each target row, for each level that
   * spikes this step (the encoder's level list, increasing), add H[r][L] if present.
   */
  private integrateGrouped(f: Fn, s: SynapsePlan, n: Local): X[] {
    const m = this.m;
    const g = s.grouped!;
    const clock = g.enc.clock!;
    const cnt = f.local(binaryen.i32);
    const rows = f.local(binaryen.i32);
    const vp = f.local(binaryen.i32);
    const hp = f.local(binaryen.i32);
    const pp = f.local(binaryen.i32);
    const i = f.local(binaryen.i32);
    const L = f.local(binaryen.i32);
    const hr = f.local(binaryen.i32);
    const added = f.local(binaryen.i32);
    const lr = this.lab('G');
    const ll = this.lab('G');
    return [
      this.set(added, this.c(0)),
      this.set(cnt, m.i32.shl(m.i32.load(0, 4, this.c(clock.listCntAddr)), this.c(2))),
      m.if(
        this.get(cnt),
        this.block([
          this.set(rows, g.perPosition ? this.get(n) : this.c(1)),
          this.set(vp, this.c(s.target.iAddr ?? s.target.vAddr)),
          this.set(hp, this.c(g.hAddr - g.stride)),
          this.set(pp, this.c(g.presentAddr - 1)),
          m.loop(
            lr,
            this.block([
              this.set(i, this.c(0)),
              m.loop(
                ll,
                this.block([
                  this.set(L, m.i32.load(clock.listAddr, 4, this.get(i))),
                  m.if(
                    m.i32.load8_u(0, 1, this.add(this.get(pp), this.get(L))),
                    this.block([this.set(hr, this.add(this.get(hp), m.i32.mul(this.get(L), this.c(g.stride)))), ...this.hRowAdd(f, g, hr, vp), this.inc(added, 1)]),
                  ),
                  this.inc(i, 4),
                  m.br(ll, this.ltU(this.get(i), this.get(cnt))),
                ]),
              ),
              this.inc(vp, g.width * 4),
              this.inc(hp, g.top * g.stride),
              this.inc(pp, g.top),
              this.set(rows, m.i32.sub(this.get(rows), this.c(1))),
              m.br(lr, this.get(rows)),
            ]),
          ),
        ]),
      ),
      this.gaddI64(`rows${s.index}`, m.i64.extend_u(this.get(added))),
    ];
  }

  /**
   * `form<k>(n)`: forms a grouped synapse's sums once per inference, table rows outermost.
   * Per source channel c it lists the positions whose level is live (their H row and present
   * flag offsets at tap 0, and their row r0); per tap j the valid entries are a contiguous
   * range of that list (conv1d: j <= r0 < n + j). Each 16-weight chunk of table row
   * j*Cin + c is loaded once and added into the H row of every valid entry. Sets the
   * synapse's forming counters: sops (entries per contribution) and bytes (each used row once).
   */
  private formFunction(s: SynapsePlan): void {
    const m = this.m;
    const g = s.grouped!;
    const tp = s.table;
    const e = g.enc;
    const f = new Fn([binaryen.i32]);
    const n = f.param(0);
    const i32 = binaryen.i32;
    const Cin = s.srcChannels;
    const conv = s.node.kind === 'conv1d';
    const W = s.node.kind === 'conv1d' ? s.node.width : 1;
    const left = (W - 1) >> 1;
    const wb = tp.weightBits / 8;
    const strideW = tp.paddedRow * wb;
    const sparse = tp.layout === 'sparse';
    const rowsN = f.local(i32);
    const c = f.local(i32);
    const lo = f.local(i32); // level pointer of (p, c)
    const p = f.local(i32);
    const L = f.local(i32);
    const r0 = f.local(i32);
    const k0 = f.local(i32);
    const lw = f.local(i32);
    const a = f.local(i32);
    const b = f.local(i32);
    const j = f.local(i32);
    const jh = f.local(i32);
    const jp = f.local(i32);
    const row = f.local(i32);
    const q = f.local(i32);
    const h = f.local(i32);
    const wPtr = f.local(i32);
    const fs = f.local(binaryen.i64);
    const fb = f.local(binaryen.i64);
    const S = g.scratchAddr;
    const positions = e.perPosition ? this.get(n) : this.c(1);
    const body: X[] = [
      this.set(rowsN, g.perPosition ? this.get(n) : this.c(1)),
      m.memory.fill(this.c(g.hAddr), this.c(0), m.i32.mul(this.get(rowsN), this.c(g.top * g.stride))),
      m.memory.fill(this.c(g.presentAddr), this.c(0), m.i32.mul(this.get(rowsN), this.c(g.top))),
      this.set(fs, this.c64(0)),
      this.set(fb, this.c64(0)),
      this.set(c, this.c(0)),
    ];
    // ---- gather the live inputs of channel c
    const rowOf = (): X => (conv ? this.add(this.get(p), this.c(left)) : g.perPosition ? this.get(p) : this.c(0));
    const gather: X[] = [
      this.set(lw, this.c(S)),
      this.set(p, this.c(0)),
      this.set(lo, m.i32.shl(this.get(c), this.c(2))),
      this.whileLoop(
        () => m.i32.lt_s(this.get(p), positions),
        [
          this.set(L, m.i32.load(e.levelAddr, 4, this.get(lo))),
          m.if(
            m.i32.ge_s(this.get(L), this.c(g.minLive)),
            this.block([
              this.set(r0, rowOf()),
              this.set(k0, this.add(m.i32.mul(this.get(r0), this.c(g.top)), m.i32.sub(this.get(L), this.c(1)))),
              m.i32.store(0, 4, this.get(lw), m.i32.mul(this.get(k0), this.c(g.stride))),
              m.i32.store(4, 4, this.get(lw), this.get(k0)),
              m.i32.store(8, 4, this.get(lw), this.get(r0)),
              this.inc(lw, 16),
            ]),
          ),
          this.inc(lo, Cin * 4),
          this.inc(p, 1),
        ],
      ),
    ];
    // ---- one tap: the valid entries [a, b), counters, flags, and the row into every entry
    const entries = (): X =>
      sparse
        ? m.i64.extend_u(m.i32.sub(m.i32.load(tp.rowStartAddr + 4, 4, m.i32.shl(this.get(row), this.c(2))), m.i32.load(tp.rowStartAddr, 4, m.i32.shl(this.get(row), this.c(2)))))
        : this.c64(tp.rowLength);
    const validCount = (): X => m.i64.extend_u(m.i32.shr_u(m.i32.sub(this.get(b), this.get(a)), this.c(4)));
    const forEntry = (body: X[]): X => {
      const l = this.lab('F');
      // a < b here: a do-while over the entries
      return this.block([this.set(q, this.get(a)), m.loop(l, this.block([this.set(h, m.i32.sub(m.i32.load(0, 4, this.get(q)), this.get(jh))), ...body, this.inc(q, 16), m.br(l, this.ltU(this.get(q), this.get(b)))]))]);
    };
    const addRow: X[] = [];
    if (sparse) {
      const x = f.local(i32);
      const xe = f.local(i32);
      const t4 = f.local(i32);
      const w = f.local(i32);
      const wIndex = (): X => (wb === 1 ? this.get(x) : m.i32.shl(this.get(x), this.c(wb === 2 ? 1 : 2)));
      addRow.push(
        this.set(x, m.i32.load(tp.rowStartAddr, 4, m.i32.shl(this.get(row), this.c(2)))),
        this.set(xe, m.i32.load(tp.rowStartAddr + 4, 4, m.i32.shl(this.get(row), this.c(2)))),
        this.whileLoop(
          () => this.ltU(this.get(x), this.get(xe)),
          [
            this.set(t4, m.i32.shl(m.i32.load16_u(tp.targetAddr, 2, m.i32.shl(this.get(x), this.c(1))), this.c(2))),
            this.set(w, this.loadW(wb, tp.weightsAddr, wIndex())),
            forEntry([m.i32.store(g.hAddr, 4, this.add(this.get(h), this.get(t4)), this.add(m.i32.load(g.hAddr, 4, this.add(this.get(h), this.get(t4))), this.get(w)))]),
            this.inc(x, 1),
          ],
        ),
      );
    } else if (this.simd) {
      const wv = f.local(binaryen.v128);
      const xs = [0, 1, 2, 3].map(() => f.local(binaryen.v128));
      const addAt = (off: number, x: Local): X => m.v128.store(off, 4, this.get(h), m.i32x4.add(m.v128.load(off, 4, this.get(h)), this.get(x)));
      const load16 = (ow: number): X[] => {
        if (wb === 1)
          return [
            this.set(wv, m.v128.load(ow, 1, this.get(wPtr))),
            this.set(xs[1], m.i16x8.extend_low_i8x16_s(this.get(wv))),
            this.set(xs[3], m.i16x8.extend_high_i8x16_s(this.get(wv))),
            this.set(xs[0], m.i32x4.extend_low_i16x8_s(this.get(xs[1]))),
            this.set(xs[1], m.i32x4.extend_high_i16x8_s(this.get(xs[1]))),
            this.set(xs[2], m.i32x4.extend_low_i16x8_s(this.get(xs[3]))),
            this.set(xs[3], m.i32x4.extend_high_i16x8_s(this.get(xs[3]))),
          ];
        if (wb === 2)
          return [
            this.set(xs[1], m.v128.load(ow, 2, this.get(wPtr))),
            this.set(xs[3], m.v128.load(ow + 16, 2, this.get(wPtr))),
            this.set(xs[0], m.i32x4.extend_low_i16x8_s(this.get(xs[1]))),
            this.set(xs[1], m.i32x4.extend_high_i16x8_s(this.get(xs[1]))),
            this.set(xs[2], m.i32x4.extend_low_i16x8_s(this.get(xs[3]))),
            this.set(xs[3], m.i32x4.extend_high_i16x8_s(this.get(xs[3]))),
          ];
        return xs.map((x, k) => this.set(x, m.v128.load(ow + 16 * k, 4, this.get(wPtr))));
      };
      const load4 = (ow: number): X => {
        if (wb === 1) return this.set(xs[0], m.i32x4.extend_low_i16x8_s(m.i16x8.extend_low_i8x16_s(m.v128.load32_zero(ow, 1, this.get(wPtr)))));
        if (wb === 2) return this.set(xs[0], m.v128.load16x4_s(ow, 2, this.get(wPtr)));
        return this.set(xs[0], m.v128.load(ow, 4, this.get(wPtr)));
      };
      const P = tp.paddedRow;
      const n16 = Math.floor(P / 16);
      const n4 = (P - 16 * n16) / 4;
      if (n16 <= UNROLL_CHUNKS) {
        for (let k = 0; k < n16; k++) addRow.push(...load16(16 * k * wb), forEntry(xs.map((x, i) => addAt(g.hAddr + 64 * k + 16 * i, x))));
      } else {
        // long rows: a loop over 16-entry chunks; hc is the chunk's byte offset in the H row
        const hc = f.local(i32);
        const cnt = f.local(i32);
        const l = this.lab('C');
        addRow.push(
          this.set(hc, this.c(0)),
          this.set(cnt, this.c(n16)),
          m.loop(
            l,
            this.block([
              ...load16(0),
              forEntry([this.set(h, this.add(this.get(h), this.get(hc))), ...xs.map((x, i) => addAt(g.hAddr + 16 * i, x))]),
              this.inc(wPtr, 16 * wb),
              this.inc(hc, 64),
              this.set(cnt, m.i32.sub(this.get(cnt), this.c(1))),
              m.br(l, this.get(cnt)),
            ]),
          ),
          this.set(wPtr, m.i32.sub(this.get(wPtr), this.c(16 * wb * n16))),
        );
      }
      for (let k = 0; k < n4; k++) addRow.push(load4((16 * n16 + 4 * k) * wb), forEntry([addAt(g.hAddr + 4 * (16 * n16 + 4 * k), xs[0])]));
    } else {
      // scalar: four weights at a time, each group added into every entry
      const ws = [0, 1, 2, 3].map(() => f.local(i32));
      const addAt = (off: number, w: Local): X => m.i32.store(off, 4, this.get(h), this.add(m.i32.load(off, 4, this.get(h)), this.get(w)));
      const P = tp.paddedRow;
      const groups = P / 4;
      const group = (ow: number, oh: number): X[] => [...ws.map((w, k) => this.set(w, this.loadW(wb, ow + k * wb, this.get(wPtr)))), forEntry(ws.map((w, k) => addAt(oh + 4 * k, w)))];
      if (groups <= 8) for (let k = 0; k < groups; k++) addRow.push(...group(4 * k * wb, g.hAddr + 16 * k));
      else {
        const hc = f.local(i32);
        const cnt = f.local(i32);
        const l = this.lab('C');
        addRow.push(
          this.set(hc, this.c(0)),
          this.set(cnt, this.c(groups)),
          m.loop(
            l,
            this.block([
              ...ws.map((w, k) => this.set(w, this.loadW(wb, k * wb, this.get(wPtr)))),
              forEntry([this.set(h, this.add(this.get(h), this.get(hc))), ...ws.map((w, k) => addAt(g.hAddr + 4 * k, w))]),
              this.inc(wPtr, 4 * wb),
              this.inc(hc, 16),
              this.set(cnt, m.i32.sub(this.get(cnt), this.c(1))),
              m.br(l, this.get(cnt)),
            ]),
          ),
        );
      }
    }
    const rowBytes = (): X => (sparse ? m.i64.mul(entries(), this.c64(2 + wb)) : this.c64(tp.rowLength * wb));
    const tap: X[] = [
      this.set(a, this.c(S)),
      this.set(b, this.get(lw)),
      ...(conv
        ? [
            // entries with r0 < j (target position < 0) are at the front, r0 >= n + j (>= n) at the back
            this.whileLoop(() => m.i32.and(this.ltU(this.get(a), this.get(b)), m.i32.lt_s(m.i32.load(8, 4, this.get(a)), this.get(j))), [this.inc(a, 16)]),
            this.whileLoop(
              () => m.i32.and(this.ltU(this.get(a), this.get(b)), m.i32.ge_s(m.i32.load(0, 4, m.i32.sub(this.get(b), this.c(8))), this.add(this.get(n), this.get(j)))),
              [this.set(b, m.i32.sub(this.get(b), this.c(16)))],
            ),
          ]
        : []),
      m.if(
        this.ltU(this.get(a), this.get(b)),
        this.block([
          this.set(row, this.add(m.i32.mul(this.get(j), this.c(Cin)), this.get(c))),
          this.set(fs, m.i64.add(this.get(fs), m.i64.mul(validCount(), entries()))),
          this.set(fb, m.i64.add(this.get(fb), rowBytes())),
          forEntry([m.i32.store8(g.presentAddr, 1, m.i32.sub(m.i32.load(4, 4, this.get(q)), this.get(jp)), this.c(1))]),
          ...(sparse ? [] : [this.set(wPtr, this.add(this.c(tp.weightsAddr), m.i32.mul(this.get(row), this.c(strideW))))]),
          ...addRow,
        ]),
      ),
    ];
    const lj = this.lab('J');
    const lc = this.lab('K');
    body.push(
      m.loop(
        lc,
        this.block([
          ...gather,
          m.if(
            m.i32.ne(this.get(lw), this.c(S)),
            this.block([
              this.set(j, this.c(0)),
              this.set(jh, this.c(0)),
              this.set(jp, this.c(0)),
              m.loop(lj, this.block([...tap, this.inc(j, 1), this.inc(jh, g.top * g.stride), this.inc(jp, g.top), m.br(lj, m.i32.lt_s(this.get(j), this.c(W)))])),
            ]),
          ),
          this.inc(c, 1),
          m.br(lc, m.i32.lt_s(this.get(c), this.c(Cin))),
        ]),
      ),
      m.global.set(`fsops${s.index}`, this.get(fs)),
      m.global.set(`fbytes${s.index}`, this.get(fb)),
    );
    m.addFunction(`form${s.index}`, binaryen.createType([binaryen.i32]), binaryen.none, f.vars, this.block(body));
  }

  // ------------------------------------------------------------------ encoders
  /**
   * One step of an encoder's level clock (grouped consumers): acc[L] += L for L = 1..top; the
   * levels reaching top are listed (increasing) for the grouped synapses. Without an
   * event-driven consumer there is no spike list to build: the input spikes of the step are
   * the inputs of the listed levels, hist[L] each.
   */
  private clockStep(f: Fn, e: EncoderPlan, countInputs: boolean): X[] {
    const m = this.m;
    const k = e.clock!;
    const L = f.local(binaryen.i32);
    const a = f.local(binaryen.i32);
    const lw = f.local(binaryen.i32);
    const ins = f.local(binaryen.i32);
    const l = this.lab('K');
    return [
      this.set(L, this.c(1)),
      this.set(lw, this.c(k.listAddr)),
      ...(countInputs ? [this.set(ins, this.c(0))] : []),
      m.loop(
        l,
        this.block([
          this.set(a, this.add(m.i32.load(k.accAddr, 4, m.i32.shl(this.get(L), this.c(2))), this.get(L))),
          m.if(
            m.i32.ge_s(this.get(a), this.c(e.top)),
            this.block([
              this.set(a, m.i32.sub(this.get(a), this.c(e.top))),
              ...this.append(lw, this.get(L)),
              ...(countInputs ? [this.incX(ins, m.i32.load(k.histAddr, 4, m.i32.shl(this.get(L), this.c(2))))] : []),
            ]),
          ),
          m.i32.store(k.accAddr, 4, m.i32.shl(this.get(L), this.c(2)), this.get(a)),
          this.inc(L, 1),
          m.br(l, m.i32.le_s(this.get(L), this.c(e.top))),
        ]),
      ),
      m.i32.store(0, 4, this.c(k.listCntAddr), m.i32.shr_u(m.i32.sub(this.get(lw), this.c(k.listAddr)), this.c(2))),
      ...(countInputs ? [this.gaddI64('inSpikes', m.i64.extend_u(this.get(ins)))] : []),
    ];
  }

  private encoderFunction(e: EncoderPlan): void {
    const m = this.m;
    const f = new Fn([binaryen.i32]);
    const n = f.param(0);
    if (e.direct) {
      this.directEncoderFunction(e);
      return;
    }
    if (e.clock && !e.eventConsumers) {
      // only grouped synapses read it: the level clock is the whole step
      m.addFunction(`enc${e.index}`, binaryen.createType([binaryen.i32]), binaryen.none, f.vars, this.block(this.clockStep(f, e, true)));
      return;
    }
    const size = f.local(binaryen.i32);
    const o = f.local(binaryen.i32);
    const end = f.local(binaryen.i32);
    const lw = f.local(binaryen.i32);
    const a = f.local(binaryen.i32);
    const body: X[] = [
      this.set(size, e.perPosition ? m.i32.mul(this.get(n), this.c(e.dim)) : this.c(e.dim)),
      this.set(lw, this.c(e.list.dataAddr)),
      this.set(o, this.c(0)),
      this.set(end, m.i32.shl(this.get(size), this.c(2))),
    ];
    if (e.node.scheme === 'poisson') {
      const r = f.local(binaryen.i32);
      body.push(
        this.set(r, m.global.get('rng', binaryen.i32)),
        this.whileLoop(
          () => this.ltU(this.get(o), this.get(end)),
          [
            this.set(r, m.i32.xor(this.get(r), m.i32.shl(this.get(r), this.c(13)))),
            this.set(r, m.i32.xor(this.get(r), m.i32.shr_u(this.get(r), this.c(17)))),
            this.set(r, m.i32.xor(this.get(r), m.i32.shl(this.get(r), this.c(5)))),
            m.if(
              this.ltU(m.i32.shr_u(this.get(r), this.c(16)), m.i32.load(e.cutsAddr, 4, m.i32.shl(m.i32.load(e.levelAddr, 4, this.get(o)), this.c(2)))),
              this.block(this.append(lw, m.i32.shr_u(this.get(o), this.c(2)))),
            ),
            this.inc(o, 4),
          ],
        ),
        m.global.set('rng', this.get(r)),
      );
    } else {
      if (this.simd) {
        const topv = f.local(binaryen.v128);
        const av = f.local(binaryen.v128);
        const mk = f.local(binaryen.v128);
        const bits = f.local(binaryen.i32);
        const end4 = f.local(binaryen.i32);
        const lane = this.lab('B');
        body.push(
          this.set(topv, m.i32x4.splat(this.c(e.top))),
          this.set(end4, m.i32.and(this.get(end), this.c(~15))),
          this.whileLoop(
            () => this.ltU(this.get(o), this.get(end4)),
            [
              this.set(av, m.i32x4.add(m.v128.load(e.accAddr, 4, this.get(o)), m.v128.load(e.levelAddr, 4, this.get(o)))),
              this.set(mk, m.i32x4.ge_s(this.get(av), this.get(topv))),
              m.v128.store(e.accAddr, 4, this.get(o), m.i32x4.sub(this.get(av), m.v128.and(this.get(mk), this.get(topv)))),
              m.if(
                m.v128.any_true(this.get(mk)),
                this.block([
                  this.set(bits, m.i32x4.bitmask(this.get(mk))),
                  m.loop(
                    lane,
                    this.block([
                      ...this.append(lw, this.add(m.i32.shr_u(this.get(o), this.c(2)), m.i32.ctz(this.get(bits)))),
                      this.set(bits, m.i32.and(this.get(bits), m.i32.sub(this.get(bits), this.c(1)))),
                      m.br(lane, this.get(bits)),
                    ]),
                  ),
                ]),
              ),
              this.inc(o, 16),
            ],
          ),
        );
      }
      body.push(
        this.whileLoop(
          () => this.ltU(this.get(o), this.get(end)),
          [
            this.set(a, this.add(m.i32.load(e.accAddr, 4, this.get(o)), m.i32.load(e.levelAddr, 4, this.get(o)))),
            m.if(
              m.i32.ge_s(this.get(a), this.c(e.top)),
              this.block([this.set(a, m.i32.sub(this.get(a), this.c(e.top))), ...this.append(lw, m.i32.shr_u(this.get(o), this.c(2)))]),
            ),
            m.i32.store(e.accAddr, 4, this.get(o), this.get(a)),
            this.inc(o, 4),
          ],
        ),
      );
    }
    const cnt = m.i32.shr_u(m.i32.sub(this.get(lw), this.c(e.list.dataAddr)), this.c(2));
    const cnt2 = m.i32.shr_u(m.i32.sub(this.get(lw), this.c(e.list.dataAddr)), this.c(2));
    body.push(m.i32.store(0, 4, this.c(e.list.cntAddr), cnt), this.gaddI64('inSpikes', m.i64.extend_u(cnt2)));
    if (e.clock) body.push(...this.clockStep(f, e, false));
    m.addFunction(`enc${e.index}`, binaryen.createType([binaryen.i32]), binaryen.none, f.vars, this.block(body));
  }

  /**
   * A direct spike input's step (docs/semantics.md "Encoders"): the next row of u8 counts
   * (global din<i> points at it), channel c listed once per spike. Counts were checked <= top
   * by infer before the first step, so the list never outgrows its dim * top capacity.
   */
  private directEncoderFunction(e: EncoderPlan): void {
    const m = this.m;
    const f = new Fn([binaryen.i32]);
    const row = f.local(binaryen.i32);
    const c = f.local(binaryen.i32);
    const k = f.local(binaryen.i32);
    const lw = f.local(binaryen.i32);
    const g = `din${e.index}`;
    const body: X[] = [
      this.set(row, m.global.get(g, binaryen.i32)),
      this.set(lw, this.c(e.list.dataAddr)),
      this.set(c, this.c(0)),
      this.whileLoop(
        () => m.i32.lt_s(this.get(c), this.c(e.dim)),
        [
          this.set(k, m.i32.load8_u(0, 1, this.add(this.get(row), this.get(c)))),
          this.whileLoop(() => m.i32.gt_s(this.get(k), this.c(0)), [...this.append(lw, this.get(c)), this.set(k, m.i32.sub(this.get(k), this.c(1)))]),
          this.inc(c, 1),
        ],
      ),
      m.global.set(g, this.add(this.get(row), this.c(e.dim))),
    ];
    const cnt = (): X => m.i32.shr_u(m.i32.sub(this.get(lw), this.c(e.list.dataAddr)), this.c(2));
    body.push(m.i32.store(0, 4, this.c(e.list.cntAddr), cnt()), this.gaddI64('inSpikes', m.i64.extend_u(cnt())));
    m.addFunction(`enc${e.index}`, binaryen.createType([binaryen.i32]), binaryen.none, f.vars, this.block(body));
  }

  /** Checks a direct input's T x dim counts (u8 at inputAddr) are <= top: error badCount (index, count). */
  private checkCounts(f: Fn, e: EncoderPlan): X[] {
    const m = this.m;
    const P = this.plan;
    const o = f.local(binaryen.i32);
    const k = f.local(binaryen.i32);
    return [
      m.global.set(`din${e.index}`, this.c(P.inputAddr)),
      this.set(o, this.c(0)),
      this.whileLoop(
        () => m.i32.lt_s(this.get(o), this.c(P.timesteps * e.dim)),
        [
          this.set(k, m.i32.load8_u(P.inputAddr, 1, this.get(o))),
          m.if(m.i32.gt_u(this.get(k), this.c(e.top)), this.block(this.fail(WASM_ERRORS.badCount, this.get(o), this.get(k)))),
          this.inc(o, 1),
        ],
      ),
    ];
  }

  // ------------------------------------------------------------------ infer
  private fail(code: number, pos: X, value: X): X[] {
    const m = this.m;
    const E = this.plan.errorAddr;
    return [m.i32.store(E, 4, this.c(0), this.c(code)), m.i32.store(E + 4, 4, this.c(0), pos), m.i32.store(E + 8, 4, this.c(0), value), m.return(this.c(code))];
  }

  private fillLevels(f: Fn, e: EncoderPlan, n: Local): X[] {
    const m = this.m;
    const P = this.plan;
    const p = f.local(binaryen.i32);
    const d = f.local(binaryen.i32);
    const id = f.local(binaryen.i32);
    const bit = f.local(binaryen.i32);
    const o = f.local(binaryen.i32);
    if (e.source.kind === 'embedding') {
      const vocab = e.source.vocab;
      const mask = (1 << e.bits) - 1;
      return [
        this.set(p, this.c(0)),
        this.set(o, this.c(0)),
        this.whileLoop(
          () => m.i32.lt_s(this.get(p), this.get(n)),
          [
            this.set(id, m.i32.load(P.inputAddr, 4, m.i32.shl(this.get(p), this.c(2)))),
            m.if(m.i32.ge_u(this.get(id), this.c(vocab)), this.block(this.fail(WASM_ERRORS.badToken, this.get(p), this.get(id)))),
            this.set(bit, m.i32.mul(this.get(id), this.c(e.embRowBytes * 8))),
            this.set(d, this.c(0)),
            this.whileLoop(
              () => m.i32.lt_s(this.get(d), this.c(e.dim)),
              [
                m.i32.store(
                  e.levelAddr,
                  4,
                  this.get(o),
                  m.i32.and(
                    m.i32.shr_u(m.i32.load16_u(e.levelsDataAddr, 1, m.i32.shr_u(this.get(bit), this.c(3))), m.i32.and(this.get(bit), this.c(7))),
                    this.c(mask),
                  ),
                ),
                this.inc(bit, e.bits),
                this.inc(o, 4),
                this.inc(d, 1),
              ],
            ),
            this.inc(p, 1),
          ],
        ),
      ];
    }
    const x = f.local(binaryen.f64);
    return [
      this.set(d, this.c(0)),
      this.whileLoop(
        () => m.i32.lt_s(this.get(d), this.c(e.dim)),
        [
          this.set(x, m.f64.load(P.inputAddr, 8, m.i32.shl(this.get(d), this.c(3)))),
          m.if(m.f64.ne(this.get(x), this.get(x)), this.block(this.fail(WASM_ERRORS.nanInput, this.get(d), this.c(0)))),
          m.i32.store(
            e.levelAddr,
            4,
            m.i32.shl(this.get(d), this.c(2)),
            m.i32.trunc_s.f64(
              m.f64.floor(
                m.f64.add(m.f64.mul(m.f64.min(m.f64.const(1), m.f64.max(m.f64.const(0), this.get(x))), m.f64.const(e.top)), m.f64.const(0.5)),
              ),
            ),
          ),
          this.inc(d, 1),
        ],
      ),
    ];
  }

  private inferFunction(): void {
    const m = this.m;
    const P = this.plan;
    const f = new Fn([binaryen.i32]);
    const n = f.param(0);
    const t = f.local(binaryen.i32);
    const o = f.local(binaryen.i32);
    const body: X[] = [m.i32.store(P.errorAddr, 4, this.c(0), this.c(0))];
    if (P.tokens) {
      body.push(
        m.if(m.i32.lt_s(this.get(n), this.c(1)), this.block(this.fail(WASM_ERRORS.emptyInput, this.get(n), this.c(0)))),
        m.if(m.i32.gt_s(this.get(n), this.c(P.maxLen)), this.set(n, this.c(P.maxLen))),
      );
    } else body.push(this.set(n, this.c(1)));
    for (const e of P.encoders) body.push(...(e.direct ? this.checkCounts(f, e) : this.fillLevels(f, e, n)));
    for (const pop of P.pops) {
      if (!pop.pooled) continue;
      const th = m.i64.mul(m.i64.extend_u(this.get(n)), this.c64(pop.node.threshold));
      body.push(
        m.if(
          m.i32.or(m.i64.gt_s(th, this.c64(0x7fffffff)), m.i64.lt_s(m.i64.mul(m.i64.extend_u(this.get(n)), this.c64(pop.node.threshold)), this.c64(-(2 ** 31)))),
          this.block(this.fail(WASM_ERRORS.thresholdOverflow, this.c(pop.index), this.get(n))),
        ),
      );
    }
    // ---- reset all state
    for (const pop of P.pops) {
      // (a scan zeroes its one membrane vector at the start of every step)
      const bytes = pop.node.perPosition ? m.i32.mul(this.get(n), this.c(pop.node.channels * 4)) : this.c(pop.node.channels * 4);
      if (!pop.scan) body.push(m.memory.fill(this.c(pop.vAddr), this.c(0), bytes));
      if (pop.iAddr !== undefined) body.push(m.memory.fill(this.c(pop.iAddr), this.c(0), bytes));
      body.push(m.i32.store(0, 4, this.c(pop.list.cntAddr), this.c(0)));
      if (pop.prev) body.push(m.i32.store(0, 4, this.c(pop.prev.cntAddr), this.c(0)));
      body.push(m.global.set(`spikes${pop.index}`, this.c64(0)));
    }
    const rp = P.readoutPop;
    if (rp.countsAddr !== undefined) body.push(m.memory.fill(this.c(rp.countsAddr), this.c(0), this.c(rp.size * 4)));
    for (const s of P.synapses) {
      body.push(m.global.set(`rows${s.index}`, this.c64(0)));
    }
    body.push(m.global.set('inSpikes', this.c64(0)), m.global.set('rng', this.c(P.poissonSeed === undefined ? 0 : seedState(P.poissonSeed))));
    for (const e of P.encoders) {
      body.push(m.i32.store(0, 4, this.c(e.list.cntAddr), this.c(0)));
      if (e.node.scheme === 'poisson' || e.direct) continue;
      const half = e.top >> 1;
      const end = m.i32.shl(e.perPosition ? m.i32.mul(this.get(n), this.c(e.dim)) : this.c(e.dim), this.c(2));
      body.push(this.set(o, this.c(0)));
      const endL = f.local(binaryen.i32);
      body.push(this.set(endL, end));
      if (half === 0) body.push(m.memory.fill(this.c(e.accAddr), this.c(0), this.get(endL)));
      else if (this.simd)
        body.push(this.whileLoop(() => this.ltU(this.get(o), this.get(endL)), [m.v128.store(e.accAddr, 4, this.get(o), m.i32x4.splat(this.c(half))), this.inc(o, 16)]));
      else body.push(this.whileLoop(() => this.ltU(this.get(o), this.get(endL)), [m.i32.store(e.accAddr, 4, this.get(o), this.c(half)), this.inc(o, 4)]));
    }
    // ---- level-grouped synapses: level clocks, input histograms, then the sums (docs/semantics.md)
    for (const e of P.encoders) {
      if (!e.clock) continue;
      const k = e.clock;
      const l = f.local(binaryen.i32);
      body.push(this.set(l, this.c(4)), this.whileLoop(() => m.i32.le_s(this.get(l), this.c(4 * e.top)), [m.i32.store(k.accAddr, 4, this.get(l), this.c(e.top >> 1)), this.inc(l, 4)]));
      if (!e.eventConsumers) {
        const endL = f.local(binaryen.i32);
        const hp = f.local(binaryen.i32);
        body.push(
          m.memory.fill(this.c(k.histAddr), this.c(0), this.c((e.top + 1) * 4)),
          this.set(o, this.c(0)),
          this.set(endL, m.i32.shl(e.perPosition ? m.i32.mul(this.get(n), this.c(e.dim)) : this.c(e.dim), this.c(2))),
          this.whileLoop(
            () => this.ltU(this.get(o), this.get(endL)),
            [
              this.set(hp, this.add(this.c(k.histAddr), m.i32.shl(m.i32.load(e.levelAddr, 4, this.get(o)), this.c(2)))),
              m.i32.store(0, 4, this.get(hp), this.add(m.i32.load(0, 4, this.get(hp)), this.c(1))),
              this.inc(o, 4),
            ],
          ),
        );
      }
    }
    for (const s of P.synapses) if (s.grouped) body.push(m.call(`form${s.index}`, [this.get(n)], binaryen.none));
    // ---- the T steps
    const stepCalls: X[] = [];
    for (const st of P.steps) stepCalls.push(m.call(st.kind === 'encoder' ? `enc${st.enc.index}` : `lif${st.pop.index}`, [this.get(n)], binaryen.none));
    for (const pop of P.pops) {
      if (!pop.prev) continue;
      const cnt = m.i32.load(0, 4, this.c(pop.list.cntAddr));
      stepCalls.push(
        m.memory.copy(this.c(pop.prev.dataAddr), this.c(pop.list.dataAddr), m.i32.shl(cnt, this.c(2))),
        m.i32.store(0, 4, this.c(pop.prev.cntAddr), m.i32.load(0, 4, this.c(pop.list.cntAddr))),
      );
    }
    // spike trace (off unless the host called trace_spikes(1)): one branch per step when off
    stepCalls.push(m.if(m.global.get('traceAt', binaryen.i32), m.call('trace_step', [], binaryen.none)));
    stepCalls.push(this.inc(t, 1));
    body.push(m.global.set('traceAt', m.global.get('traceBase', binaryen.i32)));
    body.push(this.set(t, this.c(0)), this.whileLoop(() => m.i32.lt_s(this.get(t), this.c(P.timesteps)), stepCalls));
    body.push(...this.finalize(f, n));
    m.addFunction('infer', binaryen.createType([binaryen.i32]), binaryen.i32, f.vars, this.block(body));
  }

  /** Counters to memory, scores, argmax; returns the label. */
  private finalize(f: Fn, n: Local): X[] {
    const m = this.m;
    const P = this.plan;
    const i64 = binaryen.i64;
    const n64 = (): X => m.i64.extend_u(this.get(n));
    let sops: X = this.c64(0);
    let bytes: X = this.c64(0);
    for (const s of P.synapses) {
      const rows = m.global.get(`rows${s.index}`, i64);
      const rows2 = m.global.get(`rows${s.index}`, i64);
      const wb = s.table.weightBits / 8;
      if (s.grouped) {
        // H rows added at full width, plus the forming counts (docs/semantics.md "Op counters")
        sops = m.i64.add(sops, m.i64.add(m.i64.mul(rows, this.c64(s.table.rowLength)), m.global.get(`fsops${s.index}`, i64)));
        bytes = m.i64.add(bytes, m.global.get(`fbytes${s.index}`, i64));
        continue;
      }
      if (s.table.layout === 'dense') {
        sops = m.i64.add(sops, m.i64.mul(rows, this.c64(s.table.rowLength)));
        bytes = m.i64.add(bytes, m.i64.mul(rows2, this.c64(s.table.rowLength * wb)));
      } else {
        sops = m.i64.add(sops, rows);
        bytes = m.i64.add(bytes, m.i64.mul(rows2, this.c64(2 + wb)));
      }
    }
    for (const e of P.encoders) if (e.source.kind === 'embedding') bytes = m.i64.add(bytes, m.i64.mul(n64(), this.c64(e.embRowBytes)));
    let spikes: X = this.c64(0);
    let updates: X = this.c64(0);
    const L = P.pops.length;
    const C0 = P.countersAddr;
    const out: X[] = [];
    // a neuron with a synaptic current counts two updates per step
    const active = (pop: PopPlan): X => {
      const per = pop.node.channels * P.timesteps * (pop.iAddr !== undefined ? 2 : 1);
      return pop.node.perPosition ? m.i64.mul(n64(), this.c64(per)) : this.c64(per);
    };
    for (const pop of P.pops) {
      spikes = m.i64.add(spikes, m.global.get(`spikes${pop.index}`, i64));
      updates = m.i64.add(updates, active(pop));
      out.push(m.i64.store(C0 + 8 * (5 + pop.index), 8, this.c(0), m.global.get(`spikes${pop.index}`, i64)));
      out.push(m.i64.store(C0 + 8 * (5 + L + pop.index), 8, this.c(0), active(pop)));
    }
    out.push(
      m.i64.store(C0, 8, this.c(0), sops),
      m.i64.store(C0 + 8, 8, this.c(0), updates),
      m.i64.store(C0 + 16, 8, this.c(0), spikes),
      m.i64.store(C0 + 24, 8, this.c(0), m.global.get('inSpikes', i64)),
      m.i64.store(C0 + 32, 8, this.c(0), bytes),
    );
    // scores and argmax (ties -> lowest class)
    const r = P.readout;
    const cls = f.local(binaryen.i32);
    const k = f.local(binaryen.i32);
    const sum = f.local(binaryen.i32);
    const best = f.local(binaryen.i32);
    const label = f.local(binaryen.i32);
    const cp = f.local(binaryen.i32);
    const membrane = P.readoutMeasure === 'membrane';
    let classSum: X[];
    if (membrane && r.population > 1) {
      // signed membranes: sum in i64, so a class score outside int32 is an error, not a wrap
      const s64 = f.local(binaryen.i64);
      classSum = [
        this.set(s64, this.c64(0)),
        this.set(k, this.c(0)),
        this.whileLoop(
          () => m.i32.lt_s(this.get(k), this.c(r.population)),
          [this.set(s64, m.i64.add(this.get(s64), m.i64.extend_s(m.i32.load(0, 4, this.get(cp))))), this.inc(cp, 4), this.inc(k, 1)],
        ),
        this.set(sum, m.i32.wrap(this.get(s64))),
        m.if(m.i64.ne(m.i64.extend_s(this.get(sum)), this.get(s64)), this.block(this.fail(WASM_ERRORS.scoreOverflow, this.get(cls), this.c(0)))),
      ];
    } else {
      classSum = [
        this.set(sum, this.c(0)),
        this.set(k, this.c(0)),
        this.whileLoop(
          () => m.i32.lt_s(this.get(k), this.c(r.population)),
          [this.incX(sum, m.i32.load(0, 4, this.get(cp))), this.inc(cp, 4), this.inc(k, 1)],
        ),
      ];
    }
    out.push(
      this.set(cls, this.c(0)),
      // spike counts per neuron, or (membrane readout) the final membranes themselves
      this.set(cp, this.c(membrane ? P.readoutPop.vAddr : P.readoutPop.countsAddr!)),
      // counts are >= 0; membrane scores are signed and may be anything
      this.set(best, this.c(membrane ? -(2 ** 31) : -1)),
      this.set(label, this.c(0)),
      this.whileLoop(
        () => m.i32.lt_s(this.get(cls), this.c(r.classes)),
        [
          ...classSum,
          m.i32.store(P.scoresAddr, 4, m.i32.shl(this.get(cls), this.c(2)), this.get(sum)),
          m.if(m.i32.gt_s(this.get(sum), this.get(best)), this.block([this.set(best, this.get(sum)), this.set(label, this.get(cls))])),
          this.inc(cls, 1),
        ],
      ),
      m.return(this.get(label)),
    );
    return out;
  }

  // ------------------------------------------------------------------ spike trace
  /** Bytes of a full trace: per step, per population, an i32 count and at most `capacity` i32 indices (with the state trace, then its i32 membranes and currents). */
  private traceBytes(): number {
    const state = (p: PopPlan): number => (this.traceState ? 4 * p.node.channels * (p.iAddr !== undefined ? 2 : 1) : 0);
    return this.plan.timesteps * this.plan.pops.reduce((a, p) => a + 4 + 4 * p.list.capacity + state(p), 0);
  }

  /**
   * The per-step spike trace (docs/wasm.md "Spike trace"): `trace_spikes(1)` grows the memory
   * once by the trace's pages and returns the trace's address (0 when off, -1 if it cannot grow);
   * every later `infer` then appends, after each step, each population's spike list (count,
   * flat indices) there. Off, `infer` pays one untaken branch per step.
   */
  private traceFunctions(): void {
    const m = this.m;
    const P = this.plan;
    const i32 = binaryen.i32;
    const f = new Fn([]);
    const at = f.local(i32);
    const cnt = f.local(i32);
    const body: X[] = [this.set(at, m.global.get('traceAt', i32))];
    for (const pop of P.pops) {
      body.push(
        this.set(cnt, m.i32.load(0, 4, this.c(pop.list.cntAddr))),
        m.i32.store(0, 4, this.get(at), this.get(cnt)),
        m.memory.copy(this.add(this.get(at), this.c(4)), this.c(pop.list.dataAddr), m.i32.shl(this.get(cnt), this.c(2))),
        this.set(at, this.add(this.get(at), this.add(this.c(4), m.i32.shl(this.get(cnt), this.c(2))))),
      );
      if (!this.traceState) continue;
      // the state trace: the step's membranes, then (a synaptic current) its currents, i32 each
      for (const addr of pop.iAddr !== undefined ? [pop.vAddr, pop.iAddr] : [pop.vAddr]) {
        body.push(m.memory.copy(this.get(at), this.c(addr), this.c(4 * pop.node.channels)), this.set(at, this.add(this.get(at), this.c(4 * pop.node.channels))));
      }
    }
    body.push(m.global.set('traceAt', this.get(at)));
    m.addFunction('trace_step', binaryen.none, binaryen.none, f.vars, this.block(body));
    const g = new Fn([i32]);
    const old = g.local(i32);
    const pages = Math.ceil(this.traceBytes() / 65536);
    m.addFunction(
      'trace_spikes',
      binaryen.createType([i32]),
      i32,
      g.vars,
      this.block([
        m.if(
          m.i32.eqz(this.get(g.param(0))),
          this.block([m.global.set('traceBase', this.c(0)), m.return(this.c(0))]),
        ),
        m.if(
          m.i32.eqz(m.global.get('traceMem', i32)),
          this.block([
            this.set(old, m.memory.grow(this.c(pages))),
            m.if(m.i32.lt_s(this.get(old), this.c(0)), m.return(this.c(-1))),
            m.global.set('traceMem', m.i32.shl(this.get(old), this.c(16))),
          ]),
        ),
        m.global.set('traceBase', m.global.get('traceMem', i32)),
        m.return(m.global.get('traceBase', i32)),
      ]),
    );
    m.addFunctionExport('trace_spikes', WASM_TRACE_EXPORT);
  }

  // ------------------------------------------------------------------ module
  build(): binaryen.Module {
    const m = this.m;
    const P = this.plan;
    let features = binaryen.Features.MutableGlobals | binaryen.Features.BulkMemory | binaryen.Features.SignExt | binaryen.Features.NontrappingFPToInt;
    if ((binaryen.Features as unknown as Record<string, number>).BulkMemoryOpt !== undefined)
      features |= (binaryen.Features as unknown as Record<string, number>).BulkMemoryOpt;
    if (this.simd) features |= binaryen.Features.SIMD128;
    m.setFeatures(features);
    m.setMemory(
      P.pages,
      // room for the spike trace, grown only when the host turns it on
      P.pages + Math.ceil(this.traceBytes() / 65536),
      WASM_EXPORTS.memory,
      P.segments.map((s) => ({ offset: this.c(s.addr), data: s.data, passive: false })),
    );
    for (const pop of P.pops) m.addGlobal(`spikes${pop.index}`, binaryen.i64, true, this.c64(0));
    for (const s of P.synapses) m.addGlobal(`rows${s.index}`, binaryen.i64, true, this.c64(0));
    for (const s of P.synapses) {
      if (!s.grouped) continue;
      m.addGlobal(`fsops${s.index}`, binaryen.i64, true, this.c64(0));
      m.addGlobal(`fbytes${s.index}`, binaryen.i64, true, this.c64(0));
    }
    m.addGlobal('inSpikes', binaryen.i64, true, this.c64(0));
    m.addGlobal('rng', binaryen.i32, true, this.c(0));
    for (const e of P.encoders) if (e.direct) m.addGlobal(`din${e.index}`, binaryen.i32, true, this.c(0));
    m.addGlobal('traceBase', binaryen.i32, true, this.c(0));
    m.addGlobal('traceAt', binaryen.i32, true, this.c(0));
    m.addGlobal('traceMem', binaryen.i32, true, this.c(0));
    for (const e of P.encoders) this.encoderFunction(e);
    for (const pop of P.pops) this.lifFunction(pop);
    for (const s of P.synapses) if (s.grouped) this.formFunction(s);
    this.inferFunction();
    this.traceFunctions();
    const constFn = (name: string, v: number): void => {
      m.addFunction(name, binaryen.none, binaryen.i32, [], this.c(v));
      m.addFunctionExport(name, name);
    };
    m.addFunctionExport('infer', WASM_EXPORTS.infer);
    constFn(WASM_EXPORTS.inputPtr, P.inputAddr);
    constFn(WASM_EXPORTS.scoresPtr, P.scoresAddr);
    constFn(WASM_EXPORTS.countersPtr, P.countersAddr);
    constFn(WASM_EXPORTS.errorPtr, P.errorAddr);
    constFn(WASM_EXPORTS.maxLen, P.maxLen);
    return m;
  }
}
