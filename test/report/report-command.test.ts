import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { mto, reportInProcess, pngBytes, workspace, writeSyntheticRun } from './helpers.js';

/** Every absolute URL in the page (the SVG namespace is the only one allowed). */
function urls(html: string): string[] {
  return [...html.matchAll(/https?:\/\/[^\s"'<>)]*/g)].map((m) => m[0]).filter((u) => u !== 'http://www.w3.org/2000/svg');
}

test('mto report RUN_DIR writes RUN_DIR/report.html: self-contained, config escaped, charts and images inline', async () => {
  const ws = workspace();
  try {
    writeSyntheticRun(join(ws, 'run-a'), { name: 'alpha', extraConfig: { note: '</pre><script>alert("x")</script>' } });
    const r = await reportInProcess(['run-a'], ws);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^report: run-a\/report\.html \(\d+ KiB\)$/m);
    const html = readFileSync(join(ws, 'run-a', 'report.html'), 'utf8');
    assert.deepEqual(urls(html), []);
    assert.ok(!/<script/i.test(html), 'no script element, and the config text cannot open one');
    assert.ok(html.includes('&lt;/pre&gt;&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;'));
    assert.ok(!/\b(src|href)="(?!data:)/.test(html), 'every src/href is a data URI');
    assert.match(html, /<h1>Run report: alpha \(run-a\)<\/h1>/);
    // Line charts: loss (2 keys), eval (2 metrics), the mto/het/L* and mto/vis2mask/L* families,
    // lr; and the Het and vis2mask heatmaps.
    assert.equal((html.match(/class="mto-chart line-chart"/g) ?? []).length, 7);
    assert.equal((html.match(/class="mto-chart heatmap"/g) ?? []).length, 2);
    assert.ok(html.includes(`src="data:image/png;base64,${pngBytes().toString('base64')}"`));
    assert.ok(html.includes('<pre class="config">'));
    assert.deepEqual(readdirSync(join(ws, 'run-a')).filter((f) => f.includes('.tmp')), [], 'no temp file left');
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('mto report with several runs overlays them, lists config differences, and needs --out', async () => {
  const ws = workspace();
  try {
    writeSyntheticRun(join(ws, 'a'), { name: 'mto' });
    writeSyntheticRun(join(ws, 'b'), { name: 'base', diagnostics: false, extraConfig: { seed: 2 } });
    const noOut = await reportInProcess(['a', 'b'], ws);
    assert.equal(noOut.code, 2);
    assert.match(noOut.err, /comparing 2 runs needs --out FILE/);
    assert.ok(!existsSync(join(ws, 'a', 'report.html')));
    const r = await reportInProcess(['a', 'b', '--out', 'cmp/compare.html', '--title', 'MTO <vs> base'], ws);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /report: cmp\/compare\.html/);
    const html = readFileSync(join(ws, 'cmp', 'compare.html'), 'utf8');
    assert.match(html, /<title>MTO &lt;vs&gt; base<\/title>/);
    // The loss chart has one solid line per run, in the first two palette colours.
    const loss = html.slice(html.indexOf('aria-label="loss"'), html.indexOf('</svg>', html.indexOf('aria-label="loss"')));
    assert.match(loss, /data-series="mto \(a\)" d="[^"]+" fill="none" stroke="#0072B2"/);
    assert.match(loss, /data-series="base \(b\)" d="[^"]+" fill="none" stroke="#D55E00"/);
    assert.match(html, /No MTO diagnostics in: base \(b\)/);
    assert.match(html, /<table class="config-diff">.*<code>name<\/code>.*<code>seed<\/code>/s);
    assert.deepEqual(urls(html), []);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('runs without MTO diagnostics or evaluations say so instead of drawing empty charts', async () => {
  const ws = workspace();
  try {
    writeSyntheticRun(join(ws, 'a'), { diagnostics: false });
    writeFileSync(join(ws, 'a', 'metrics.jsonl'), '{"type":"step","step":0,"epoch":0,"loss":1}\n');
    const r = await reportInProcess(['a'], ws);
    assert.equal(r.code, 0, r.err);
    const html = readFileSync(join(ws, 'a', 'report.html'), 'utf8');
    assert.match(html, /This run logged no MTO diagnostics \(<code>mto\/het\/L\*<\/code>\)/);
    assert.match(html, /No evaluation results: no epoch was evaluated/);
    assert.ok(!html.includes('class="mto-chart heatmap"'));
    assert.ok(!html.includes('>no data<'));
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('images: capped per run and invalid files left out, each named with the reason', async () => {
  const ws = workspace();
  try {
    const dir = writeSyntheticRun(join(ws, 'a'));
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'artifacts', `recon-epoch-00${i}.png`), pngBytes(4, 4, [i * 40, 0, 0]));
    writeFileSync(join(dir, 'artifacts', 'broken.png'), 'not a png');
    const r = await reportInProcess(['a', '--max-images', '3'], ws);
    assert.equal(r.code, 0, r.err);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    // 7 images: broken.png, recon 000..004 and 003 already there; sorted, the 3 kept are spread.
    const shown = [...html.matchAll(/<img src="data:image\/png;base64,[^"]+" alt="([^"]+)">/g)].map((m) => m[1]);
    assert.equal(shown.length, 2, `shown: ${shown}`); // broken.png was picked first and is not a PNG
    assert.deepEqual(shown, ['recon-epoch-002.png', 'recon-epoch-004.png']);
    assert.match(html, /Left out \(4\): broken\.png \(not a valid PNG file\), recon-epoch-000\.png \(over the 3 images per run\)/);
    const bad = await reportInProcess(['a', '--max-images', 'lots'], ws);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--max-images: expected a whole number >= 0, got 'lots'/);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('bad input: one line on stderr naming the file (and line), exit code 2, no stack trace, no file written', async () => {
  const ws = workspace();
  try {
    const check = async (args: string[], message: RegExp, noFile: string) => {
      const r = await reportInProcess([...args], ws);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.ok(!/\n\s+at /.test(r.err), 'no stack trace');
      assert.ok(!existsSync(join(ws, noFile)), `${noFile} was written`);
    };
    // One real process: what a user sees, exit status included.
    const spawned = mto(['report', 'nope'], ws);
    assert.equal(spawned.code, 2);
    assert.equal(spawned.err, 'error: nope: no such directory\n');
    await check(['nope'], /^error: nope: no such directory$/m, 'nope/report.html');
    writeSyntheticRun(join(ws, 'empty'));
    rmSync(join(ws, 'empty', 'metrics.jsonl'));
    await check(['empty'], /^error: empty\/metrics\.jsonl: not found; is empty a run directory/m, 'empty/report.html');
    writeSyntheticRun(join(ws, 'bad'));
    appendFileSync(join(ws, 'bad', 'metrics.jsonl'), '{"type":"step","step":99,\n');
    await check(['bad'], /^error: bad\/metrics\.jsonl:17: not valid JSON \(/m, 'bad/report.html');
    // A good run next to a bad one: nothing is written either.
    writeSyntheticRun(join(ws, 'good'));
    await check(['good', 'bad', '--out', 'cmp.html'], /bad\/metrics\.jsonl:17/, 'cmp.html');
    const usage = await reportInProcess([], ws);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /give at least one run directory/);
    const flag = await reportInProcess(['good', '--bogus'], ws);
    assert.equal(flag.code, 2);
    assert.match(flag.err, /^error: mto report: unknown option '--bogus'\n/);
    const help = await reportInProcess(['--help'], ws);
    assert.equal(help.code, 0);
    assert.match(help.out, /usage: mto report RUN_DIR \[RUN_DIR\.\.\.\]/);
    assert.match(mto(['--help'], ws).out, /report\s+write an HTML report/, 'the command is registered with the CLI');
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
