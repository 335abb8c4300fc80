import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { UserError } from '@mtojs/core';
import { runReport } from '@mtojs/report';

export const BIN = resolve(__dirname, '../../../core/dist/cli/bin.js');

/** Runs the `mto` CLI in `cwd`. */
export function mto(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * `mto report ARGS` in this process, in `cwd` (much faster than a new process per call). Bad
 * input is turned into exit code and stderr line the way the CLI's main() does; the tests that
 * spawn the real `mto` check that path.
 */
export async function reportInProcess(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const before = process.cwd();
  let out = '';
  try {
    process.chdir(cwd);
    const code = await runReport(args, (t) => void (out += t));
    return { code, out, err: '' };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { code: e.exitCode, out, err: `error: ${e.message}\n` };
  } finally {
    process.chdir(before);
  }
}

export function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'mtojs-report-'));
}

/** A small solid-colour PNG (real bytes, decodable by a browser). */
export function pngBytes(w = 12, h = 8, rgb: [number, number, number] = [200, 40, 40]): Buffer {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) png.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(png);
}

/**
 * A synthetic run directory as `mto train` writes it: 3 epochs of 4 steps, a 3-layer
 * heterogeneity profile `het(layer, epoch) = 0.1 * layer + 0.01 * epoch` (every step of an
 * epoch the same, so the epoch mean is exact), evaluations, a baseline and one image.
 */
export function writeSyntheticRun(dir: string, opts: { name?: string; diagnostics?: boolean; extraConfig?: Record<string, unknown> } = {}): string {
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: opts.name ?? 'synthetic', seed: 1, trainer: { epochs: 3 }, ...opts.extraConfig }, null, 2));
  const lines: object[] = [{ type: 'baseline', raw_knn_acc: 0.8, raw_probe_acc: 0.7, init_knn_acc: 0.3, init_probe_acc: 0.35, time: 1 }];
  let step = 0;
  for (let e = 0; e < 3; e++) {
    for (let b = 0; b < 4; b++, step++) {
      const rec: Record<string, unknown> = { type: 'step', step, epoch: e, loss: 1 / (step + 1), 'loss/task': 1 / (step + 1), lr: 0.01, time: 2 };
      if (opts.diagnostics !== false) for (let l = 0; l < 3; l++) Object.assign(rec, { [`mto/het/L${l}`]: 0.1 * l + 0.01 * e, [`mto/vis2mask/L${l}`]: 0.05 * l });
      lines.push(rec);
    }
    lines.push({ type: 'epoch', epoch: e, step, loss: 1 / (2 * e + 1), 'loss/task': 1 / (2 * e + 1), 'eval/knn_acc': 0.4 + 0.1 * e, 'eval/probe_acc': 0.45 + 0.1 * e, time: 3 });
  }
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(join(dir, 'artifacts', 'recon-epoch-003.png'), pngBytes());
  return dir;
}
