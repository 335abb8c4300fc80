import { escapeXml, formatNumber, niceTicks, px, seriesColor, textWidth, tickLabels } from './svg.js';

/** One line of a chart. Points with a non-finite y break the line instead of being drawn. */
export interface LineSeries {
  name: string;
  /** [x, y] pairs, in x order. */
  points: [number, number][];
  /** Optional shading: [x, low, high] triples (e.g. mean ± spread over seeds). */
  band?: [number, number, number][];
  /** CSS colour; default: the series' index in the palette. */
  color?: string;
  dashed?: boolean;
  /** Show in the legend (default true); e.g. false for a run's second line of the same colour. */
  legend?: boolean;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Size of the whole SVG in px (default 640 × 320). */
  width?: number;
  height?: number;
  /** Fix the y range (values outside are clipped); default: the data's range, padded to ticks. */
  yMin?: number;
  yMax?: number;
  /** Draw a dot at every point; default: when a series has at most 40 points. */
  markers?: boolean;
  /**
   * Whole-number x ticks only (steps, epochs); default: when every x is a whole number. Set it
   * for count axes whose points may sit between counts (an epoch mean placed mid-epoch).
   */
  xInteger?: boolean;
  /** y values are fractions shown as percentages (ticks 0.25 → 25%), e.g. accuracies. */
  yPercent?: boolean;
  /** Labelled horizontal reference lines (baselines), included in the y range. */
  references?: ReferenceLine[];
}

/** A horizontal line across the plot at `y`, with its label at the right end. */
export interface ReferenceLine {
  label: string;
  y: number;
  /** CSS colour (default grey). */
  color?: string;
  /** SVG stroke-dasharray (default "2 3", dotted). */
  dash?: string;
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/**
 * A line chart as a standalone SVG string (with xmlns, so it can be written to a .svg file or
 * inlined in HTML): axes with ticks and labels, a legend, one line per series in distinct
 * colours, optional shaded bands. Needs no script or stylesheet to display.
 */
export function lineChartSvg(series: LineSeries[], opts: LineChartOptions = {}): string {
  const W = opts.width ?? 640;
  const H = opts.height ?? 320;
  const finite = (v: number) => Number.isFinite(v);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    for (const [x, y] of s.points) if (finite(x) && finite(y)) (xs.push(x), ys.push(y));
    for (const [x, lo, hi] of s.band ?? []) if (finite(x)) for (const v of [lo, hi]) if (finite(v)) (xs.push(x), ys.push(v));
  }
  const hasData = xs.length > 0;
  const refs = hasData ? (opts.references ?? []).filter((r) => finite(r.y)) : [];
  for (const r of refs) ys.push(r.y);
  const xInt = opts.xInteger ?? xs.every(Number.isInteger);
  const yText = (v: number) => (opts.yPercent ? `${formatNumber(100 * v)}%` : formatNumber(v));
  const xt = axisTicks(hasData ? Math.min(...xs) : 0, hasData ? Math.max(...xs) : 1, xInt, 6);
  // With a fixed range the ticks stay inside it; otherwise the range grows to the outer ticks.
  const yLo = opts.yMin ?? (hasData ? Math.min(...ys) : 0);
  const yHi = opts.yMax ?? (hasData ? Math.max(...ys) : 1);
  const yn = niceTicks(yLo, yHi, 5);
  const y0 = opts.yMin ?? yn.lo;
  const y1 = opts.yMax ?? yn.hi;
  const yTicks = yn.ticks.filter((t) => t >= y0 - 1e-12 && t <= y1 + 1e-12);

  // Legend rows under the x axis, wrapped to the width.
  const legendItems = series.flatMap((s, i) => (s.legend === false ? [] : [{ name: s.name, color: s.color ?? seriesColor(i), dashed: s.dashed, w: 22 + textWidth(s.name) + 14 }]));
  const yTickText = tickLabels(yTicks, yText);
  const xTickText = tickLabels(xt.ticks);
  const yLabelW = Math.max(...yTickText.map((t) => textWidth(t)), 10);
  const left = 14 + (opts.yLabel ? 18 : 0) + yLabelW;
  const right = 16;
  const plotW = Math.max(40, W - left - right);
  const rows: (typeof legendItems)[] = [];
  let rowW = Infinity;
  for (const it of legendItems) {
    if (rowW + it.w > plotW) (rows.push([]), (rowW = 0));
    rows[rows.length - 1]!.push(it);
    rowW += it.w;
  }
  const top = opts.title ? 30 : 12;
  const bottom = 24 + (opts.xLabel ? 18 : 0) + rows.length * 18 + (rows.length ? 6 : 0);
  const plotH = Math.max(40, H - top - bottom);
  const sx = (x: number) => left + ((x - xt.lo) / (xt.hi - xt.lo || 1)) * plotW;
  const sy = (y: number) => top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;

