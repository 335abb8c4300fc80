import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@mtojs/core';
import { TextFileData, readDocuments } from '@mtojs/text';

const dir = mkdtempSync(join(tmpdir(), 'mtojs-text-file-'));
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
const fields = { textField: 'text' };

test('text-file: plain text is one document per line (blank lines skipped), JSONL with a label field', async () => {
  assert.deepEqual(
    readDocuments(file('a.txt', 'first doc\n\nsecond doc\r\n'), 'text', fields).map((d) => [d.text, d.line]),
    [['first doc', 1], ['second doc', 3]],
  );
  const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `message number ${i} about ${i % 2 ? 'cheap pills' : 'the meeting'}`, label: i % 2 ? 'spam' : 'ham' }));
  const data = new TextFileData({ path: file('b.jsonl', lines.join('\n')), labelField: 'label', testFraction: 0.25, vocabSize: 80, seqLen: 16 });
  await data.load();
  assert.deepEqual(data.info.classNames, ['ham', 'spam']);
  assert.equal(data.size('train') + data.size('test'), 20);
  assert.equal(data.size('test'), 5);
  const batch = data.batch('train', [0, 1]);
  assert.deepEqual(batch.inputs.shape, [2, 16]);
  assert.equal(batch.inputs.dataSync()[0], 2, 'sequences start with [CLS]');
  batch.inputs.dispose();
});

test('text-file: empty, binary, badly encoded and malformed input errors name the file and line', () => {
  const expectError = (path: string, format: 'text' | 'jsonl', pattern: RegExp) =>
    assert.throws(() => readDocuments(path, format, { textField: 'text', labelField: format === 'jsonl' ? 'label' : undefined }), (e: Error) => e instanceof UserError && e.exitCode === 2 && e.message.startsWith(path) && pattern.test(e.message));
  expectError(file('empty.txt', ''), 'text', /is empty/);
  expectError(file('blank.txt', '\n  \n'), 'text', /no documents/);
  expectError(file('binary.txt', Buffer.from([0x68, 0x69, 0x0a, 0x00, 0x01, 0x02])), 'text', /:2: contains a NUL byte/);
  expectError(file('latin1.txt', Buffer.concat([Buffer.from('ok\nalso ok\ncaf'), Buffer.from([0xe9]), Buffer.from('\n')])), 'text', /:3: is not valid UTF-8/);
  expectError(file('bad.jsonl', '{"text": "a", "label": "x"}\n{"text": \n'), 'jsonl', /:2: is not valid JSON/);
  expectError(file('nolabel.jsonl', '{"text": "a", "label": "x"}\n{"text": "b"}\n'), 'jsonl', /:2: the label field 'label' is missing/);
  expectError(file('emptytext.jsonl', '{"text": "", "label": "x"}\n'), 'jsonl', /:1: the field 'text' is empty/);
});
