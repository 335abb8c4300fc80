import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '../../..');

/** Packages whose main import must bundle for a browser (their `browser` export, or their only one). */
const PACKAGES = ['@mtojs/core', '@mtojs/masking', '@mtojs/transformer', '@mtojs/image', '@mtojs/text', '@mtojs/audio', '@mtojs/mto'];

async function bundle(contents: string) {
  return build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    metafile: true,
  });
}

for (const pkg of PACKAGES) {
  test(`${pkg} bundles for the browser: no Node built-in is reachable from its browser entry`, async () => {
    let result;
    try {
      result = await bundle(`export * from '${pkg}';`);
    } catch (e) {
      const errors = (e as { errors?: { text: string; location?: { file: string } | null }[] }).errors ?? [];
      assert.fail(`${pkg}: ${errors.map((x) => `${x.text} (${x.location?.file ?? '?'})`).join('; ') || String(e)}`);
    }
    const inputs = Object.keys(result.metafile!.inputs);
    const nodeOnly = inputs.filter((f) => /(^|\/)(cli|checkpoint|node)\/|fs-atomic|run-dir|metrics-writer|resolve-backend|\/data\/(mnist|idx|image-folder|spoken-digits|wav-folder|spam-assassin|sotu|text-file|read-documents)\./.test(f));
    assert.deepEqual(nodeOnly, [], `${pkg}'s browser bundle pulls Node-only modules`);
  });
}

test('a module that imports a Node built-in does not bundle for the browser (the check above can fail)', async () => {
  await assert.rejects(bundle(`import { readFileSync } from 'node:fs'; export const read = readFileSync;`));
});
