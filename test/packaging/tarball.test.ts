/**
 * The packages as a user outside this repository gets them (docs/installing.md): `npm pack`
 * tarballs of core and every plugin, installed into a fresh project, used from a TypeScript
 * program compiled with tsc and run with node. Needs the built packages (npm test builds them)
 * and the npm registry or a warm npm cache for their dependencies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** Every published package: core first, then the plugins. */
const PACKAGES = ['@mtojs/core', '@mtojs/masking', '@mtojs/transformer', '@mtojs/image', '@mtojs/mto', '@mtojs/text', '@mtojs/audio'];
/** Packages the user's code shares with ours: peer dependencies, so exactly one copy is installed. */
const SHARED = ['@tensorflow/tfjs-core', 'tsyringe', 'zod', '@mtojs/core'];

function run(cmd: string, args: string[], cwd: string): string {
  return runBoth(cmd, args, cwd).stdout;
}

function runBoth(cmd: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** `npm pack` of each package into `dest`; returns the tarball paths (core first). */
function packAll(dest: string): string[] {
  const out = run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dest, ...PACKAGES.flatMap((p) => ['-w', p])], ROOT);
  const packed = JSON.parse(out) as { name: string; filename: string }[];
  const byName = new Map(packed.map((p) => [p.name, join(dest, p.filename)]));
  return PACKAGES.map((p) => {
    const file = byName.get(p);
    assert.ok(file && existsSync(file), `npm pack made no tarball for ${p}`);
    return file;
  });
}

/**
 * A fresh project depending on the tarballs, as docs/installing.md shows, and, as a user's code
 * would, on the shared packages directly.
 */
function createProject(dir: string, tarballs: string[]): void {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }, null, 2));
  run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...tarballs, '@types/node@^20', '@tensorflow/tfjs-core@^4.22.0', 'tsyringe@^4.10.0', 'zod@^4.1.0'], dir);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true, types: ['node'], rootDir: 'src', outDir: 'dist' }, include: ['src'] }, null, 2),
  );
  mkdirSync(join(dir, 'src'));
}

