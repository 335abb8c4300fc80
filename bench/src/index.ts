import './register.js';

export { SyntheticImages, syntheticImagesOptionsSchema, type SyntheticImagesOptions } from './synthetic-images.js';
export { SHAPES, shapeById, demoMtoPlugins, type BenchShape } from './shapes.js';
export { stepFlops, blockFlops, linearFlops, type ModelDims, type StepFlops, type StepFlopsInput } from './flops.js';
export { NaiveMaskedModel, naiveSpecOf, type NaiveModelSpec, type WeightLookup } from './naive-model.js';
export { NaiveReferenceStep } from './naive-step.js';
export { runBenchmark, runCell, BENCH_BACKENDS, VARIANTS, type BenchBackend, type CellResult, type VariantResult, type VariantName, type RunOptions } from './runner.js';
export { formatTable, writeReportJson, leakingCells, type BenchReport } from './report.js';
export { describeMachine, type MachineInfo } from './machine.js';
export { parseBenchArgs, BenchUsageError, DEFAULT_ARGS, USAGE, type BenchArgs } from './args.js';
export { median } from './stats.js';
export * as convergence from './convergence/index.js';
