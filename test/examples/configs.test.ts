import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import YAML from 'yaml';
import { parseRunConfig, validateParts } from '@mtojs/core';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/image';
import { MtoPlugin } from '@mtojs/mto';

const EXAMPLES = resolve(__dirname, '../../../examples/mnist');

/** Each MTO or ablation config and the baseline it must equal apart from `name` and `plugins`. */
const TWINS: Record<string, string> = {
  'mae-mto.yaml': 'mae.yaml',
  'simmim-mto.yaml': 'simmim.yaml',
  'ablations/mae-recalibration-only.yaml': 'mae.yaml',
  'ablations/mae-spa-only.yaml': 'mae.yaml',
  'ablations/mae-early-only.yaml': 'mae.yaml',
  'ablations/mae-rank-only.yaml': 'mae.yaml',
};

/** The components each config switches on (MtoPlugin.components). */
const COMPONENTS: Record<string, { recalibration: boolean; spa: boolean; early: boolean; rank: boolean }> = {
  'mae-mto.yaml': { recalibration: true, spa: false, early: true, rank: true },
  'simmim-mto.yaml': { recalibration: true, spa: false, early: true, rank: true },
  'ablations/mae-recalibration-only.yaml': { recalibration: true, spa: false, early: false, rank: false },
  'ablations/mae-spa-only.yaml': { recalibration: false, spa: true, early: false, rank: false },
  'ablations/mae-early-only.yaml': { recalibration: false, spa: false, early: true, rank: false },
  'ablations/mae-rank-only.yaml': { recalibration: false, spa: false, early: false, rank: true },
};

function read(file: string): Record<string, unknown> {
  return YAML.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Record<string, unknown>;
}

function withoutNameAndPlugins(config: Record<string, unknown>): Record<string, unknown> {
  const { name: _name, plugins: _plugins, ...rest } = config;
  return rest;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [relative(EXAMPLES, join(dir, e.name))] : [],
  );
}

test('every MTO and ablation config equals its baseline once name and plugins are removed', () => {
  for (const [twin, baseline] of Object.entries(TWINS)) {
    const a = read(twin);
    const b = read(baseline);
    assert.deepEqual(withoutNameAndPlugins(a), withoutNameAndPlugins(b), `${twin} has drifted from ${baseline}: only name and plugins may differ`);
    assert.notEqual(a.name, b.name, `${twin} needs its own name (its run directory)`);
    assert.deepEqual((b.plugins as unknown[] | undefined) ?? [], [], `${baseline} is a baseline: no plugins`);
  }
});

test('every MTO and ablation config is valid and switches on exactly its components', () => {
  for (const [file, expected] of Object.entries(COMPONENTS)) {
    const config = validateParts(parseRunConfig(read(file), file), file);
    assert.deepEqual(config.plugins.map((p) => p.name), ['mto'], file);
    const { name: _name, ...options } = config.plugins[0];
    const { diagnostics: _diagnostics, ...on } = new MtoPlugin(options).components;
    assert.deepEqual(on, expected, file);
  }
});

test('the examples README describes every config in the folder', () => {
  const readme = readFileSync(join(EXAMPLES, 'README.md'), 'utf8');
  const files = yamlFiles(EXAMPLES).sort();
  for (const file of files.filter((f) => /-mto\.yaml$/.test(f) || f.startsWith('ablations/'))) {
    assert.ok(file in TWINS, `${file}: an MTO or ablation config needs its baseline in TWINS (test/examples/configs.test.ts)`);
  }
  for (const file of files) assert.ok(readme.includes(file), `examples/mnist/README.md does not mention ${file}`);
});
