// Wasm backend: the artifact's self-description, stored as JSON in the `snnc` custom
// section (schema in runtime/wasm/artifact-format.ts, documented in docs/wasm.md). Key
// order is fixed by construction so identical inputs give identical bytes.

import { fail } from '../../../core/errors.js';
import { embeddingRowBytes } from '../../../core/levels.js';
import {
  ARTIFACT_FORMAT,
  ARTIFACT_VERSION,
  type ArtifactInfo,
  type ArtifactMeta,
  type ArtifactSynapse,
} from '../../../runtime/wasm/artifact-format.js';
import type { Plan } from './plan.js';

export function artifactInfo(plan: Plan, meta: ArtifactMeta, simd: boolean): ArtifactInfo {
  if (!meta || !Array.isArray(meta.classes)) fail('SNN_E_BACKEND', 'artifact metadata needs a classes array');
  if (meta.classes.length !== plan.readout.classes)
    fail('SNN_E_BACKEND', `metadata names ${meta.classes.length} classes, the readout has ${plan.readout.classes}`);
  if (!Number.isFinite(meta.float32Bytes) || meta.float32Bytes < 0) fail('SNN_E_BACKEND', 'metadata float32Bytes must be a non-negative number');
  const graph = plan.graph;
  const synapses: ArtifactSynapse[] = plan.synapses.map((s) => {
    const node = s.node;
    const inF = node.kind === 'conv1d' ? node.inChannels : node.inFeatures;
    const outF = node.kind === 'conv1d' ? node.outChannels : node.outFeatures;
    let perTok = 0;
    let constant = 0;
    if (node.kind === 'conv1d') perTok = node.width * inF * outF;
    // pooled (mean or max) layers are one product after the pooling, like runtime/energy.ts
    else if (s.srcPerPosition && node.pool === undefined) perTok = inF * outF;
    else constant = inF * outF;
    const a: ArtifactSynapse = {
      id: node.id,
      kind: node.kind,
      from: node.from,
      to: node.to,
      ...(node.kind === 'conv1d' ? { width: node.width } : {}),
      inFeatures: inF,
      outFeatures: outF,
      perPosition: s.srcPerPosition,
      ...(node.kind === 'dense' && node.pool ? { pool: node.pool } : {}),
      ...(node.kind === 'dense' && node.recurrent ? { recurrent: true } : {}),
      ...(s.grouped ? { schedule: 'grouped' as const } : {}),
      layout: s.table.layout,
      weightBits: s.table.weightBits,
      entries: s.table.entries,
      tableBytes: s.table.tableBytes,
      macsPerToken: perTok,
      macsConstant: constant,
    };
    return a;
  });
  let embBytes = 0;
  for (const n of graph.nodes) if (n.kind === 'embedding' && n.levels) embBytes += n.vocab * embeddingRowBytes(n.dim, n.levels.bits);
  const tableBytes = synapses.reduce((a, s) => a + s.tableBytes, 0);
  let neuronsPerToken = 0;
  let neuronsConstant = 0;
  for (const p of plan.pops) {
    if (p.node.perPosition) neuronsPerToken += p.node.channels;
    else neuronsConstant += p.node.channels;
  }
  const info: ArtifactInfo = {
    format: ARTIFACT_FORMAT,
    version: ARTIFACT_VERSION,
    generator: 'snnc wasm backend (generated, do not edit)',
    name: meta.name,
    ...(meta.family !== undefined ? { family: meta.family } : {}),
    classes: [...meta.classes],
    ...(meta.tokenizer ? { tokenizer: { kind: meta.tokenizer.kind, lowercase: meta.tokenizer.lowercase } } : {}),
    ...(meta.vocab ? { vocab: [...meta.vocab] } : {}),
    input: plan.tokens
      ? {
          kind: 'tokens',
          maxLen: plan.maxLen,
          vocabSize: graph.nodes.reduce((v, n) => (n.kind === 'embedding' ? n.vocab : v), 0),
        }
      : { kind: 'vector', dim: plan.vector!.dim },
    timesteps: plan.timesteps,
    layers: graph.nodes.map((n) => ({ id: n.id, kind: n.kind })),
    encoders: plan.encoders.map((e) => ({
      id: e.node.id,
      scheme: e.node.scheme,
      bits: e.bits,
      dim: e.dim,
      perPosition: e.perPosition,
      seed: e.node.seed,
    })),
    populations: plan.pops.map((p) => ({
      id: p.node.id,
      channels: p.node.channels,
      perPosition: p.node.perPosition,
      reset: p.node.reset,
      threshold: p.node.threshold,
      leakShifts: [...p.leakShifts],
      stateBits: p.node.stateBits ?? 32,
      pooled: p.pooled,
      ...(p.scan ? { scan: p.scan } : {}),
      ...(p.spiking ? {} : { spiking: false as const }),
    })),
    synapses,
    readout: {
      from: plan.readout.from,
      classes: plan.readout.classes,
      population: plan.readout.population,
      ...(plan.readoutMeasure === 'membrane' ? { measure: 'membrane' as const } : {}),
    },
    energy: {
      timesteps: plan.timesteps,
      float32Bytes: meta.float32Bytes,
      integerBytes: tableBytes + embBytes,
      annMacsPerToken: synapses.reduce((a, s) => a + s.macsPerToken, 0),
      annMacsConstant: synapses.reduce((a, s) => a + s.macsConstant, 0),
      neuronsPerToken,
      neuronsConstant,
    },
    simd,
    memory: { pages: plan.pages, constBytes: plan.constEnd - plan.constStart, stateBytes: plan.memEnd - plan.stateStart },
    ...(meta.extra ? { extra: meta.extra } : {}),
  };
  return info;
}