/** Every installed copy of `name` under node_modules (nested ones too). */
function installedCopies(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (nm: string) => {
    if (!existsSync(nm)) return;
    if (existsSync(join(nm, name, 'package.json'))) found.push(join(nm, name));
    for (const entry of readdirSync(nm)) {
      const sub = entry.startsWith('@') ? readdirSync(join(nm, entry)).map((e) => join(entry, e)) : [entry];
      for (const s of sub) walk(join(nm, s, 'node_modules'));
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

/** Compiles src/NAME.ts with the repository's tsc and runs it; returns its last stdout line as JSON, and its stderr. */
function compileAndRun(dir: string, name: string, source: string): { result: Record<string, unknown>; stderr: string } {
  writeFileSync(join(dir, 'src', `${name}.ts`), source);
  run(process.execPath, [TSC, '-p', dir], dir);
  const { stdout, stderr } = runBoth(process.execPath, [join(dir, 'dist', `${name}.js`)], dir);
  const out = stdout.trim().split('\n');
  return { result: JSON.parse(out[out.length - 1]!) as Record<string, unknown>, stderr };
}

/** Pre-trains a tiny MAE with MTO on MNIST for a few steps through the documented API. */
const PRETRAIN = `import * as tf from '@tensorflow/tfjs-core';
import { Trainer } from '@mtojs/core';
import { container } from 'tsyringe';

async function main(): Promise<void> {
  const trainer = await Trainer.fromConfig(
    {
      name: 'packaged',
      seed: 1,
      backend: 'wasm',
      data: { name: 'mnist', trainSize: 128, testSize: 64 },
      adapter: { name: 'image', patchSize: 7, normPix: true },
      masking: { name: 'random', ratio: 0.75 },
      model: { name: 'mae', width: 16, depth: 1, heads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2 },
      plugins: [{ name: 'mto' }],
      trainer: { epochs: 1, batchSize: 32, logEvery: 1, progress: 'none' },
      eval: { enabled: true, baselines: false, probeSteps: 20 },
    },
    // The user's own tsyringe container: with a second tsyringe copy, resolving the Trainer
    // from it fails ('TypeInfo not known for "Trainer"').
    { outDir: 'runs/packaged', container: container.createChildContainer() },
  );
  const fit = await trainer.fit();
  trainer.dispose();
  console.log(JSON.stringify({ backend: tf.getBackend(), steps: fit.steps, loss: fit.history.loss, knn: fit.history['eval/knn_acc'], tensors: tf.memory().numTensors }));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
`;

/**
 * Uses what PRETRAIN made, as the docs show: exports the run with the installed `mto export`,
 * then a program that loads the folder with `loadEncoder` and embeds two test digits as raw
 * pixel arrays, and the same digits through the run's own model, rebuilt from its checkpoint.
 */
const ENCODE = `import * as tf from '@tensorflow/tfjs-core';
import { Trainer, loadEncoder } from '@mtojs/core';

async function main(): Promise<void> {
  const encoder = await loadEncoder('mnist-encoder');
  const trainer = await Trainer.fromConfig('runs/packaged/config.json', { outDir: null });
  await trainer.restore('runs/packaged');
  const batch = trainer.data.batch('test', [0, 1]);
  const pixels = await batch.inputs.data();
  const digits = [pixels.slice(0, 784), pixels.slice(784, 1568)];
  const fromRun = tf.tidy(() => trainer.model.encode(trainer.adapter.prepare(batch)));
  const expected = (await fromRun.array()) as number[][];
  const got = await encoder.encode(digits.map((d) => Float32Array.from(d)));
  fromRun.dispose();
  batch.inputs.dispose();
  trainer.dispose();
  encoder.dispose();
  const diff = Math.max(...got.flatMap((f, i) => Array.from(f, (v, j) => Math.abs(v - expected[i]![j]!))));
  console.log(JSON.stringify({ info: encoder.info, widths: got.map((f) => f.length), diff, tensors: tf.memory().numTensors }));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
`;

function exportLoadAndEncode(project: string): void {
  const exported = run(process.execPath, [join(project, 'node_modules', '@mtojs', 'core', 'bin', 'mto.js'), 'export', 'runs/packaged', '--out', 'mnist-encoder', '--quiet'], project);
  assert.match(exported, /mnist-encoder/);
  assert.deepEqual(readdirSync(join(project, 'mnist-encoder')).sort(), ['model.json', 'weights.bin']);
  const { result: r } = compileAndRun(project, 'encode', ENCODE);
  assert.deepEqual(r.widths, [16, 16]);
  assert.equal((r.info as { model: string }).model, 'mae');
  assert.ok((r.diff as number) < 1e-5, `loaded encoder vs the run's model: ${r.diff}`);
  assert.equal(r.tensors, 0, 'the encoder and the trainer free every tensor');
}

test('npm pack tarballs install into a fresh project with one copy of each shared package; a TypeScript program pre-trains through Trainer.fromConfig, exports with mto export, loads with loadEncoder and encodes', { timeout: 180_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mtojs-tarball-'));
  try {
    const tarballs = packAll(tmp);
    const project = join(tmp, 'project');
    mkdirSync(project);
    createProject(project, tarballs);
    for (const name of SHARED) assert.equal(installedCopies(project, name).length, 1, `${name}: installed copies ${installedCopies(project, name).join(', ')}`);
    assert.equal(existsSync(join(project, 'node_modules', '@tensorflow', 'tfjs')), false, 'the whole @tensorflow/tfjs is not a dependency');

    const { result: r, stderr } = compileAndRun(project, 'pretrain', PRETRAIN);
    assert.doesNotMatch(stderr, /Platform node has already been set/, 'one tfjs-core');
    assert.equal(r.backend, 'wasm');
    assert.equal(r.steps, 4);
    assert.equal((r.loss as number[]).length, 1);
    assert.ok((r.loss as number[]).every(Number.isFinite), `loss ${JSON.stringify(r.loss)}`);
    const knn = (r.knn as number[])[0]!;
    assert.ok(knn >= 0 && knn <= 1, `k-NN accuracy ${knn}`);
    assert.equal(r.tensors, 0, 'dispose() frees every tensor the run made');
    assert.ok(existsSync(join(project, 'runs', 'packaged', 'metrics.jsonl')));

    // The CLI ships in the core tarball: `mto list` in the project sees every plugin's parts.
    const listed = run(process.execPath, [join(project, 'node_modules', '@mtojs', 'core', 'bin', 'mto.js'), 'list'], project);
    for (const part of ['mae', 'mto', 'mnist', 'spam-assassin', 'spoken-digits', 'random']) assert.match(listed, new RegExp(`^  ${part}\\s`, 'm'));

    exportLoadAndEncode(project);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
