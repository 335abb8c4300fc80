import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, mto, tempDir } from '../core/fixtures/encoder-journey.js';

const DOC = readFileSync(join(ROOT, 'docs/using-an-encoder.md'), 'utf8');
const SOURCES = join(ROOT, 'test/docs/snippets/using-an-encoder');
const COMPILED = resolve(__dirname, 'snippets/using-an-encoder');

/** The doc's fenced blocks of one language. */
function blocks(lang: string): string[] {
  return [...DOC.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1].trimEnd());
}

/** The shell commands the doc shows, each run here with overrides that shrink it to seconds. */
const SHRINK: Record<string, string[]> = {
  'examples/mnist/mae.yaml': ['data.trainSize=128', 'data.testSize=64', 'trainer.epochs=1', 'trainer.batchSize=64'],
  'examples/text/mlm.yaml': ['data.trainSize=200', 'data.testSize=40', 'data.vocabSize=200', 'model={name: simmim, width: 32, depth: 1, heads: 2}', 'trainer.epochs=1', 'adapter.evalExamples=0'],
  'examples/audio/audiomae.yaml': ['data.trainSize=64', 'data.testSize=16', 'adapter.statsClips=64', 'model={name: mae, width: 32, depth: 1, heads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2}', 'trainer.epochs=1'],
};
const COMMON = ['eval.enabled=false', 'trainer.progress=none'];

test('docs/using-an-encoder.md: every TypeScript snippet is a tested file, verbatim', () => {
  const files = readdirSync(SOURCES).filter((f) => f.endsWith('.ts')).sort();
  // The blocks that quote this doc's snippet files (others quote examples, e.g. the browser page).
  const shown = [...DOC.matchAll(/<!-- excerpt: test\/docs\/snippets\/using-an-encoder\/[^ ]+ -->\n```ts\n([\s\S]*?)```/g)].map((m) => m[1].trimEnd());
  assert.equal(shown.length, files.length, 'one file per snippet block');
  for (const f of files) assert.ok(shown.includes(readFileSync(join(SOURCES, f), 'utf8').trimEnd()), `${f} is shown in the doc as it is`);
});

test('docs/using-an-encoder.md: the shell commands and snippets run as shown (pre-train -> export -> load -> encode, each modality)', () => {
  const { dir, cleanup } = tempDir('mtojs-doc-encoder-');
  try {
    const commands = blocks('bash').flatMap((b) => b.split('\n'));
    assert.ok(commands.length >= 6);
    for (const line of commands) {
      const args = line.replace(/^npx mto /, '').split(' ');
      assert.notEqual(args[0], line, `a mto command: ${line}`);
      if (args[0] === 'train') {
        const config = args[args.indexOf('--config') + 1];
        assert.ok(SHRINK[config], `a shrink for ${config}`);
        args[args.indexOf('--config') + 1] = join(ROOT, config);
        args.push(...[...SHRINK[config], ...COMMON].flatMap((s) => ['--set', s]), '--quiet');
      }
      const r = mto(args, dir);
      assert.equal(r.status, 0, `${line}: ${r.stderr}`);
    }
    const run = (name: string): string => {
      const r = spawnSync(process.execPath, [join(COMPILED, `${name}.js`)], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      return r.stdout;
    };
    assert.match(run('encode-images'), /^image 64 \[ 28, 28, 1 \]\nembeddings of 64 values; cos\(a, b\) = -?\d\.\d{3}, cos\(a, c\) = -?\d\.\d{3}\n$/);
    assert.match(run('features-tensor'), /^\[ 1000, 64 \]\n$/);
    assert.match(run('encode-text'), /^text 2 32\n$/);
    assert.match(run('encode-audio'), /^8000 Hz; embeddings of 32 and 32 values\n$/);
    assert.match(run('export-from-code'), /^\d+ bytes of weights\n$/);
    assert.deepEqual(readFileSync(join(dir, 'mnist-encoder-2', 'weights.bin')), readFileSync(join(dir, 'mnist-encoder', 'weights.bin')), 'the code exports what mto export does');
  } finally {
    cleanup();
  }
});
