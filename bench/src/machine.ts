import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, platform, release, totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';

/** What the numbers were measured on. */
export interface MachineInfo {
  /** Logical CPUs this process may use (`nproc`). */
  nproc: number;
  cpuModel: string;
  memoryGB: number;
  os: string;
  node: string;
  tfjs: string;
  /** Load average over the last minute when the run started: other work competes for the cores. */
  loadAverage1m: number;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux
  }
  return 'unknown';
}

export function describeMachine(): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    tfjs: tf.version_core,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}
