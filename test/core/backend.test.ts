import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveBackend, MemoryLogger, RunFailure, UserError, type BackendEngine } from '@mtojs/core';

/** A recording engine: which backends exist and which start. */
function engine(registered: string[], failing: string[] = []): BackendEngine & { tried: string[] } {
  const tried: string[] = [];
  let current: string | undefined;
  return {
    tried,
    findBackend: (n) => (registered.includes(n) ? {} : undefined),
    setBackend: async (n) => {
      tried.push(n);
      if (!registered.includes(n)) throw new Error(`Backend name '${n}' not found in registry`);
      if (failing.includes(n)) return false;
      current = n;
      return true;
    },
    getBackend: () => current,
  };
}

function loader(installed: string[], onLoad: (n: string) => void = () => {}) {
  return (name: string) => {
    if (!installed.includes(name)) {
      const e = new Error(`Cannot find module '${name}'`) as NodeJS.ErrnoException;
      e.code = 'MODULE_NOT_FOUND';
      throw e;
    }
    onLoad(name);
    return {};
  };
}

test('auto order: tfjs-node-gpu, then tfjs-node, then wasm, then cpu; the log line says why each was skipped', async () => {
  const log = new MemoryLogger();
  const eng = engine(['wasm', 'cpu']);
  const r = await resolveBackend('auto', { load: loader(['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu']), engine: eng, logger: log });
  assert.equal(r.backend, 'wasm');
  assert.deepEqual(r.skipped.map((s) => s.backend), ['tensorflow']);
  assert.match(r.line, /^backend: wasm \(skipped tensorflow: @tensorflow\/tfjs-node-gpu not installed; @tensorflow\/tfjs-node not installed\)$/);
  assert.deepEqual(log.lines, [r.line]);
});

test('tfjs-node-gpu wins when it loads and registers the tensorflow backend', async () => {
  const registered = ['wasm', 'cpu'];
  const loaded: string[] = [];
  const eng = engine(registered);
  const r = await resolveBackend('auto', {
    load: loader(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'], (n) => {
      loaded.push(n);
      registered.push('tensorflow');
    }),
    engine: eng,
  });
  assert.equal(r.backend, 'tensorflow');
  assert.deepEqual(loaded, ['@tensorflow/tfjs-node-gpu']);
  assert.equal(r.line, 'backend: tensorflow');
});

test('tfjs-node is used when the gpu package is absent; a copy registered elsewhere is skipped with a reason', async () => {
  const eng = engine(['wasm', 'cpu', 'tensorflow']);
  const r = await resolveBackend('auto', { load: loader(['@tensorflow/tfjs-node']), engine: eng });
  assert.equal(r.backend, 'tensorflow');
  const eng2 = engine(['cpu']);
  const r2 = await resolveBackend('auto', { load: loader(['@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-cpu']), engine: eng2 });
  assert.equal(r2.backend, 'cpu');
  assert.match(r2.line, /tfjs-node loaded but registered its backend with another copy/);
  assert.match(r2.line, /wasm: @tensorflow\/tfjs-backend-wasm not installed/);
});

test('wasm that fails to start falls through to cpu', async () => {
  const eng = engine(['wasm', 'cpu'], ['wasm']);
  const r = await resolveBackend('auto', { load: loader(['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu']), engine: eng });
  assert.equal(r.backend, 'cpu');
  assert.match(r.line, /wasm: @tensorflow\/tfjs-backend-wasm: the backend failed to initialise/);
});

test('an explicit request is honoured or fails with a user error (exit 2); nothing else is tried; no backend at all is a run failure (exit 1)', async () => {
  const eng = engine(['wasm', 'cpu']);
  const r = await resolveBackend('cpu', { load: loader(['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm']), engine: eng });
  assert.equal(r.backend, 'cpu');
  assert.deepEqual(eng.tried, ['cpu']);
  await assert.rejects(resolveBackend('tensorflow', { load: loader([]), engine: engine([]) }), (e: unknown) => e instanceof UserError && e.exitCode === 2 && /backend 'tensorflow' cannot start/.test(e.message));
  await assert.rejects(resolveBackend('auto', { load: loader([]), engine: engine([]) }), (e: unknown) => e instanceof RunFailure && e.exitCode === 1 && /^no tensor backend could start \(tensorflow: .*; wasm: .*; cpu: /.test(e.message));
});

test('the real resolver picks wasm on this machine when asked for auto without the native bindings', async () => {
  const r = await resolveBackend('auto');
  assert.ok(['tensorflow', 'wasm'].includes(r.backend), r.line);
  await resolveBackend('cpu');
});
