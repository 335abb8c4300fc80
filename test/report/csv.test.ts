import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvField } from '@mtojs/report';
import { mto, reportInProcess, workspace, writeSyntheticRun } from './helpers.js';

/** RFC 4180 parsing (quoted fields, doubled quotes), written here to read the files back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  assert.equal(field, '', 'the file ends with a line break');
  return rows;
}

/** The records of metrics.jsonl, straight from the file. */
function records(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

test('--csv FILE: one row per record, one column per metric, every value of metrics.jsonl exact', async () => {
  const ws = workspace();
  try {
    const dir = writeSyntheticRun(join(ws, 'a'));
    // A null (non-finite) value, and a metric name that needs quoting.
    const recs = records(dir);
    Object.assign(recs[2]!, { 'loss/task': null, 'odd,"name"': 1.5 });
    writeFileSync(join(dir, 'metrics.jsonl'), recs.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = await reportInProcess(['a', '--csv', 'out/a.csv'], ws);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^csv: out\/a\.csv \(\d+ KiB, wide, 16 rows\)\n$/);
    assert.ok(!existsSync(join(dir, 'report.html')), '--csv alone writes no page');
    const [head, ...rows] = parseCsv(readFileSync(join(ws, 'out', 'a.csv'), 'utf8'));
    assert.deepEqual(head!.slice(0, 5), ['type', 'epoch', 'step', 'loss', 'loss/task']);
    assert.equal(head!.at(-1), 'time');
    for (const k of ['eval/knn_acc', 'mto/het/L0', 'lr', 'odd,"name"', 'raw_knn_acc', 'init_probe_acc']) assert.ok(head!.includes(k), k);
    assert.equal(rows.length, 1 + 12 + 3);
    assert.deepEqual(rows.map((r) => r[0]), ['baseline', ...[0, 1, 2].flatMap(() => ['step', 'step', 'step', 'step', 'epoch'])]);
    // Each row holds exactly its record's numbers (empty: not in that record; NaN: null).
    const byType = { baseline: [] as Record<string, unknown>[], step: [] as Record<string, unknown>[], epoch: [] as Record<string, unknown>[] };
    for (const rec of recs) byType[rec.type as keyof typeof byType].push(rec);
    const seen = { baseline: 0, step: 0, epoch: 0 };
    for (const row of rows) {
      const type = row[0] as keyof typeof byType;
      const rec = byType[type][seen[type]++]!;
      head!.forEach((k, c) => {
        if (c === 0) return;
        const want = rec[k];
        const cell = row[c]!;
        if (want === undefined) assert.equal(cell, '', `${type} ${k}`);
        else if (want === null) assert.equal(cell, 'NaN', `${type} ${k}`);
        else assert.equal(Number(cell), want, `${type} ${k}: ${cell}`);
      });
    }
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('--csv-layout long: a row per value; several runs add a run column; - writes to stdout; --out also writes the page', async () => {
  const ws = workspace();
  try {
    writeSyntheticRun(join(ws, 'a'), { name: 'alpha' });
    writeSyntheticRun(join(ws, 'b'), { name: 'beta', diagnostics: false });
    const r = await reportInProcess(['a', 'b', '--csv', '-', '--csv-layout', 'long'], ws);
    assert.equal(r.code, 0, r.err);
    const [head, ...rows] = parseCsv(r.out);
    assert.deepEqual(head, ['run', 'type', 'epoch', 'step', 'time', 'key', 'value']);
    assert.deepEqual([...new Set(rows.map((x) => x[0]))], ['alpha (a)', 'beta (b)']);
    // Values: every numeric field of every record but the position ones, once.
    const count = (dir: string) => records(join(ws, dir)).reduce((n, rec) => n + Object.keys(rec).filter((k) => !['type', 'step', 'epoch', 'time'].includes(k)).length, 0);
    assert.equal(rows.length, count('a') + count('b'));
    const het = rows.find((x) => x[0] === 'alpha (a)' && x[1] === 'step' && x[3] === '5' && x[5] === 'mto/het/L2')!;
    assert.equal(Number(het[6]), 0.1 * 2 + 0.01 * 1);
    assert.ok(!rows.some((x) => x[0] === 'beta (b)' && x[5]!.startsWith('mto/')));
    // With --out too, both files; the CSV on stdout stays alone there.
    const both = await reportInProcess(['a', '--csv', 'm.csv', '--out', 'page.html'], ws);
    assert.equal(both.code, 0, both.err);
    assert.match(both.out, /^csv: m\.csv .*\nreport: page\.html/);
    assert.ok(existsSync(join(ws, 'page.html')) && existsSync(join(ws, 'm.csv')));
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a "b", c'), '"a ""b"", c"');
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('--csv errors: one line, exit 2, nothing written; the file is replaced whole (temp file and rename)', async () => {
  const ws = workspace();
  try {
    writeSyntheticRun(join(ws, 'a'));
    mkdirSync(join(ws, 'adir'));
    const cases: [string[], RegExp][] = [
      [['a', '--csv', 'adir'], /^error: --csv: adir is a directory; give a file name \(e\.g\. metrics\.csv\)$/],
      [['a', '--csv', 'x.csv', '--csv-layout', 'tall'], /^error: --csv-layout: expected wide or long, got 'tall'$/],
      [['a', '--csv-layout', 'long'], /^error: --csv-layout needs --csv FILE$/],
      [['a', '--csv', ''], /^error: --csv: give a file name/],
      [['a', '--csv', 'same.html', '--out', 'same.html'], /^error: --csv and --out name the same file/],
      [['a', 'nope', '--csv', 'x.csv'], /^error: nope: no such directory$/],
    ];
    for (const [args, message] of cases) {
      const r = await reportInProcess(args, ws);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err.trim(), message);
      assert.equal(r.err.trim().split('\n').length, 1);
    }
    assert.deepEqual(readdirSync(ws).sort(), ['a', 'adir'], 'nothing written');
    assert.ok(!existsSync(join(ws, 'a', 'report.html')));
    // The real CLI: exit status and message as a user sees them.
    const spawned = mto(['report', 'a', '--csv-layout', 'tall', '--csv', 'x.csv'], ws);
    assert.equal(spawned.code, 2);
    assert.equal(spawned.err, "error: --csv-layout: expected wide or long, got 'tall'\n");
    // Overwriting: the old file is replaced whole, no temp file is left.
    writeFileSync(join(ws, 'm.csv'), 'old');
    assert.equal((await reportInProcess(['a', '--csv', 'm.csv'], ws)).code, 0);
    assert.match(readFileSync(join(ws, 'm.csv'), 'utf8'), /^type,epoch,step,/);
    assert.deepEqual(readdirSync(ws).filter((f) => f.includes('tmp')), []);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
