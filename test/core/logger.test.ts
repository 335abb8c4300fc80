import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleLogger, UserError, commandLogger } from '@mtojs/core';

test('ConsoleLogger: levels filter, text lines prefix the level (info bare), json lines are {level, msg, time}', () => {
  const lines: string[] = [];
  const text = new ConsoleLogger('info', (l) => lines.push(l));
  text.debug('hidden');
  text.info('shown');
  text.warn('careful');
  assert.deepEqual(lines, ['shown', 'warn: careful']);
  const json: string[] = [];
  const j = new ConsoleLogger('debug', (l) => json.push(l), 'json');
  j.debug('a "quoted" message');
  const o = JSON.parse(json[0]!);
  assert.deepEqual(Object.keys(o), ['level', 'msg', 'time']);
  assert.equal(o.level, 'debug');
  assert.equal(o.msg, 'a "quoted" message');
  assert.ok(Math.abs(Date.parse(o.time) - Date.now()) < 60_000);
});

test('commandLogger: --quiet / --verbose win over MTOJS_LOG_LEVEL, which wins over the command default', () => {
  assert.equal(commandLogger('train', {}, { env: {} }).level, 'info');
  assert.equal(commandLogger('finetune', {}, { env: {}, fallback: 'warn' }).level, 'warn');
  assert.equal(commandLogger('train', {}, { env: { MTOJS_LOG_LEVEL: 'error' } }).level, 'error');
  assert.equal(commandLogger('train', { verbose: true }, { env: { MTOJS_LOG_LEVEL: 'error' } }).level, 'debug');
  assert.equal(commandLogger('train', { quiet: true }, { env: { MTOJS_LOG_LEVEL: 'debug' } }).level, 'warn');
  assert.equal(commandLogger('train', {}, { env: { MTOJS_LOG_FORMAT: 'json' } }).format, 'json');
  assert.equal(commandLogger('train', { 'log-format': 'text' }, { env: { MTOJS_LOG_FORMAT: 'json' } }).format, 'text');
  assert.throws(() => commandLogger('train', {}, { env: { MTOJS_LOG_LEVEL: 'loud' } }), (e: unknown) => e instanceof UserError && e.exitCode === 2 && /MTOJS_LOG_LEVEL: expected one of debug, info, warn, error, silent, found 'loud'/.test(e.message));
  assert.throws(() => commandLogger('train', { 'log-format': 'xml' }, { env: {} }), /--log-format: expected text or json, found 'xml'/);
  assert.throws(() => commandLogger('train', { quiet: true, verbose: true }, { env: {} }), /contradict/);
});
