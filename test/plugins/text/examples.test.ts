import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { parseRunConfig, validateParts } from '@mtojs/core';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/mto';
import '@mtojs/text';

const EXAMPLES = resolve(__dirname, '../../../../examples/text');

function read(file: string): Record<string, unknown> {
  return YAML.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Record<string, unknown>;
}

test('examples/text: mlm-mto.yaml equals mlm.yaml apart from name and plugins; both are valid; the README names both', () => {
  const base = read('mlm.yaml');
  const mto = read('mlm-mto.yaml');
  const { name: _a, plugins: _p, ...baseRest } = base;
  const { name: _b, plugins: plugins, ...mtoRest } = mto;
  assert.deepEqual(mtoRest, baseRest, 'mlm-mto.yaml has drifted from mlm.yaml: only name and plugins may differ');
  assert.notEqual(base.name, mto.name);
  assert.deepEqual(base.plugins ?? [], []);
  assert.deepEqual((plugins as { name: string }[]).map((p) => p.name), ['mto']);
  for (const [file, config] of [['mlm.yaml', base], ['mlm-mto.yaml', mto]] as const) validateParts(parseRunConfig(config, file), file);
  const readme = readFileSync(join(EXAMPLES, 'README.md'), 'utf8');
  for (const file of ['mlm.yaml', 'mlm-mto.yaml']) assert.ok(readme.includes(file), `examples/text/README.md does not mention ${file}`);
});
