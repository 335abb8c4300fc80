export { PRESETS, presetByName, defaultDirection, REPO_ROOT, type ArmDef, type StudyDef, type Preset } from './study.js';
export { parseConvergenceArgs, ConvergenceUsageError, defaultArgs, DEFAULT_JOBS, USAGE, type ConvergenceArgs } from './args.js';
export { studyDefs, planStudy, runsOf, budgetEpochs, armDir, forcedSets, planDifferences, budgetWarnings, runKey, childArgs, mtoBinPath, type StudyPlan, type PlannedArm, type PlannedStudy, type RunSpec } from './plan.js';
export {
  runStatus,
  prepareRun,
  finishRun,
  ensureStudyPlan,
  readStudyPlan,
  acquireLock,
  orphanPid,
  doneFile,
  runFile,
  logFile,
  metricsFile,
  studyFile,
  StudyStateError,
  type DoneRecord,
  type RunStatus,
} from './state.js';
export { parseEpochRecords, readEpochRecords, parseRunRecords, readRunRecords, type RunRecords, metricCurve, finalMetrics, readEvalSplit, type EpochRecord, type Curve } from './metrics.js';
export { mean, std, spread, auc, ratio, reaches, epochsToTarget, meanCurve, pairedDifference, tQuantile975, type Spread, type PairedDifference } from './stats.js';
export { analyzeStudy, runResult, type StudyResults, type ArmResult, type RunResult, type TargetSummary, type EpochsToTarget } from './analyze.js';
export { formatStudyMarkdown, curvesSvg, writeStudyReport, curvesFileName, fmt, fmtSpread } from './report.js';
export { ChildPool, type ChildJob, type ChildResult } from './pool.js';
export { runStudies, type RunnerOptions, type RunnerOutcome } from './runner.js';
