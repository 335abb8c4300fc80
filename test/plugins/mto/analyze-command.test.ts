import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ANALYSIS_FORMAT, type AnalysisReport } from '@mtojs/mto';
import { TINY, mtoOf, tinyTrainer, useCpu } from './tiny-run.js';

const BIN = resolve(__dirname, '../../../../core/dist/cli/bin.js');

function mto(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(useCpu);

const inUnit = (x: number | null, what: string) => assert.ok(x !== null && x >= 0 && x <= 1, `${what} = ${x} is not in [0, 1]`);

test('mto analyze on a tiny MAE + MTO checkpoint: one profile entry per decoder layer, values in range, the three properties', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-analyze-'));
  const { trainer } = tinyTrainer('mae-mto.yaml', [...TINY.mae, 'trainer.epochs=1'], join(dir, 'run'));
  try {
    await trainer.fit();
    assert.equal(mtoOf(trainer).mixingModule, 'decoder');
  } finally {
    trainer.dispose();
  }
  try {
    const out = join(dir, 'analysis.json');
    const r = mto(['analyze', '--checkpoint', join(dir, 'run'), '--out', out, '--samples', '16', '--mask-rows', '400', '--backend', 'cpu'], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /heterogeneity profile of the decoder \(3 layers, 16 tokens/);
    assert.match(r.out, /\(a\) spatial randomness: uniform/);
    assert.match(r.out, /\(b\) substitutional consistency: consistent/);
    assert.match(r.out, /\(c\) data singularity: /);

    const report = JSON.parse(readFileSync(out, 'utf8')) as AnalysisReport;
    assert.equal(report.format, ANALYSIS_FORMAT);
    assert.equal(report.checkpoint?.step, 2);
    assert.deepEqual(report.sample, { split: 'test', examples: 16, seed: 0 });
    assert.deepEqual(report.mixingModule, { name: 'decoder', layers: 3, tokens: 16, maxEntropy: Math.log(16) });
    assert.deepEqual(report.profile.map((l) => l.layer), [0, 1, 2]);
    for (const l of report.profile) {
      assert.deepEqual(Object.keys(l.het).sort(), ['attention-js', 'entropy-gap', 'feature-cosine', 'support-entropy-gap']);
      for (const [name, v] of Object.entries(l.het)) inUnit(v, `L${l.layer} het ${name}`);
      assert.equal(l.vis2mask, 0, 'hard recalibration (the run applies its plugins) leaves no visible->masked mass');
      for (const e of [l.entropyMasked, l.entropyVisible]) assert.ok(e !== null && e >= 0 && e <= Math.log(16) + 1e-6, `entropy ${e}`);
    }

    const a = report.properties.spatialRandomness;
    assert.equal(a.rows, 400);
    assert.equal(a.positions, 16);
    assert.deepEqual(a.maskedPerRow, { min: 12, max: 12 });
    assert.equal(a.expectedRate, 0.75);
    assert.equal(a.configuredRatio, 0.75);
    for (const x of [a.rate.min, a.rate.max, a.maxZPValue, a.chiSquarePValue]) inUnit(x, 'spatial randomness');
    assert.ok(a.rate.min <= 0.75 && a.rate.max >= 0.75 && Math.abs(a.rate.mean - 0.75) < 1e-12);
    assert.equal(a.df, 15);
    assert.equal(a.uniform, true);

    const b = report.properties.substitutionalConsistency;
    assert.deepEqual(b.maskToken, { name: 'decoder/mask_token', shape: [16] });
    assert.deepEqual(b.maskTokenVariables, ['decoder/mask_token']);
    assert.equal(b.maskedPositions, 16 * 12);
    assert.equal(b.maxDeviation, 0);
    assert.equal(b.consistent, true);

    const c = report.properties.dataSingularity;
    assert.ok(c.available, 'mae exposes mixingInput');
    if (c.available) {
      assert.equal(c.width, 16);
      assert.equal(c.realTokens, 16 * 4);
      inUnit(c.isolation, 'isolation');
      assert.ok(c.maskToken.nearestDistance <= c.maskToken.meanDistance);
      assert.ok(c.maskToken.nearestCosine >= c.maskToken.meanCosine && c.maskToken.nearestCosine <= 1 + 1e-9);
      assert.ok(c.real.nearestDistance.p10 <= c.real.nearestDistance.median && c.real.nearestDistance.median <= c.real.nearestDistance.p90);
      assert.equal(c.distinct, c.isolation > 0.5);
    }

    // An --out that cannot be written (a file in the way) is one line naming it, exit 2.
    const blocked = mto(['analyze', '--checkpoint', join(dir, 'run'), '--out', join(out, 'x.json'), '--samples', '4', '--mask-rows', '4', '--backend', 'cpu'], dir);
    assert.equal(blocked.code, 2, blocked.err);
    assert.match(blocked.err, /^error: --out: .*analysis\.json: cannot mkdir \(EEXIST: a file is in the way\)$/m);
    assert.doesNotMatch(blocked.err, /\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mto analyze: a missing checkpoint or a directory without one is a one-line error, exit code 2, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-analyze-bad-'));
  try {
    const cases: [string[], RegExp][] = [
      [['analyze', '--checkpoint', 'no/such/run'], /^error: .*no[/\\]such[/\\]run: no such checkpoint or run directory\n$/],
      [['analyze', '--checkpoint', '.'], /^error: .*holds no checkpoint \(expected model\.json, or checkpoints\/step-\*\/model\.json\)\n$/],
      [['analyze', '--checkpoint', '.', '--samples', '0'], /^error: --samples: expected a positive integer, found '0'\n$/],
    ];
    for (const [args, re] of cases) {
      const r = mto(args, dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
      assert.equal(existsSync(join(dir, 'analysis.json')), false);
    }
    const usage = mto(['analyze'], dir);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /^error: mto analyze: --checkpoint DIR is required/);
    const help = mto(['analyze', '--help'], dir);
    assert.equal(help.code, 0);
    assert.match(help.out, /usage: mto analyze --checkpoint DIR/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
