// Builds the page into dist/: the bundled app, the page, an exported encoder and a few test digits.
//   node examples/browser/build.mjs --encoder DIR [--out DIR] [--digits N]
// DIR is a folder written by `mto export RUN_DIR --out DIR`.
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Bundles and assembles the page; returns the output folder. */
export async function buildPage({ encoder, out = join(here, 'dist'), digits = 10 }) {
  const src = resolve(encoder);
  if (!existsSync(join(src, 'model.json'))) throw new Error(`--encoder: ${encoder} holds no model.json (write one with 'mto export RUN_DIR --out DIR')`);
  const tmp = `${resolve(out)}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outfile: join(tmp, 'app.js'),
    sourcemap: true,
    logLevel: 'warning',
  });
  cpSync(join(here, 'public'), tmp, { recursive: true });
  cpSync(src, join(tmp, 'encoder'), { recursive: true });
  writeFileSync(join(tmp, 'digits.json'), JSON.stringify(await testDigits(digits)));
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return out;
}

/** The first `n` digits of the built-in MNIST test split, as 784 values in [0, 1] each. */
async function testDigits(n) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const { MnistData } = await import('@mtojs/image');
  const data = new MnistData({ trainSize: 0, testSize: n });
  await data.load();
  const batch = data.batch('test', Array.from({ length: n }, (_, i) => i));
  const flat = Array.from(await batch.inputs.data(), (v) => Math.round(v * 1e4) / 1e4);
  batch.inputs.dispose();
  return Array.from({ length: n }, (_, i) => flat.slice(i * 784, (i + 1) * 784));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { encoder: { type: 'string' }, out: { type: 'string' }, digits: { type: 'string' } }, strict: true });
  if (!values.encoder) {
    process.stderr.write('usage: node build.mjs --encoder DIR [--out DIR] [--digits N]\n');
    process.exit(2);
  }
  try {
    const out = await buildPage({ encoder: values.encoder, out: values.out, digits: values.digits ? Number(values.digits) : 10 });
    process.stdout.write(`page built in ${out}; serve it with: node ${join(here, 'serve.mjs')} --dir ${out}\n`);
  } catch (e) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(2);
  }
}
