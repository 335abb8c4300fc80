import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY, fitSteps, mtoOf, tinyTrainer, useCpu } from './tiny-run.js';

before(useCpu);

test('mae with MTO on: the plugin state round-trips through a checkpoint and resume reproduces an uninterrupted run exactly', async () => {
  const overrides = [...TINY.mae, 'plugins.mto.diagnostics={enabled: true}'];
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-mto-resume-'));
  const straight = tinyTrainer('mae-mto.yaml', overrides).trainer;
  const first = tinyTrainer('mae-mto.yaml', overrides, dir).trainer;
  const second = tinyTrainer('mae-mto.yaml', overrides, dir).trainer;
  try {
    const all = await fitSteps(straight);

    first.events.on('epochEnd', () => first.requestStop('test: stop after epoch 1'));
    const before = await fitSteps(first);
    assert.equal(before.length, 2);
    const saved = mtoOf(first).getState();
    assert.equal(saved.appliedSteps, 2);
    assert.ok(Object.keys(saved.diagnostics).length > 0, 'diagnostic means are part of the state');

    const state = await second.restore(dir);
    assert.equal(state.step, 2);
    assert.deepEqual(state.plugins.mto, JSON.parse(JSON.stringify(saved)));
    assert.deepEqual(mtoOf(second).getState(), saved);
    const after = await fitSteps(second);

    const resumed = [...before, ...after];
    assert.deepEqual(resumed.map((s) => s.step), all.map((s) => s.step));
    assert.deepEqual(resumed.map((s) => s.loss), all.map((s) => s.loss));
    assert.deepEqual(resumed.map((s) => s.terms), all.map((s) => s.terms));
    assert.deepEqual(mtoOf(second).getState(), mtoOf(straight).getState());
  } finally {
    straight.dispose();
    first.dispose();
    second.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
