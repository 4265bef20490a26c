// `snnc run --port`: classify on a board running snnc firmware, over the serial protocol. The
// host lowers the model exactly as `snnc deploy` did and checks the board's model hash.

import type { Graph } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { readModelFile } from '../frontend/model-format.js';
import { runPipeline } from '../passes/pipeline.js';
import type { ScheduleChoice } from '../passes/schedule.js';
import { checkTimesteps, withTimesteps } from '../ir/timesteps.js';
import { textToIds, tokenize, tokenizerKind } from '../../runtime/tokenizer.js';
import { artifactEnergy } from '../../runtime/energy.js';
import { loadTarget } from '../../targets/index.js';
import type { RunOptions, RunOutcome } from './run.js';
import { float32Bytes, maxLenOf, readTextInput, vocabOf } from './shared.js';

/**
 * Classifies on a board running snnc firmware (docs/firmware.md). The host tokenizes, and in
 * spikes mode also encodes, with the integer graph lowered exactly as `snnc deploy` lowered it
 * (compiler/deploy/index.ts); the board's model hash (CRC-32 of its model.c) must equal
 * the one this graph gives, else the deploy and run options differ and the board is refused.
 */
export async function runOnBoard(modelPath: string, args: string[], o: RunOptions): Promise<RunOutcome> {
  if (!modelPath.endsWith('.snn')) fail('SNN_E_USAGE', 'with --port, pass the .snn model the board was deployed from', 'snnc run model.snn --port /dev/ttyACM0 "text"');
  const model = withTimesteps(readModelFile(modelPath), o.timesteps === undefined ? undefined : checkTimesteps(o.timesteps));
  if (!model.vocab) fail('SNN_E_USAGE', 'this model takes vectors, not text');
  const text = readTextInput(args, o.file);
  const weightBits = Number(o.weightBits ?? 8);
  if (weightBits !== 8 && weightBits !== 16) fail('SNN_E_USAGE', '--weight-bits must be 8 or 16');
  // as deploy does: an integer model as it is, else the pipeline with prune 0 and layout auto
  const integer = model.graph.stage === 'integer' && Boolean(model.graph.plan);
  const schedule = (o.schedule ?? 'event') as ScheduleChoice;
  const lower = (bits: 8 | 16, sched: ScheduleChoice = schedule): Graph => (integer ? model.graph : runPipeline(model.graph, { weightBits: bits, prune: 0, layout: 'auto', schedule: sched }).graph);
  let graph = lower(weightBits);
  const ids = textToIds(text, vocabOf(model.vocab, model.tokenizer), maxLenOf(model.graph));
  const { openSerialPort } = await import('../../runtime/serial/transport.js');
  const { SerialBoard } = await import('../../runtime/serial/board.js');
  const { emitC } = await import('../backends/c/index.js');
  const { targetNames } = await import('../../targets/index.js');
  const transport = await openSerialPort(o.port!, o.baud ?? 115200);
  let board: Awaited<ReturnType<typeof SerialBoard.connect>> | undefined;
  try {
    board = await SerialBoard.connect(transport, { graph, timeoutMs: o.timeout ?? 5000 });
    const info = board.info;
    if (targetNames().includes(info.board)) {
      const target = loadTarget(info.board);
      const hashOf = (g: Graph): number => emitC(g, target, { mode: info.mode, name: model.meta.name }).hash >>> 0;
      const hex = (h: number): string => h.toString(16).padStart(8, '0');
      let ours = hashOf(graph);
      if (ours !== info.modelHash && o.schedule === undefined && !integer) {
        // deploy's default schedule is auto: the board may run the level-grouped first layer
        // (same populations and encoders, so the connection stays valid)
        const grouped = lower(weightBits, 'grouped');
        let h: number | undefined;
        try {
          h = hashOf(grouped);
        } catch {
          h = undefined; // this board's mode cannot run the grouped schedule: not what it runs
        }
        if (h === info.modelHash) {
          graph = grouped;
          ours = h;
        }
      }
      if (ours !== info.modelHash) {
        const other = integer ? undefined : ([8, 16] as const).find((b) => b !== weightBits && hashOf(lower(b)) === info.modelHash);
        const otherSchedule = integer || other ? undefined : (['event', 'grouped'] as const).find((k) => k !== schedule && hashOf(lower(weightBits as 8 | 16, k)) === info.modelHash);
        fail(
          'SNN_E_ARTIFACT',
          `the ${info.board} board on ${o.port} runs model ${hex(info.modelHash)} (${info.mode} mode), but ${modelPath} lowered with --weight-bits ${weightBits} gives ${hex(ours)}: the firmware was not deployed from this model with these options`,
          other
            ? `the firmware was deployed with --weight-bits ${other}: pass --weight-bits ${other} to snnc run`
            : otherSchedule
              ? `the firmware was deployed with --schedule ${otherSchedule}: pass --schedule ${otherSchedule} to snnc run`
            : `deploy and run must lower the model alike (same --weight-bits; deploy's --state-bits, --prune and --layout left at their defaults), or redeploy: snnc deploy ${modelPath} --target ${info.board}`,
        );
      }
    }
    const r = await board.classify({ tokens: ids });
    const { emitWasm } = await import('../backends/wasm/index.js');
    const wasmInfo = emitWasm(graph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, float32Bytes: float32Bytes(model.graph) }).info;
    const energy = artifactEnergy(wasmInfo, r.ops, ids.length, o.profile);
    const layerSpikes: Record<string, number> = {};
    wasmInfo.populations.forEach((p, i) => (layerSpikes[p.id] = r.layerSpikes[i]));
    const cls = model.meta.classes[r.label];
    const lines = [
      `${cls}  (class ${r.label}; spike counts ${model.meta.classes.map((c, i) => `${c}=${r.scores[i]}`).join(' ')}) on ${o.port} (${info.board}, ${info.mode} mode)`,
      `ops: ${r.ops.sops} synaptic additions, ${r.ops.updates} neuron updates, ${r.ops.spikes} spikes; board cycles ${r.cycles}; ${r.bytesSent + r.bytesReceived} bytes on the wire, ${r.attempts} attempt(s)`,
      `energy (${energy.profile}): SNN/ANN ${energy.ratio.toFixed(3)} arithmetic, ${energy.ratioWithMemory.toFixed(3)} with memory reads`,
    ];
    return { text: lines.join('\n'), input: text, tokens: tokenize(text, tokenizerKind(model.tokenizer?.kind)), ids, label: r.label, class: cls, scores: r.scores, ops: r.ops, layerSpikes, energy };
  } finally {
    // also when connecting fails: an open port would keep the process alive
    await (board ? board.close() : transport.close());
  }
}
