import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, parseRunConfig, validateParts, applyOverride, prepareRunConfig, ConfigError, MemoryLogger, Registry, registry } from '@mtojs/core';
import { tinyConfig } from './fixtures/tiny-task.js';
import { withFile } from './fixtures/temp-file.js';


test('YAML and JSON configs load with defaults filled in', () => {
  withFile('a.yaml', 'data: {name: sines}\nadapter: {name: signal}\nmasking: {name: exact-random}\nmodel: {name: tiny-attention}\n', (p) => {
    const { config } = loadConfig(p);
    assert.equal(config.trainer.epochs, 10);
    assert.equal(config.optimizer.name, 'adamw');
    assert.equal(config.seed, 0);
  });
  withFile('a.json', JSON.stringify(tinyConfig()), (p) => {
    assert.equal(loadConfig(p).config.trainer.batchSize, 32);
  });
});

test('a wrong field names the file, the field path, what was found and what was expected', () => {
  withFile('bad.yaml', 'data: {name: sines}\nadapter: {name: signal}\nmasking: {name: exact-random}\nmodel: {name: tiny-attention}\ntrainer: {batchSize: -3}\n', (p) => {
    assert.throws(
      () => loadConfig(p),
      (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && e.message.includes(p) && /trainer\.batchSize/.test(e.message) && /-3/.test(e.message) && />=\s*1/.test(e.message),
    );
  });
  withFile('bad2.yaml', 'data: {name: sines}\nadapter: {name: signal}\nmasking: {name: exact-random}\nmodel: {name: tiny-attention}\ntrainer: {epochs: "many"}\n', (p) => {
    assert.throws(() => loadConfig(p), (e: unknown) => e instanceof ConfigError && /trainer\.epochs/.test(e.message) && /expected number/.test(e.message) && /"many"/.test(e.message));
  });
});

test('unknown fields, a missing file and invalid YAML are one-line errors naming the file', () => {
  withFile('x.yaml', 'data: {name: sines}\nadapter: {name: signal}\nmasking: {name: exact-random}\nmodel: {name: tiny-attention}\ntrainr: {}\n', (p) => {
    assert.throws(() => loadConfig(p), /unknown field 'trainr'/);
  });
  assert.throws(() => loadConfig('/nonexistent/cfg.yaml'), (e: unknown) => e instanceof ConfigError && /nonexistent\/cfg\.yaml: cannot read the config file \(no such file\)/.test(e.message));
  withFile('y.yaml', 'data: [unclosed\n', (p) => {
    assert.throws(() => loadConfig(p), (e: unknown) => e instanceof ConfigError && e.message.startsWith(p) && /not valid YAML/.test(e.message));
  });
  withFile('z.yaml', '- a list\n', (p) => {
    assert.throws(() => loadConfig(p), /expected a mapping/);
  });
});

test('an unknown part name lists the known names; part options are validated with their path', () => {
  const cfg = parseRunConfig(tinyConfig({ masking: { name: 'nope' } }));
  assert.throws(() => validateParts(cfg, 'c.yaml'), (e: unknown) => e instanceof ConfigError && /c\.yaml: masking\.name: unknown masking 'nope'; known: .*exact-random/.test(e.message));
  const cfg2 = parseRunConfig(tinyConfig({ masking: { name: 'exact-random', ratio: 1.5 } }));
  assert.throws(() => validateParts(cfg2, 'c.yaml'), (e: unknown) => e instanceof ConfigError && /masking\.ratio/.test(e.message) && /1\.5/.test(e.message));
  const cfg3 = parseRunConfig(tinyConfig({ plugins: [{ name: 'missing-plugin' }] }));
  assert.throws(() => validateParts(cfg3, 'c.yaml'), /plugins\.0\.name: unknown plugin 'missing-plugin'/);
});

test('validated parts carry their defaults into the resolved config', () => {
  const cfg = validateParts(parseRunConfig(tinyConfig({ optimizer: { name: 'adamw' } })));
  assert.equal((cfg.optimizer as Record<string, unknown>).lr, 1e-3);
  assert.equal((cfg.optimizer as Record<string, unknown>).weightDecay, 0.05);
});

test('--set overrides: nested paths, YAML values, list index and component name', () => {
  const c: Record<string, unknown> = { trainer: { epochs: 3 }, plugins: [{ name: 'mto', lambdaE: 0.1 }, { name: 'other' }] };
  applyOverride(c, 'trainer.epochs=5');
  applyOverride(c, 'trainer.debugHooks=true');
  applyOverride(c, 'optimizer.lr=1e-4');
  applyOverride(c, 'plugins.mto.lambdaE=0.5');
  applyOverride(c, 'plugins.1.x=[1, 2]');
  applyOverride(c, 'name=my run');
  assert.deepEqual(c, {
    trainer: { epochs: 5, debugHooks: true },
    optimizer: { lr: 1e-4 },
    plugins: [{ name: 'mto', lambdaE: 0.5 }, { name: 'other', x: [1, 2] }],
    name: 'my run',
  });
  assert.throws(() => applyOverride(c, 'noequals'), /expected KEY=VALUE/);
  assert.throws(() => applyOverride(c, 'plugins.nothere.x=1'), /matches no entry/);
});

/** The ConfigError prepareRunConfig throws for a config and overrides. */
async function configIssues(config: Record<string, unknown>, set: string[]): Promise<string[]> {
  try {
    await prepareRunConfig(config, { set, source: 'c.yaml', logger: new MemoryLogger() });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.message, e.issues.join('\n'));
    return e.issues;
  }
  assert.fail('expected a ConfigError');
}

