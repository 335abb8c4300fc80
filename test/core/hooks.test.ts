import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncHook, SyncWaterfallHook, orderTaps } from '@mtojs/core';

test('taps run by stage, then registration order', () => {
  const h = new SyncHook<[string[]]>('h');
  h.tap({ name: 'late', stage: 10 }, (log) => log.push('late'));
  h.tap('a', (log) => log.push('a'));
  h.tap({ name: 'early', stage: -5 }, (log) => log.push('early'));
  h.tap('b', (log) => log.push('b'));
  const log: string[] = [];
  h.call(log);
  assert.deepEqual(log, ['early', 'a', 'b', 'late']);
});

test('before/after override stage order', () => {
  const order = orderTaps([
    { name: 'x', stage: 0 },
    { name: 'y', stage: 5, before: 'x' },
    { name: 'z', after: ['y'] },
  ]).map((t) => t.name);
  assert.deepEqual(order, ['y', 'x', 'z']);
});

test('constraints naming absent taps are ignored', () => {
  assert.deepEqual(orderTaps([{ name: 'a', before: 'missing' }, { name: 'b' }]).map((t) => t.name), ['a', 'b']);
});

test('a before/after cycle is an error naming the taps, and the offending tap is not kept', () => {
  const h = new SyncHook<[]>('loss');
  h.tap({ name: 'p', before: 'q' }, () => {});
  assert.throws(() => h.tap({ name: 'q', before: 'p' }, () => {}), /loss: .*cycle.*p, q/);
  assert.deepEqual(h.tapNames(), ['p']);
});

test('duplicate tap names are an error', () => {
  const h = new SyncHook<[]>('h');
  h.tap('a', () => {});
  assert.throws(() => h.tap('a', () => {}), /two taps are named 'a'/);
});

test('waterfall passes the value through taps in order; the tracer sees each call', () => {
  const h = new SyncWaterfallHook<number, [number]>('w');
  const trace: string[] = [];
  h.tracer = (hook, tap) => trace.push(`${hook}:${tap}`);
  h.tap('double', (v) => v * 2);
  h.tap({ name: 'plus', stage: -1 }, (v, k) => v + k);
  assert.equal(h.call(1, 3), 8);
  assert.deepEqual(trace, ['w:plus', 'w:double']);
});

test('an async tap is rejected: hooks run inside the gradient tape', () => {
  const h = new SyncHook<[]>('h');
  h.tap('async', (async () => {}) as unknown as () => void);
  assert.throws(() => h.call(), /returned a Promise/);
});

test('untap removes a tap', () => {
  const h = new SyncHook<[string[]]>('h');
  const off = h.tap('a', (l) => l.push('a'));
  off();
  const l: string[] = [];
  h.call(l);
  assert.deepEqual(l, []);
});

test('progress times round before splitting minutes and seconds', async () => {
  const { fmtTime } = await import('@mtojs/core');
  assert.equal(fmtTime(119.6), '2m00s');
  assert.equal(fmtTime(59.4), '59s');
  assert.equal(fmtTime(61), '1m01s');
  assert.equal(fmtTime(NaN), '--');
});
