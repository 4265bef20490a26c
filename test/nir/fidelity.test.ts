// Fidelity of the integer simulation against an exact continuous-time solution of the NIR
// equations (docs/nir.md "Fidelity"), written here from the equations alone:
//   LIF      tau dv/dt = -v + r w x(t)
//   CubaLIF  tau_syn di/dt = -i + w_in w x(t),  tau_mem dv/dt = -v + r i
// spike when v crosses v_threshold, then v <- 0. The input x(t) is held constant over each
// step of dt = 1e-4 (a step current, or a spike train of one-step pulses of height 1: the
// convention of docs/nir.md "Spike-train inputs"). Between events the solution is closed-form;
// a crossing inside a step is found by bisection. The integer run is `snnc sim` with 16-bit
// weights. Checked: (1) every spike of the integer run lies within one step of the exact
// crossing of the continuous neuron restarted, like snnc's, at the integer run's previous reset;
// (2) until either fires, the integer membrane lies within the error bound E_k of docs/nir.md,
// computed step by step from the parameters, the exact state and the leak shifts.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { sim } from '../../compiler/api/sim.js';
import { f64, i64, rand, tmp, writeFixture, type FNode } from './fixtures.js';

const dt = 1e-4;
const dir = tmp();
let seq = 0;

interface Neuron {
  cuba: boolean;
  tauMem: number;
  tauSyn: number;
  r: number;
  wIn: number;
  w: number;
  theta: number;
}

function graphOf(n: Neuron): FNode {
  const neuron: FNode = n.cuba
    ? { type: 'CubaLIF', params: { tau_syn: f64([n.tauSyn]), tau_mem: f64([n.tauMem]), r: f64([n.r]), w_in: f64([n.wIn]), v_leak: f64([0]), v_threshold: f64([n.theta]), v_reset: f64([0]) } }
    : { type: 'LIF', params: { tau: f64([n.tauMem]), r: f64([n.r]), v_leak: f64([0]), v_threshold: f64([n.theta]), v_reset: f64([0]) } };
  return {
    type: 'NIRGraph',
    nodes: {
      input: { type: 'Input', params: { shape: i64([1]) } },
      fc: { type: 'Linear', params: { weight: f64([n.w], [1, 1]) } },
      neuron,
      output: { type: 'Output', params: { shape: i64([1]) } },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'neuron'],
      ['neuron', 'output'],
    ],
  };
}

/** Exact state s seconds after (i0, v0) under a constant input x. */
function evolve(n: Neuron, i0: number, v0: number, x: number, s: number): [number, number] {
  if (!n.cuba) {
    const vInf = n.r * n.w * x;
    return [0, vInf + (v0 - vInf) * Math.exp(-s / n.tauMem)];
  }
  const iInf = n.wIn * n.w * x;
  const es = Math.exp(-s / n.tauSyn);
  const c = (n.r * (i0 - iInf) * n.tauSyn) / (n.tauSyn - n.tauMem);
  return [iInf + (i0 - iInf) * es, n.r * iInf + c * es + (v0 - n.r * iInf - c) * Math.exp(-s / n.tauMem)];
}

/** First time in (0, dt] at which v exceeds theta during one step, or undefined. */
function crossing(n: Neuron, i0: number, v0: number, x: number): number | undefined {
  const sub = 256;
  let lo = 0;
  for (let q = 1; q <= sub; q++) {
    const s = (q * dt) / sub;
    if (evolve(n, i0, v0, x, s)[1] > n.theta) {
      let a = lo;
      let b = s;
      for (let it = 0; it < 60; it++) {
        const m = (a + b) / 2;
        if (evolve(n, i0, v0, x, m)[1] > n.theta) b = m;
        else a = m;
      }
      return b;
    }
    lo = s;
  }
  return undefined;
}

async function runSnnc(n: Neuron, x: number[]) {
  const model = await writeFixture(join(dir, `n${seq}.nir`), graphOf(n));
  const input = join(dir, `x${seq++}.csv`);
  writeFileSync(input, x.join('\n') + '\n');
  const r = await sim(model, { input, weightBits: '16', bits: Math.max(1, Math.ceil(Math.log2(Math.max(...x) + 1))) });
  return r.integer.populations[0];
}

