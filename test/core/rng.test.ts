import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@mtojs/core';

test('same seed, same stream: same numbers; streams are independent of each other', () => {
  const a = new Rng(42).stream('masking');
  const b = new Rng(42).stream('masking');
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(Array.from({ length: 5 }, () => b.nextUint32()), xs);
  const root = new Rng(42);
  const init = root.stream('init');
  init.random(); // consuming one stream does not shift another
  assert.deepEqual(
    Array.from({ length: 5 }, () => root.stream('masking').nextUint32())[0],
    new Rng(42).stream('masking').nextUint32(),
  );
  assert.notDeepEqual(Array.from({ length: 5 }, () => new Rng(43).stream('masking').nextUint32()), xs);
});

test('state round-trips exactly, including a cached normal', () => {
  const r = new Rng(1);
  r.normal();
  const s = r.getState();
  const next = [r.normal(), r.random(), r.int(10)];
  const q = new Rng(999);
  q.setState(JSON.parse(JSON.stringify(s)));
  assert.deepEqual([q.normal(), q.random(), q.int(10)], next);
});

test('uniform and normal have the right moments; permutation is a permutation', () => {
  const r = new Rng(3);
  let s = 0, s2 = 0, u = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
    u += r.random();
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
  assert.ok(Math.abs(u / n - 0.5) < 0.01);
  const p = Array.from(r.permutation(100)).sort((a, b) => a - b);
  assert.deepEqual(p, Array.from({ length: 100 }, (_, i) => i));
});
