/**
 * TensorBoard export: the TFRecord framing checked here, and the files read back by
 * TensorBoard's own Python reader where one is installed (MTOJS_TENSORBOARD_PYTHON names the
 * interpreter; default python3). Without it that test is skipped with the reason, unless
 * MTOJS_REQUIRE_TENSORBOARD=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, eventFileBytes, readRun } from '@mtojs/report';
import { reportInProcess, workspace, writeSyntheticRun } from './helpers.js';

const PYTHON = process.env.MTOJS_TENSORBOARD_PYTHON || 'python3';
const REQUIRE = process.env.MTOJS_REQUIRE_TENSORBOARD === '1';
const hasTensorboard = spawnSync(PYTHON, ['-c', 'import tensorboard.backend.event_processing.event_accumulator'], { encoding: 'utf8' }).status === 0;

/** The TFRecord payloads of a file, each record's two masked CRCs verified. */
function records(bytes: Buffer): Buffer[] {
  const mask = (c: number) => (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const lenBytes = bytes.subarray(at, at + 8);
    const len = Number(lenBytes.readBigUInt64LE());
    assert.equal(bytes.readUInt32LE(at + 8), mask(crc32c(lenBytes)), `length CRC of the record at ${at}`);
    const data = bytes.subarray(at + 12, at + 12 + len);
    assert.equal(bytes.readUInt32LE(at + 12 + len), mask(crc32c(data)), `data CRC of the record at ${at}`);
    out.push(data);
    at += 16 + len;
  }
  assert.equal(at, bytes.length);
  return out;
}

test('crc32c is CRC-32C (the check value of "123456789"); event files are whole TFRecords, one per record of metrics.jsonl', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720's 32 zero bytes
  const ws = workspace();
  try {
    const run = readRun(writeSyntheticRun(join(ws, 'a')));
    const recs = records(eventFileBytes(run));
    // The file version, the baseline, 12 steps, 3 epochs.
    assert.equal(recs.length, 1 + 1 + 12 + 3);
    assert.ok(recs[0]!.includes(Buffer.from('brain.Event:2')));
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('mto report --tensorboard DIR: a folder per run; bad DIR is one error line, exit 2', async () => {
  const ws = workspace();
  try {
    writeSyntheticRun(join(ws, 'x', 'a'));
    writeSyntheticRun(join(ws, 'y', 'a'));
    const r = await reportInProcess(['x/a', 'y/a', '--tensorboard', 'tb'], ws);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^tensorboard: tb \(2 runs: a-1, a-2; view with tensorboard --logdir tb\)\n$/);
    assert.deepEqual(readdirSync(join(ws, 'tb')).sort(), ['a-1', 'a-2']);
    // Named by the first record's time (in s: the synthetic run's times are a few ms), so a rerun replaces it.
    assert.deepEqual(readdirSync(join(ws, 'tb', 'a-1')), ['events.out.tfevents.0.mto-report']);
    writeFileSync(join(ws, 'file'), '');
    const bad = await reportInProcess(['x/a', '--tensorboard', 'file'], ws);
    assert.equal(bad.code, 2);
    assert.equal(bad.err, 'error: --tensorboard: file is a file; give a directory (event files go in one folder per run under it)\n');
    // A run's folder taken by a file: refused before anything is written (the CSV neither).
    mkdirSync(join(ws, 'tb2'));
    writeFileSync(join(ws, 'tb2', 'a'), '');
    const taken = await reportInProcess(['x/a', '--tensorboard', 'tb2', '--csv', 'm.csv'], ws);
    assert.equal(taken.code, 2);
    assert.equal(taken.err, "error: --tensorboard: tb2/a is a file; the run's event file goes in a folder of that name\n");
    assert.ok(!existsSync(join(ws, 'm.csv')));
    // With the CSV on stdout, stdout holds the CSV alone.
    const piped = await reportInProcess(['x/a', '--tensorboard', 'tb3', '--csv', '-'], ws);
    assert.equal(piped.code, 0, piped.err);
    assert.match(piped.out, /^type,epoch,step,/);
    assert.ok(!piped.out.includes('tensorboard:'));
    assert.equal(readdirSync(join(ws, 'tb3', 'a')).length, 1);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test(
  "TensorBoard's own reader loads the exported scalars with their steps and values",
  { skip: !hasTensorboard && !REQUIRE ? `${PYTHON} cannot import tensorboard (set MTOJS_TENSORBOARD_PYTHON to an interpreter that can; MTOJS_REQUIRE_TENSORBOARD=1 makes this a failure)` : false },
  async () => {
    assert.ok(hasTensorboard, `MTOJS_REQUIRE_TENSORBOARD=1 but ${PYTHON} cannot import tensorboard`);
    const ws = workspace();
    try {
      const dir = writeSyntheticRun(join(ws, 'a'));
      mkdirSync(join(ws, 'tb'));
      assert.equal((await reportInProcess(['a', '--tensorboard', 'tb'], ws)).code, 0);
      const script = [
        'import json, sys',
        'from tensorboard.backend.event_processing.event_accumulator import EventAccumulator',
        'acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})',
        'acc.Reload()',
        'print(json.dumps({t: [[e.step, e.value] for e in acc.Scalars(t)] for t in acc.Tags()["scalars"]}))',
      ].join('\n');
      const py = spawnSync(PYTHON, ['-c', script, join(ws, 'tb', 'a')], { encoding: 'utf8' });
      assert.equal(py.status, 0, py.stderr);
      const got = JSON.parse(py.stdout) as Record<string, [number, number][]>;
      // What the file should hold, from metrics.jsonl directly (values as 32-bit floats).
      const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const want: Record<string, [number, number][]> = {};
      const add = (tag: string, step: number, v: number) => void (want[tag] ??= []).push([step, Math.fround(v)]);
      for (const l of lines) {
        for (const [k, v] of Object.entries(l)) {
          if (['type', 'step', 'epoch', 'time'].includes(k)) continue;
          if (l.type === 'baseline') add(`baseline/${k}`, 0, v as number);
          if (l.type === 'step') add(k, l.step + 1, v as number);
          if (l.type === 'epoch') add(['loss', 'loss/task'].includes(k) ? `${k}_epoch` : k, l.step, v as number);
        }
        if (l.type === 'epoch') add('epoch', l.step, l.epoch + 1);
      }
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
      for (const tag of Object.keys(want)) assert.deepEqual(got[tag], want[tag], tag);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  },
);
