// The programmatic API behind every `snnc` command, one module per command (compile, run, eval,
// deploy, import, export, train, embed, inspect, profiles) plus calibration and the in-memory
// evaluation the benchmarks use. The CLI (compiler/cli/) only parses options and prints what
// these functions return; tests and benchmarks call them directly.

export { loadTarget, type TargetDescription } from '../../targets/index.js';
export { PACKAGE_ROOT, float32Bytes, tokenIds } from './shared.js';
export { compile, compileModel, type CompileOptions, type CompileOutcome, type CompileReport } from './compile.js';
export { run, classify, type RunOptions, type RunOutcome } from './run.js';
export { evaluate, type EvalOptions, type EvalOutcome } from './eval.js';
export { runDeploy } from './deploy.js';
export { deploy, deployModel, type DeployOptions, type DeployOutcome } from '../deploy/index.js';
export { importNir, lowerOptionsFrom, type ImportCliOptions, type ImportOutcome } from './import.js';
export { exportNirFile, type ExportCliOptions } from './export.js';
export { train } from './train.js';
export { embed, type EmbedOptions, type EmbedOutcome } from './embed.js';
export { inspect } from './inspect.js';
export { profiles } from './profiles.js';
export { runCalibratedPipeline, randomVectors, type Calibration, type CalibrationReport, type CalibratedPipelineResult } from './calibrate.js';
export { evaluateInteger, type IntegerEvaluation } from './evaluate-integer.js';
export { report, type ReportOptions, type ReportOutcome, type TargetFit } from './report.js';
export { sim, readStepInput, type SimOptions, type SimOutcome, type SimTrace, type PopulationTrace } from './sim.js';
export { attack, embeddingCandidates, textCnnScorers, searchAdversary, mcnemarExact, ATTACK_KINDS, type AttackOptions, type AttackOutcome, type AttackKind } from './attack.js';
