import './register.js';

export { SyntheticImages, syntheticImagesOptionsSchema, type SyntheticImagesOptions } from './synthetic-images.js';
export { SHAPES, shapeById, demoMtoPlugins, type BenchShape } from './shapes.js';
export { stepFlops, blockFlops, linearFlops, type ModelDims, type StepFlops, type StepFlopsInput } from './flops.js';
export { NaiveMaskedModel, naiveSpecOf, type NaiveModelSpec, type WeightLookup } from './naive-model.js';
export { NaiveReferenceStep } from './naive-step.js';
export { runBenchmark, runCell, BENCH_BACKENDS, VARIANTS, type BenchBackend, type CellResult, type VariantResult, type VariantName, type RunOptions, type PeerOptions, type PeerResult } from './runner.js';
export { formatTable, writeReportJson, leakingCells, type BenchReport } from './report.js';
export { describeMachine, type MachineInfo } from './machine.js';
export { parseBenchArgs, BenchUsageError, DEFAULT_ARGS, USAGE, type BenchArgs } from './args.js';
export { median } from './stats.js';
export { findTorch, peerSpecOf, TorchPeer, TORCH_PEER_SCRIPT, PYTHON_CANDIDATES, type PeerSpec, type PeerAvailability } from './peer.js';
export { runScaling, formatScaling, logLogSlope, scalingGrid, SCALING_TOKENS, SCALING_WIDTHS, SCALING_CENTRE, type ScalingResult, type ScalingPoint, type ScalingSlopes } from './scaling.js';
export * as convergence from './convergence/index.js';
