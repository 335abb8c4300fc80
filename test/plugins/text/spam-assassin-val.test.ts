import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpamAssassinData } from '@mtojs/text';

test('spam-assassin valSize: a val split after the test emails, out of training; the test split is unchanged', async () => {
  const opts = { seqLen: 16, vocabSize: 200, maxDocumentChars: 200, trainSize: 200 };
  const plain = new SpamAssassinData(opts);
  await plain.load();
  const withVal = new SpamAssassinData({ ...opts, valSize: 300 });
  await withVal.load();
  assert.equal(plain.size('val'), 0);
  assert.equal(withVal.size('val'), 300);
  assert.equal(withVal.size('train'), 200);
  assert.equal(withVal.size('test'), plain.size('test'));
  await assert.rejects(async () => {
    const d = new SpamAssassinData({ ...opts, testSize: 3000, valSize: 3046 });
    await d.load();
  }, /testSize \+ valSize = 3000 \+ 3046 leaves no training email/);
});
