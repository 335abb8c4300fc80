import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, Rng, registry, type MaskRequest, type MaskSample, type TokenLayout } from '@mtojs/core';
import { BertMasking, SpanMasking, WholeWordMasking } from '@mtojs/masking';
import { partContext } from './fixtures.js';

const N = 64;
const VOCAB = 500;

function textLayout(): TokenLayout {
  return { numTokens: N, tokenDim: VOCAB, targetDim: VOCAB, grid: [1, N], discrete: true };
}

/** Rows like the text adapter's: [CLS] words... [SEP] [PAD]...; ids < 5 special; about a third continuations. */
function textRequest(batchSize: number, seed: number): MaskRequest {
  const rng = new Rng(seed);
  const tokens = new Int32Array(batchSize * N);
  const isProtected = new Uint8Array(batchSize * N);
  const wordStarts = new Uint8Array(batchSize * N);
  for (let b = 0; b < batchSize; b++) {
    const length = 10 + rng.int(N - 10);
    for (let i = 0; i < N; i++) {
      const k = b * N + i;
      const id = i === 0 ? 2 : i === length - 1 ? 3 : i >= length ? 0 : 5 + rng.int(VOCAB - 5);
      tokens[k] = id;
      isProtected[k] = id < 5 ? 1 : 0;
      wordStarts[k] = i > 1 && rng.random() < 0.33 ? 0 : 1;
    }
  }
  return { batchSize, layout: textLayout(), protected: isProtected, tokens, wordStarts };
}

function tally(sample: MaskSample, request: MaskRequest) {
  let selected = 0;
  let masked = 0;
  let random = 0;
  let kept = 0;
  for (let i = 0; i < sample.mask.length; i++) {
    if (sample.target![i]) {
      assert.equal(request.protected![i], 0, `position ${i}: a protected (special or padding) token was selected`);
      selected++;
      if (sample.mask[i]) masked++;
      else if (sample.replaceIds![i] >= 0) random++;
      else kept++;
    }
    if (sample.mask[i]) assert.equal(sample.target![i], 1, 'every masked token is a target');
  }
  return { selected, masked, random, kept };
}

test('bert: 15% of the non-special tokens per row, split 80/10/10 within tolerance over many draws', () => {
  const masking = new BertMasking();
  const rng = new Rng(3);
  const totals = { selected: 0, masked: 0, random: 0, kept: 0 };
  for (let draw = 0; draw < 40; draw++) {
    const request = textRequest(64, draw);
    const sample = masking.sample(request, rng);
    for (let b = 0; b < 64; b++) {
      let eligible = 0;
      let targets = 0;
      for (let i = 0; i < N; i++) {
        eligible += 1 - request.protected![b * N + i];
        targets += sample.target![b * N + i];
      }
      assert.equal(targets, Math.round(0.15 * eligible), `row ${b}`);
    }
    const t = tally(sample, request);
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += t[k];
  }
  // About 16,000 targets: 3.5 binomial standard deviations of each share is under 1.5 points.
  const n = totals.selected;
  const within = (observed: number, p: number) => Math.abs(observed / n - p) < 3.5 * Math.sqrt((p * (1 - p)) / n);
  assert.ok(n > 10_000, `${n} targets`);
  assert.ok(within(totals.masked, 0.8), `[MASK] share ${totals.masked / n}`);
  assert.ok(within(totals.random, 0.1), `random share ${totals.random / n}`);
  assert.ok(within(totals.kept, 0.1), `kept share ${totals.kept / n}`);
});

test('bert: random replacements are regular tokens of the batch, never specials', () => {
  const request = textRequest(32, 9);
  const sample = new BertMasking({ maskRate: 0, randomRate: 1, keepRate: 0 }).sample(request, new Rng(1));
  const present = new Set(Array.from(request.tokens!).filter((id) => id >= 5));
  let replaced = 0;
  for (let i = 0; i < sample.mask.length; i++) {
    assert.equal(sample.mask[i], 0);
    if (sample.target![i]) {
      replaced++;
      assert.ok(present.has(sample.replaceIds![i]), `replacement ${sample.replaceIds![i]}`);
    }
  }
  assert.ok(replaced > 0);
});

test('bert: rates are validated to sum to at most 1; the remainder is neither changed nor predicted', () => {
  assert.throws(() => new BertMasking({ maskRate: 0.8, randomRate: 0.2, keepRate: 0.1 }), (e: Error) => e instanceof ConfigError && /more than 1/.test(e.message));
  assert.throws(() => registry.create('masking', { name: 'bert', selectRatio: 1.5 }, partContext()), ConfigError);
  const request = textRequest(64, 4);
  const all = new BertMasking({ maskRate: 1, randomRate: 0, keepRate: 0 }).sample(request, new Rng(2));
  const half = new BertMasking({ maskRate: 0.5, randomRate: 0, keepRate: 0 }).sample(request, new Rng(2));
  const count = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);
  assert.equal(count(all.mask), count(all.target!));
  const share = count(half.target!) / count(all.target!);
  assert.ok(share > 0.4 && share < 0.6, `${share}`);
});

test('whole-word: a selected word is selected with all its continuation pieces; specials never', () => {
  const masking = new WholeWordMasking();
  for (let seed = 0; seed < 5; seed++) {
    const request = textRequest(32, seed);
    const sample = masking.sample(request, new Rng(seed));
    tally(sample, request);
    const t = sample.target!;
    for (let k = 1; k < t.length; k++) {
      const continuation = request.wordStarts![k] === 0 && request.protected![k] === 0 && request.protected![k - 1] === 0 && k % N !== 0;
      if (continuation) assert.equal(t[k], t[k - 1], `position ${k} continues the word before it`);
    }
  }
});

test('span: contiguous spans with about the configured mean length, never on specials', () => {
  const masking = new SpanMasking({ selectRatio: 0.3, meanSpanLength: 3 });
  let spans = 0;
  let selected = 0;
  for (let seed = 0; seed < 20; seed++) {
    const request = textRequest(32, seed);
    const sample = masking.sample(request, new Rng(seed));
    tally(sample, request);
    for (let k = 0; k < sample.target!.length; k++) {
      if (!sample.target![k]) continue;
      selected++;
      if (k % N === 0 || !sample.target![k - 1]) spans++;
    }
  }
  // Adjacent spans merge and the budget clips the last, so the observed mean is near, mostly above, 3.
  const mean = selected / spans;
  assert.ok(mean > 2.3 && mean < 5, `mean run length ${mean}`);
  let sum = 0;
  const rng = new Rng(5);
  for (let i = 0; i < 20_000; i++) sum += new SpanMasking({ meanSpanLength: 4, maxSpanLength: 1000 }).drawLength(rng);
  assert.ok(Math.abs(sum / 20_000 - 4) < 0.15, `geometric mean ${sum / 20_000}`);
});
