import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@mtojs/core';
import { TextFileData } from '@mtojs/text';

let dir: string;
before(() => (dir = mkdtempSync(join(tmpdir(), 'mtojs-hostile-text-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

async function refused(options: Record<string, unknown>, message: RegExp): Promise<void> {
  const rss = process.memoryUsage().rss;
  await assert.rejects(() => new TextFileData({ seqLen: 16, vocabSize: 64, ...options } as never).load(), (e: unknown) => {
    assert.ok(e instanceof UserError, String((e as Error).stack));
    assert.match(e.message, message);
    assert.equal(e.exitCode, 2, 'a mistake in what was given');
    return true;
  });
  assert.ok(process.memoryUsage().rss - rss < 300 * 2 ** 20, 'read with a cap');
}

test('a text file that is a device (/dev/zero) is refused at once instead of read until memory runs out', async () => {
  await refused({ path: '/dev/zero' }, /^\/dev\/zero: is not a regular file \(a device, pipe or socket\); expected a text file$/);
});

test('files and lines past data.maxBytes and data.maxLineBytes are refused naming the file and line', async () => {
  const big = join(dir, 'big.txt');
  writeFileSync(big, 'a few words here\n'.repeat(1000));
  await refused({ path: big, maxBytes: 1000 }, new RegExp(`^${big}: 17000 bytes, more than data.maxBytes \\(1000\\); raise it to read a larger file$`));
  const long = join(dir, 'long.txt');
  writeFileSync(long, 'short line one\n' + 'word '.repeat(300_000) + '\nshort line three\n');
  await refused({ path: long }, new RegExp(`^${long}:2: a line of 1500000 bytes, more than data.maxLineBytes \\(1048576\\)`));
  // Raised, the same file reads.
  const ok = new TextFileData({ path: long, seqLen: 16, vocabSize: 64, maxLineBytes: 2_000_000 });
  await ok.load();
  assert.ok(ok.size('train') > 0);
});