function check(n: Neuron, x: number[], p: Awaited<ReturnType<typeof runSnnc>>) {
  const T = x.length;
  const scale = p.scale;
  const V = p.v!.map((row) => row[0] * scale);
  const spikes = p.spikes!.map((row) => row[0]);
  const mV = p.leakShifts!.length;
  const mS = p.synLeakShifts?.length ?? 0;
  const betaS = p.beta;
  const alphaS = p.synBeta ?? 0;
  // exact one-step maps (decay exp) and snnc's input scales (docs/nir.md "The time bridge")
  const beta = Math.exp(-dt / n.tauMem);
  const alpha = Math.exp(-dt / n.tauSyn);
  const g2 = (n.r * dt) / n.tauMem;
  const g1 = (n.wIn * dt) / n.tauSyn;
  const aVI = n.cuba ? evolve(n, 1, 0, 0, dt)[1] : 0;
  const bV = evolve(n, 0, 0, 1, dt)[1];
  // the exact current never depends on spikes: at every step boundary
  const iAt = [0];
  for (let k = 0; k < T; k++) iAt.push(evolve(n, iAt[k], 0, x[k], dt)[0]);

  let v = 0; // exact membrane, restarted at snnc's resets
  let eI = 0;
  let eV = 0;
  let crossed: number | undefined; // exact crossing time in this segment
  let eCross = 0; // the bound at the crossing step
  let maxBound = 0;
  let compared = 0;
  let spikesSeen = 0;
  let grazing = 0;
  // threshold rounding of the integer run, in float units
  const dTheta = Math.abs(p.threshold * scale - n.theta);
  for (let k = 0; k < T; k++) {
    const i0 = iAt[k];
    // the bound (docs/nir.md "Fidelity"): e_k from e_k-1, the exact state at the step start, the input
    if (n.cuba) {
      const eINew = alphaS * eI + Math.abs(alphaS - alpha) * Math.abs(i0) + Math.abs(g1 - (1 - alpha) * n.wIn) * n.w * x[k] + (mS * scale) / g2;
      eV = betaS * eV + Math.abs(betaS - beta) * Math.abs(v) + Math.abs(g2 * alphaS - aVI) * Math.abs(i0) + g2 * alphaS * eI + Math.abs(g2 * g1 * n.w - bV) * x[k] + mS * scale + mV * scale;
      eI = eINew;
    } else {
      eV = betaS * eV + Math.abs(betaS - beta) * Math.abs(v) + Math.abs(g2 * n.w - bV) * x[k] + mV * scale;
    }
    if (crossed === undefined) {
      const c = crossing(n, i0, v, x[k]);
      if (c !== undefined) {
        crossed = k * dt + c;
        eCross = eV;
      }
    }
    v = evolve(n, i0, v, x[k], dt)[1];
    if (!spikes[k] && crossed === undefined) {
      expect(Math.abs(V[k] - v)).toBeLessThanOrEqual(eV + 1e-9);
      maxBound = Math.max(maxBound, eV);
      compared++;
    }
    if (spikes[k]) {
      spikesSeen++;
      // the exact neuron may cross within the next step: still within one step
      const next = crossed === undefined && k + 1 < T ? crossing(n, iAt[k + 1], v, x[k + 1]) : undefined;
      if (next !== undefined) {
        // snnc fired first, the exact neuron follows within one step
      } else if (crossed === undefined) {
        // snnc fires, the exact neuron does not: only where the exact membrane is within the error of the threshold
        expect(v, `snnc spike at step ${k}: the exact membrane ${v} is not within ${eV + dTheta} of the threshold`).toBeGreaterThanOrEqual(n.theta - eV - dTheta - 1e-9);
        grazing++;
      } else {
        // snnc fires at the end of step k: within one step of the exact crossing
        expect(Math.abs((k + 1) * dt - crossed)).toBeLessThanOrEqual(dt * (1 + 1e-9));
      }
      // both restart from v = 0 at the end of step k
      v = 0;
      eV = 0;
      crossed = undefined;
    } else if (crossed !== undefined && (k + 1) * dt - crossed > dt * (1 + 1e-9)) {
      // the exact neuron fired more than a step ago and snnc did not: only a grazing crossing,
      // whose overshoot stays within the error; both then go on from snnc's state
      expect(v - n.theta, `exact crossing at ${crossed}s, snnc silent at step ${k}`).toBeLessThanOrEqual(eCross + eV + dTheta);
      grazing++;
      v = V[k];
      eV = 0;
      crossed = undefined;
    }
  }
  // grazing events are rare: most spikes agree within one step
  expect(grazing).toBeLessThanOrEqual(Math.max(1, spikesSeen / 5));
  if (process.env.SNNC_FIDELITY_LOG) console.log(JSON.stringify({ cuba: n.cuba, spikes: spikesSeen, grazing, maxBound, compared, dTheta }));
  return { spikes: spikesSeen, maxBound, compared, grazing };
}

