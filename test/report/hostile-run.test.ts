import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_LIMITS, ReportInputError, readRun } from '@mtojs/report';
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

test('a metrics.jsonl past the size limit is refused unread', () => {
  const ws = workspace();
  try {
    const run = join(ws, 'run');
    writeSyntheticRun(run);
    truncateSync(join(run, 'metrics.jsonl'), REPORT_LIMITS.fileBytes + 1);
    assert.throws(() => readRun(run), (e: unknown) => e instanceof ReportInputError && e.message.endsWith(`metrics.jsonl: ${REPORT_LIMITS.fileBytes + 1} bytes, more than the ${REPORT_LIMITS.fileBytes} the report reads`));
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
