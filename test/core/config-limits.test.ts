import { test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { CONFIG_LIMITS, ConfigError, applyOverride, loadConfig, parseRunConfig, readConfigFile, validateParts } from '@mtojs/core';
import { tinyConfig } from './fixtures/tiny-task.js';
import { withFile } from './fixtures/temp-file.js';

/** The ConfigError `fn` throws (asserted to be one, with exit code 2). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String((e as Error).stack));
    assert.equal(e.exitCode, 2);
    return e;
  }
  assert.fail('expected a ConfigError');
}


test('a JSON config with a key given twice is refused naming the key and line (JSON.parse would keep the last)', () => {
  const text = JSON.stringify(tinyConfig(), null, 1).replace('"seed": 7', '"seed": 7,\n "seed": 8');
  withFile('dup.json', text, (p) => {
    assert.match(configError(() => readConfigFile(p)).message, new RegExp(`^${p}: line 4: the key 'seed' appears twice in one object`));
  });
  // The same key in two different objects, and a key-like string value, are fine.
  withFile('ok.json', JSON.stringify({ ...tinyConfig(), name: 'name' }), (p) => assert.equal(readConfigFile(p).name, 'name'));
});

test('YAML that only warned is refused: unknown tags, !!js/function, an unsupported %YAML version, alias bombs', () => {
  const base = YAML.stringify(tinyConfig());
  const cases: [string, RegExp][] = [
    [base.replace('name: tiny', 'name: !frobnicate tiny'), /not valid YAML: Unresolved tag: !frobnicate/],
    [base + 'extra: !!js/function "function () {}"\n', /not valid YAML: Unresolved tag: tag:yaml.org,2002:js\/function/],
    ['%YAML 9.9\n---\n' + base, /not valid YAML: Unsupported YAML version 9.9/],
    ['a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n', /not valid YAML: Excessive alias count/],
  ];
  for (const [text, message] of cases) withFile('c.yaml', text, (p) => assert.match(configError(() => readConfigFile(p)).message, message));
});

test('configs past the size, key and nesting limits are refused before parsing, at once', () => {
  const keys = YAML.stringify(tinyConfig()) + 'junk:\n' + Array.from({ length: 20_000 }, (_, i) => `  k${i}: 1\n`).join('');
  const t = performance.now();
  withFile('keys.yaml', keys, (p) => assert.match(configError(() => readConfigFile(p)).message, new RegExp(`more than the ${CONFIG_LIMITS.keys} a config file may hold`)));
  assert.ok(performance.now() - t < 2000, 'refused without parsing');
  withFile('big.yaml', 'name: x\n' + '#'.repeat(CONFIG_LIMITS.bytes), (p) => assert.match(configError(() => readConfigFile(p)).message, /characters, more than the 262144 a config file may hold/));
  withFile('deep.json', '['.repeat(100_000) + ']'.repeat(100_000), (p) => assert.match(configError(() => readConfigFile(p)).message, /nested 100000 deep, more than the 64/));
  assert.match(configError(() => applyOverride({}, `x=${'['.repeat(1000)}`)).message, /^--set x=\.\.\.: the value has lists or mappings nested 1000 deep/);
});

test('optimiser and schedule values that cannot train are refused: beta 1, epsilon 1e30, gradClipNorm 1e30, warmupEpochs 1e30', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ optimizer: { name: 'adamw', beta1: 1 } }, /optimizer\.beta1: Too big: expected number to be <1/],
    [{ optimizer: { name: 'adam', beta2: 1 } }, /optimizer\.beta2: Too big: expected number to be <1/],
    [{ optimizer: { name: 'adamw', epsilon: 1e30 } }, /optimizer\.epsilon: Too big: expected number to be <=1/],
    [{ optimizer: { name: 'sgd', momentum: 1 } }, /optimizer\.momentum: Too big/],
    [{ trainer: { gradClipNorm: 1e30 } }, /trainer\.gradClipNorm: Too big/],
    [{ schedule: { name: 'warmup-cosine', warmupEpochs: 1e30 } }, /schedule\.warmupEpochs: Too big/],
  ];
  for (const [over, message] of cases) {
    assert.match(configError(() => validateParts(parseRunConfig(tinyConfig(over)))).message, message);
  }
  // Values just inside stay valid.
  validateParts(parseRunConfig(tinyConfig({ optimizer: { name: 'adamw', beta1: 0.99, beta2: 0.9999, epsilon: 1 } })));
});

test('loadConfig refuses a duplicate key before anything else is read', () => {
  withFile('d.json', '{"name": "a", "name": "b"}', (p) => assert.match(configError(() => loadConfig(p)).message, /the key 'name' appears twice/));
});
