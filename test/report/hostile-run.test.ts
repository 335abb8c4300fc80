import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_LIMITS, ReportInputError, parseMetrics, readRun } from '@mtojs/report';
import { workspace, writeSyntheticRun } from './helpers.js';

test('a run whose metrics.jsonl is a folder is one error line naming it', () => {
  const ws = workspace();
  try {
    const run = join(ws, 'run');
    writeSyntheticRun(run);
    rmSync(join(run, 'metrics.jsonl'));
    mkdirSync(join(run, 'metrics.jsonl'));
    assert.throws(() => readRun(run), (e: unknown) => e instanceof ReportInputError && e.message.endsWith('metrics.jsonl: not a file (a folder); expected the file mto train writes'));
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('metrics lines past the line and field limits are refused naming the line (a 100k-field line made a 191 MB page)', () => {
  const wide: Record<string, number> = { step: 0 };
  for (let i = 0; i < 100_000; i++) wide[`k${i}`] = i;
  const text = `{"type":"step","step":0,"loss":1}\n${JSON.stringify({ type: 'step', ...wide })}\n`;
  assert.throws(() => parseMetrics(text, 'm.jsonl'), new RegExp(`m\\.jsonl:2: a line of \\d+ characters, more than the ${REPORT_LIMITS.lineBytes}`));
  const many: Record<string, number> = { step: 1 };
  for (let i = 0; i < 1500; i++) many[`k${i}`] = 1;
  assert.throws(() => parseMetrics(JSON.stringify({ type: 'step', ...many }), 'm.jsonl'), /m\.jsonl:1: a record of 1502 fields, more than the 1000/);
  // A reader that skips bad lines keeps the good ones.
  assert.equal(parseMetrics(text, 'm.jsonl', { skipBadLines: true }).steps.length, 1);
});