test("a config's problems come in one pass: overrides, top level and every part's options, one line each, with the nearest field or name", async () => {
  const issues = await configIssues(tinyConfig(), ['trainer.batchSize=-3', 'model.widht=3', 'foo.bar=1', 'masking.ratio=1.2', 'adapter.tokenSize=0', 'bad']);
  assert.deepEqual(issues, [
    '--set bad: expected KEY=VALUE, e.g. --set trainer.epochs=3',
    'c.yaml: trainer.batchSize: Too small: expected number to be >=1 (found -3)',
    "c.yaml: (top level): unknown field 'foo'",
    'c.yaml: adapter.tokenSize: Too small: expected number to be >=1 (found 0)',
    'c.yaml: masking.ratio: Too big: expected number to be <1 (found 1.2)',
    "c.yaml: model: unknown field 'widht'; did you mean 'width'?",
  ]);
  const names = await configIssues(tinyConfig(), ['masking.name=exact-randon', 'trainer.epoch=3', 'trainr.epochs=3']);
  assert.deepEqual(names, [
    "c.yaml: trainer: unknown field 'epoch'; did you mean 'epochs'?",
    "c.yaml: (top level): unknown field 'trainr'; did you mean 'trainer'?",
    names[2],
  ]);
  assert.match(names[2]!, /^c\.yaml: masking\.name: unknown masking 'exact-randon' \(did you mean 'exact-random'\?\); known: .*exact-random/);
});

test("--set NAME.name=OTHER switches a part: the old part's options OTHER does not take are dropped, with one warning", async () => {
  const logger = new MemoryLogger();
  const base = tinyConfig({ schedule: { name: 'warmup-cosine', warmupEpochs: 2, minLrRatio: 0.1 } });
  const { config } = await prepareRunConfig(base, { set: ['schedule.name=constant'], logger });
  assert.deepEqual(config.schedule, { name: 'constant' });
  assert.deepEqual(logger.lines.filter((l) => !l.startsWith('debug:')), ["warn: schedule: --set schedule.name=constant replaced 'warmup-cosine'; dropped warmupEpochs, minLrRatio (not options of constant)"]);
  // An option given by --set itself is kept, so a wrong one is still an error.
  assert.deepEqual(await configIssues(base, ['schedule.name=constant', 'schedule.minLrRatio=0.2']), ["c.yaml: schedule: unknown field 'minLrRatio'"]);
  // Options both parts take stay; a name set to itself switches nothing.
  const back = await prepareRunConfig(tinyConfig({ optimizer: { name: 'adamw', lr: 0.5, beta2: 0.9 } }), { set: ['optimizer.name=sgd'], logger: new MemoryLogger() });
  assert.equal((back.config.optimizer as Record<string, unknown>).lr, 0.5);
  assert.equal((back.config.optimizer as Record<string, unknown>).beta2, undefined);
  assert.deepEqual(await configIssues(base, ['schedule.name=warmup-cosine', 'schedule.bogus=1']), ["c.yaml: schedule: unknown field 'bogus'"]);
});

test('a registry refuses a second class under a taken name and a class without a schema', () => {
  const r = new Registry();
  class A {
    static className = 'a';
    static optionsSchema = registry.get('optimizer', 'adam').optionsSchema;
    getConfig() {
      return {};
    }
  }
  class B {
    static className = 'a';
    static optionsSchema = A.optionsSchema;
  }
  r.register('model', A as never);
  r.register('model', A as never);
  assert.throws(() => r.register('model', B as never), /already registered/);
  assert.throws(() => r.register('model', class {} as never), /className/);
  assert.deepEqual(r.names('model'), ['a']);
});

test('a run name is one folder name: paths, dot-dot, control characters and very long names are refused', () => {
  for (const name of ['../../../elsewhere/x', 'a/b', '..', '.hidden', 'line\nbreak', 'nul\u0000', 'x'.repeat(101)]) {
    assert.throws(() => parseRunConfig({ ...tinyConfig(), name }), (e: unknown) => e instanceof ConfigError && /name: expected/.test(e.message), JSON.stringify(name));
  }
  for (const name of ['mnist-mae', 'run_2.b', 'A1']) assert.equal(parseRunConfig({ ...tinyConfig(), name }).name, name);
});

test('--set refuses prototype names and list indices past the end (no prototype pollution, no huge sparse list)', () => {
  for (const bad of ['__proto__.polluted=1', '__proto__.toString=1', 'trainer.constructor.x=1', 'model.prototype=1']) {
    const cfg: Record<string, unknown> = { trainer: {}, model: { name: 'm' } };
    assert.throws(() => applyOverride(cfg, bad), (e: unknown) => e instanceof ConfigError && /is not a config field \(a reserved name\)/.test(e.message), bad);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }
  const cfg: Record<string, unknown> = { plugins: [{ name: 'mto' }] };
  const t0 = performance.now();
  assert.throws(() => applyOverride(cfg, 'plugins.4294967294={name: mto}'), /index 4294967294 is past the end of 'plugins' \(1 entries; 1 appends one\)/);
  assert.ok(performance.now() - t0 < 1000);
  applyOverride(cfg, 'plugins.1={name: other}');
  assert.deepEqual(cfg.plugins, [{ name: 'mto' }, { name: 'other' }]);
});