const stepCurrent = (T: number, on: number, amp: number) => Array.from({ length: T }, (_, k) => (k >= on ? amp : 0));
function spikeTrain(T: number, p: number, seed: number) {
  const r = rand(seed);
  return Array.from({ length: T }, () => ((r() + 1) / 2 < p ? 1 : 0));
}

describe('fidelity: integer simulation vs the exact NIR solution (dt = 1e-4)', () => {
  // r = tau/dt (and w_in = tau_syn/dt) as snnTorch exports: input scales of 1 per step
  const lif: Neuron = { cuba: false, tauMem: 0.02, tauSyn: 1, r: 0.02 / dt, wIn: 1, w: 0.04, theta: 1 };
  const cuba: Neuron = { cuba: true, tauMem: 0.02, tauSyn: 0.01, r: 0.02 / dt, wIn: 0.01 / dt, w: 4e-4, theta: 1 };

  it('LIF, step current: spikes within one step, membrane within the stated bound', async () => {
    const x = stepCurrent(1500, 50, 1);
    const r = check(lif, x, await runSnnc(lif, x));
    expect(r.spikes).toBeGreaterThanOrEqual(5);
    expect(r.compared).toBeGreaterThan(500);
    expect(r.maxBound).toBeLessThan(0.05 * lif.theta); // the bound is tight enough to mean something
  });

  it('LIF, spike train: spikes within one step, membrane within the stated bound', async () => {
    const n = { ...lif, w: 0.12 };
    const x = spikeTrain(1500, 0.3, 21);
    const r = check(n, x, await runSnnc(n, x));
    expect(r.spikes).toBeGreaterThanOrEqual(5);
    expect(r.maxBound).toBeLessThan(0.05 * n.theta);
  });

  it('CubaLIF, step current: spikes within one step, membrane within the stated bound', async () => {
    const x = stepCurrent(2000, 50, 1);
    const r = check(cuba, x, await runSnnc(cuba, x));
    expect(r.spikes).toBeGreaterThanOrEqual(5);
    expect(r.compared).toBeGreaterThan(500);
    expect(r.maxBound).toBeLessThan(0.1 * cuba.theta);
  });

  it('CubaLIF, spike train: spikes within one step, membrane within the stated bound', async () => {
    const n = { ...cuba, w: 1.2e-3 };
    const x = spikeTrain(2000, 0.3, 5);
    const r = check(n, x, await runSnnc(n, x));
    expect(r.spikes).toBeGreaterThanOrEqual(5);
    expect(r.maxBound).toBeLessThan(0.1 * n.theta);
  });

  it('the check itself fails on a wrong bridge (input scale off by 3%)', async () => {
    const x = stepCurrent(1500, 50, 1);
    const p = await runSnnc(lif, x);
    expect(() => check({ ...lif, w: lif.w * 1.03 }, x, p)).toThrow();
  });
});
