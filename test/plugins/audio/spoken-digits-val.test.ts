import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpokenDigitsData } from '@mtojs/audio';

test('spoken-digits valSpeakers: whole speakers (one per accent each) move from training to a val split; test is untouched', async () => {
  const plain = new SpokenDigitsData();
  await plain.load();
  const withVal = new SpokenDigitsData({ valSpeakers: 1 });
  await withVal.load();
  assert.equal(plain.size('val'), 0);
  // 8 accents x 1 speaker x 10 digits x 2 takes.
  assert.equal(withVal.size('val'), 160);
  assert.equal(withVal.size('train'), plain.size('train') - 160);
  assert.equal(withVal.size('test'), plain.size('test'));
  // Every digit is in the val split, equally often (16 clips each: 8 speakers x 2 takes).
  const batch = withVal.batch('val', Array.from({ length: 160 }, (_, i) => i));
  const counts = new Array(10).fill(0);
  for (const l of batch.labels!) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(16));
  batch.inputs.dispose();
  for (const t of Object.values(batch.extra ?? {})) t.dispose();
});
