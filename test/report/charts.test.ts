import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, formatNumber, heatmapSvg, lineChartSvg, niceTicks, viridis, PALETTE } from '@mtojs/report';

/** The text content of every <text> element, unescaped one level. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

test('niceTicks and formatNumber give round, noise-free labels', () => {
  assert.deepEqual(niceTicks(0, 1, 5).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.13, 0.87, 3).ticks, [0, 0.25, 0.5, 0.75, 1]);
  const t = niceTicks(3, 3); // a constant series still gets a range
  assert.ok(t.lo < 3 && t.hi > 3);
  assert.equal(formatNumber(0.1 + 0.2), '0.3');
  assert.equal(formatNumber(12000), '12k');
  assert.equal(formatNumber(2.5e-5), '2.5e-5');
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('lineChartSvg draws axes with ticks and labels, a legend, one coloured path per series', () => {
  const svg = lineChartSvg(
    [
      { name: 'run a', points: [[1, 0.5], [2, 0.25], [3, 0.125]] },
      { name: 'run b', points: [[1, 0.6], [2, 0.4], [3, 0.3]], band: [[1, 0.5, 0.7], [2, 0.3, 0.5], [3, 0.2, 0.4]] },
    ],
    { title: 'loss', xLabel: 'epoch', yLabel: 'value', width: 500, height: 300 },
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="500" height="300"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  const t = texts(svg);
  for (const want of ['loss', 'epoch', 'value', 'run a', 'run b', '1', '2', '3']) assert.ok(t.includes(want), `missing label '${want}' in ${JSON.stringify(t)}`);
  assert.ok(t.includes('0.2') && t.includes('0.6'), 'y ticks span the data');
  const paths = [...svg.matchAll(/<path class="series"[^>]* d="([^"]+)" fill="none" stroke="(#[0-9A-Fa-f]{6})"/g)];
  assert.equal(paths.length, 2);
  assert.notEqual(paths[0]![2], paths[1]![2], 'series get distinct colours');
  assert.deepEqual(paths.map((p) => p[2]), PALETTE.slice(0, 2));
  assert.equal((svg.match(/<polygon class="band"/g) ?? []).length, 1);
  // Integer x (epochs) never gets fractional ticks.
  assert.ok(!t.includes('1.5') && !t.includes('2.5'));
  // ... also over a longer run, where the nice step for 1..15 would be 2.5.
  const long = texts(lineChartSvg([{ name: 'r', points: Array.from({ length: 15 }, (_, i) => [i + 1, i] as [number, number]) }], { xLabel: 'epoch' }));
  assert.ok(long.includes('5') && long.includes('10') && !long.includes('7.5') && !long.includes('12.5'), JSON.stringify(long));
});

test('lineChartSvg: points map to the right pixels, gaps at NaN, fixed y range, escaped names', () => {
  const svg = lineChartSvg([{ name: '<script>alert(1)</script>', points: [[0, 0], [1, NaN], [2, 1], [3, 1]] }], { yMin: 0, yMax: 1, width: 400, height: 200 });
  assert.ok(!svg.includes('<script>'));
  assert.ok(svg.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  const d = /<path class="series"[^>]* d="([^"]+)"/.exec(svg)![1]!;
  assert.equal((d.match(/M/g) ?? []).length, 2, 'the NaN breaks the line in two');
  const nested = /<svg x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg)!.slice(1).map(Number);
  const [x0, y0, w, h] = nested as [number, number, number, number];
  const coords = [...d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  // (0, 0) → bottom left of the plot area; (3, 1) → top right.
  assert.deepEqual(coords[0], [x0, y0 + h]);
  assert.deepEqual(coords.at(-1), [x0 + w, y0]);
  // A lone point (x = 0 before the gap) is drawn as a dot.
  assert.ok(svg.includes(`<circle cx="${x0}" cy="${y0 + h}"`));
});

test('lineChartSvg with no data says so instead of drawing nothing', () => {
  const svg = lineChartSvg([{ name: 'empty', points: [] }], { title: 't' });
  assert.ok(texts(svg).includes('no data'));
  assert.ok(!svg.includes('class="series"'));
});

test('heatmapSvg places each value in its row and column with the scale colour', () => {
  const values = [
    [0, 0.5, null],
    [1, 0.25, 0.75],
  ];
  const svg = heatmapSvg(values, { rowLabels: ['L0', 'L1'], colLabels: ['1', '2', '3'], title: 'het', scaleLabel: 'mean Het', min: 0, max: 1 });
  const cells = [...svg.matchAll(/<rect class="cell" data-row="(\d+)" data-col="(\d+)" data-value="([^"]*)" x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="[\d.]+" fill="(#[0-9a-f]{6})"/g)].map((m) => ({
    r: Number(m[1]),
    c: Number(m[2]),
    v: m[3] === '' ? null : Number(m[3]),
    x: Number(m[4]),
    y: Number(m[5]),
    fill: m[6],
  }));
  assert.equal(cells.length, 6);
  for (const cell of cells) {
    assert.equal(cell.v, values[cell.r]![cell.c]);
    assert.equal(cell.fill, cell.v === null ? '#d9d9d9' : viridis(cell.v));
  }
  // Rows go down, columns go right.
  const at = (r: number, c: number) => cells.find((x) => x.r === r && x.c === c)!;
  assert.ok(at(1, 0).y > at(0, 0).y && at(0, 0).x === at(1, 0).x);
  assert.ok(at(0, 2).x > at(0, 1).x && at(0, 1).x > at(0, 0).x && at(0, 1).y === at(0, 0).y);
  assert.equal(viridis(0), '#440154');
  assert.equal(viridis(1), '#fde725');
  const t = texts(svg);
  for (const want of ['L0', 'L1', 'het', 'mean Het', '0', '1', '0.5', '0.75']) assert.ok(t.includes(want), `missing '${want}'`);
});