  const out: string[] = [];
  const label = opts.title ?? series.map((s) => s.name).join(', ');
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="mto-chart line-chart" data-x-ticks="${xInt ? 'integer' : 'real'}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(label)}" ${FONT} font-size="11">`);
  out.push(`<title>${escapeXml(label)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  if (opts.title) out.push(`<text x="${px(left)}" y="19" font-size="13" font-weight="600" fill="#222">${escapeXml(opts.title)}</text>`);

  // Grid and ticks.
  yTicks.forEach((t, k) => {
    const y = sy(t);
    out.push(`<line x1="${px(left)}" x2="${px(left + plotW)}" y1="${px(y)}" y2="${px(y)}" stroke="#e6e6e6"/>`);
    out.push(`<text class="tick-y" x="${px(left - 6)}" y="${px(y + 4)}" text-anchor="end" fill="#444">${escapeXml(yTickText[k]!)}</text>`);
  });
  xt.ticks.forEach((t, k) => {
    const x = sx(t);
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${px(top + plotH)}" y2="${px(top + plotH + 4)}" stroke="#666"/>`);
    out.push(`<text class="tick-x" x="${px(x)}" y="${px(top + plotH + 16)}" text-anchor="middle" fill="#444">${escapeXml(xTickText[k]!)}</text>`);
  });
  out.push(`<rect x="${px(left)}" y="${px(top)}" width="${px(plotW)}" height="${px(plotH)}" fill="none" stroke="#999"/>`);
  if (opts.xLabel) out.push(`<text x="${px(left + plotW / 2)}" y="${px(top + plotH + 34)}" text-anchor="middle" fill="#222">${escapeXml(opts.xLabel)}</text>`);
  if (opts.yLabel) {
    const cx = 13;
    const cy = top + plotH / 2;
    out.push(`<text x="${px(cx)}" y="${px(cy)}" text-anchor="middle" transform="rotate(-90 ${px(cx)} ${px(cy)})" fill="#222">${escapeXml(opts.yLabel)}</text>`);
  }

  // Data, in a nested <svg> so that anything outside a fixed y range is clipped without ids.
  out.push(`<svg x="${px(left)}" y="${px(top)}" width="${px(plotW)}" height="${px(plotH)}" viewBox="${px(left)} ${px(top)} ${px(plotW)} ${px(plotH)}" overflow="hidden">`);
  series.forEach((s, i) => {
    const color = s.color ?? seriesColor(i);
    const band = (s.band ?? []).filter(([x, lo, hi]) => finite(x) && finite(lo) && finite(hi));
    if (band.length > 1) {
      const pts = [...band.map(([x, lo]) => `${px(sx(x))},${px(sy(lo))}`), ...band.reverse().map(([x, , hi]) => `${px(sx(x))},${px(sy(hi))}`)];
      out.push(`<polygon class="band" points="${pts.join(' ')}" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
    }
    const segments: [number, number][][] = [[]];
    for (const p of s.points) {
      if (finite(p[0]) && finite(p[1])) segments[segments.length - 1]!.push(p);
      else if (segments[segments.length - 1]!.length) segments.push([]);
    }
    const drawn = segments.filter((g) => g.length);
    const d = drawn.map((g) => g.map(([x, y], j) => `${j ? 'L' : 'M'}${px(sx(x))} ${px(sy(y))}`).join('')).join('');
    if (d) out.push(`<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="1.8" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    const n = drawn.reduce((a, g) => a + g.length, 0);
    for (const g of drawn) {
      // A lone point has no line through it, so it always gets a dot.
      if (!(opts.markers ?? n <= 40) && g.length > 1) continue;
      for (const [x, y] of g) out.push(`<circle cx="${px(sx(x))}" cy="${px(sy(y))}" r="2.6" fill="${color}"/>`);
    }
  });
  // Reference lines over the data, each label at the right end: above its line, or below when
  // that would overlap the label of the line just above.
  let lastLabelY = -Infinity;
  for (const r of [...refs].sort((a, b) => b.y - a.y)) {
    const y = sy(r.y);
    const color = r.color ?? '#666';
    out.push(`<line class="reference" data-label="${escapeXml(r.label)}" data-y="${r.y}" x1="${px(left)}" x2="${px(left + plotW)}" y1="${px(y)}" y2="${px(y)}" stroke="${color}" stroke-width="1.4" stroke-dasharray="${r.dash ?? '2 3'}"/>`);
    let ty = y - 4;
    if (ty - lastLabelY < 12 || ty < top + 10) ty = y + 12;
    lastLabelY = ty;
    out.push(`<text class="reference-label" x="${px(left + plotW - 4)}" y="${px(ty)}" text-anchor="end" fill="${color}" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(r.label)}</text>`);
  }
  if (!hasData) out.push(`<text x="${px(left + plotW / 2)}" y="${px(top + plotH / 2)}" text-anchor="middle" fill="#888">no data</text>`);
  out.push(`</svg>`);

  // Legend.
  let ly = top + plotH + 24 + (opts.xLabel ? 18 : 0) + 4;
  for (const row of rows) {
    let lx = left;
    for (const it of row) {
      out.push(`<line x1="${px(lx)}" x2="${px(lx + 16)}" y1="${px(ly + 6)}" y2="${px(ly + 6)}" stroke="${it.color}" stroke-width="2.5"${it.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
      out.push(`<text x="${px(lx + 21)}" y="${px(ly + 10)}" fill="#222">${escapeXml(it.name)}</text>`);
      lx += it.w;
    }
    ly += 18;
  }
  out.push(`</svg>`);
  return out.join('\n');
}

/** x ticks: nice ones, and on an integer axis (steps, epochs) whole numbers only. */
function axisTicks(lo: number, hi: number, integer: boolean, target: number): { ticks: number[]; lo: number; hi: number } {
  if (integer && Math.floor(hi) - Math.ceil(lo) < target) {
    if (hi === lo) return { ticks: [Math.round(lo)], lo: lo - 1, hi: hi + 1 };
    const ticks: number[] = [];
    for (let t = Math.ceil(lo); t <= hi; t++) ticks.push(t);
    return { ticks, lo, hi };
  }
  const n = niceTicks(lo, hi, target, integer);
  // The x axis spans the data exactly (no padding to the outer ticks): curves start at the edge.
  return { ticks: n.ticks.filter((t) => t >= lo && t <= hi && (!integer || Number.isInteger(t))), lo, hi };
}
