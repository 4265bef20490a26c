// Property-based fuzzing of every input snnc reads (issue #15): .snn files (header edits and
// blob bytes, CRC recomputed), compiled artifacts (bit flips; metadata edits, resealed), NIR
// graphs (parameter, shape and attribute edits; byte corruption of HDF5 files) and board
// replies (INFO / RESULT payloads of every length). The property everywhere: a clear SnncError,
// or a result that is internally consistent (identical to the original when nothing that
// matters changed), never another exception, a hang or a silent change. Fixed seed, bounded
// runs: a few tens of seconds in `npm test`; bench/fuzz.ts runs the same generators for long.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FUZZ_SEED, fuzzArtifactBytes, fuzzArtifactMeta, fuzzBoardReply, fuzzNirEdit, fuzzNirBytes, fuzzSnnBlob, fuzzSnnHeader, fuzzSetup, type Verdict } from '../../bench/fuzz-cases.js';

const setup = await fuzzSetup();

function run<T>(arb: fc.Arbitrary<T>, check: (x: T) => Verdict | Promise<Verdict>, numRuns: number): Promise<Record<string, number>> | Record<string, number> {
  const counts: Record<string, number> = {};
  const prop = fc.asyncProperty(arb, async (x) => {
    const v = await check(x);
    counts[v.kind] = (counts[v.kind] ?? 0) + 1;
    if (v.kind === 'crash' || v.kind === 'silent') throw new Error(`${v.kind}: ${v.detail}`);
  });
  return fc.assert(prop, { seed: FUZZ_SEED, numRuns }).then(() => counts);
}

describe('fuzz (bounded; bench/fuzz.ts runs long)', () => {
  it('.snn header edits with the CRC recomputed: SNN_E or a consistent model', async () => {
    const c = await run(setup.arb.snnHeader, (x) => fuzzSnnHeader(setup, x), 300);
    expect(c.crash ?? 0).toBe(0);
    expect((c.rejected ?? 0) + (c.same ?? 0) + (c.different ?? 0)).toBe(300);
  });

  it('.snn blob byte edits with the CRC recomputed', async () => {
    const c = await run(setup.arb.snnBlob, (x) => fuzzSnnBlob(setup, x), 150);
    expect(c.crash ?? 0).toBe(0);
  });

  it('artifact bit flips are always SNN_E_ARTIFACT', async () => {
    const c = await run(setup.arb.artifactBytes, (x) => fuzzArtifactBytes(setup, x), 300);
    expect(c.rejected).toBe(300);
  });

  it('artifact metadata edits (resealed): SNN_E_ARTIFACT or a run without crash', async () => {
    const c = await run(setup.arb.artifactMeta, (x) => fuzzArtifactMeta(setup, x), 200);
    expect(c.crash ?? 0).toBe(0);
  });

  it('NIR graph edits (shapes, parameters, attributes): SNN_E or a valid model', async () => {
    const c = await run(setup.arb.nirEdit, (x) => fuzzNirEdit(setup, x), 300);
    expect(c.crash ?? 0).toBe(0);
  });

  it('NIR file byte corruption: SNN_E or a valid model', async () => {
    const c = await run(setup.arb.nirBytes, (x) => fuzzNirBytes(setup, x), 40);
    expect(c.crash ?? 0).toBe(0);
  });

  it('board replies of every length: SNN_E_DEVICE / SNN_E_INPUT or a decoded result, never an internal error', async () => {
    const c = await run(setup.arb.boardReply, (x) => fuzzBoardReply(setup, x), 400);
    expect(c.crash ?? 0).toBe(0);
  });
});
