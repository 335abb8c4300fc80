import { escapeXml, formatNumber, niceTicks, px, textWidth } from './svg.js';

export interface HeatmapOptions {
  /** One label per row (top to bottom) and per column (left to right). */
  rowLabels: string[];
  colLabels: string[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** What the colour means, under the colour scale. */
  scaleLabel?: string;
  /** Colour range; default: the data's range (fix it to compare several heatmaps). */
  min?: number;
  max?: number;
  /** Whole SVG width in px (default 640); cell height in px (default 26). */
  width?: number;
  cellHeight?: number;
}

// Viridis at 9 stops: perceptually uniform, readable in grey and by the colour-blind.
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

function hexToRgb(h: string): [number, number, number] {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

/** The viridis colour of t in [0, 1] (clamped), as #rrggbb. */
export function viridis(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const a = hexToRgb(VIRIDIS[i]!);
  const b = hexToRgb(VIRIDIS[i + 1]!);
  const f = u - i;
  return '#' + a.map((c, k) => Math.round(c + (b[k]! - c) * f).toString(16).padStart(2, '0')).join('');
}

/**
 * A heatmap as a standalone SVG string: `values[row][col]` (null or NaN = no value, drawn
 * hatched-grey), row and column labels, a colour scale with ticks. Each cell carries
 * data-row/data-col/data-value attributes and a tooltip, so the values can be read back.
 */
export function heatmapSvg(values: (number | null)[][], opts: HeatmapOptions): string {
  const nRows = values.length;
  const nCols = Math.max(0, ...values.map((r) => r.length));
  const W = opts.width ?? 640;
  const cellH = opts.cellHeight ?? 26;
  const flat = values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = opts.min ?? (flat.length ? Math.min(...flat) : 0);
  let hi = opts.max ?? (flat.length ? Math.max(...flat) : 1);
  if (hi === lo) [lo, hi] = [lo - (lo === 0 ? 0 : Math.abs(lo) * 0.1), hi + (hi === 0 ? 1 : Math.abs(hi) * 0.1)];
  const t = (v: number) => (v - lo) / (hi - lo);

  const left = 12 + (opts.yLabel ? 18 : 0) + Math.max(20, ...opts.rowLabels.map((l) => textWidth(l)));
  const right = 12 + Math.max(74, 22 + textWidth(opts.scaleLabel ?? ''));
  const top = opts.title ? 30 : 10;
  const gridW = Math.max(40, W - left - right);
  const cellW = nCols ? gridW / nCols : gridW;
  const gridH = Math.max(1, nRows) * cellH;
  // Column labels: thinned so that they do not overlap.
  const maxLabel = Math.max(1, ...opts.colLabels.map((l) => textWidth(l)));
  const every = Math.max(1, Math.ceil((maxLabel + 6) / Math.max(1, cellW)));
  const barH = Math.max(100, gridH);
  const H = Math.max(top + gridH + 22 + (opts.xLabel ? 18 : 0) + 6, top + barH + (opts.scaleLabel ? 24 : 8));
  const showValues = cellW >= 36 && cellH >= 16;

  const out: string[] = [];
  const label = opts.title ?? 'heatmap';
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="mto-chart heatmap" width="${W}" height="${px(H)}" viewBox="0 0 ${W} ${px(H)}" role="img" aria-label="${escapeXml(label)}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="11">`);
  out.push(`<title>${escapeXml(label)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  if (opts.title) out.push(`<text x="${px(left)}" y="19" font-size="13" font-weight="600" fill="#222">${escapeXml(opts.title)}</text>`);
  for (let r = 0; r < nRows; r++) {
    const y = top + r * cellH;
    out.push(`<text x="${px(left - 6)}" y="${px(y + cellH / 2 + 4)}" text-anchor="end" fill="#444">${escapeXml(opts.rowLabels[r] ?? '')}</text>`);
    for (let c = 0; c < nCols; c++) {
      const v = values[r]![c];
      const x = left + c * cellW;
      const ok = v !== null && v !== undefined && Number.isFinite(v);
      const fill = ok ? viridis(t(v)) : '#d9d9d9';
      const tip = `${opts.rowLabels[r] ?? r}, ${opts.colLabels[c] ?? c}: ${ok ? formatNumber(v) : 'no value'}`;
      out.push(`<rect class="cell" data-row="${r}" data-col="${c}" data-value="${ok ? v : ''}" x="${px(x)}" y="${px(y)}" width="${px(cellW + 0.3)}" height="${px(cellH)}" fill="${fill}"><title>${escapeXml(tip)}</title></rect>`);
      if (showValues && ok) {
        const dark = t(v) < 0.6; // viridis is dark below ~0.6: white text there
        out.push(`<text x="${px(x + cellW / 2)}" y="${px(y + cellH / 2 + 4)}" text-anchor="middle" font-size="10" fill="${dark ? '#fff' : '#111'}" pointer-events="none">${escapeXml(formatNumber(v))}</text>`);
      }
    }
  }
  out.push(`<rect x="${px(left)}" y="${px(top)}" width="${px(gridW)}" height="${px(gridH)}" fill="none" stroke="#999"/>`);
  for (let c = 0; c < nCols; c += every) {
    out.push(`<text x="${px(left + (c + 0.5) * cellW)}" y="${px(top + gridH + 15)}" text-anchor="middle" fill="#444">${escapeXml(opts.colLabels[c] ?? '')}</text>`);
  }
  if (opts.xLabel) out.push(`<text x="${px(left + gridW / 2)}" y="${px(top + gridH + 34)}" text-anchor="middle" fill="#222">${escapeXml(opts.xLabel)}</text>`);
  if (opts.yLabel) {
    const cy = top + gridH / 2;
    out.push(`<text x="13" y="${px(cy)}" text-anchor="middle" transform="rotate(-90 13 ${px(cy)})" fill="#222">${escapeXml(opts.yLabel)}</text>`);
  }

  // Colour scale: a vertical bar of small steps (no gradient ids, which could clash between
  // several SVGs inlined in one page), high values on top.
  const barX = left + gridW + 14;
  const steps = 48;
  for (let i = 0; i < steps; i++) {
    const y = top + (barH * i) / steps;
    out.push(`<rect x="${px(barX)}" y="${px(y)}" width="12" height="${px(barH / steps + 0.4)}" fill="${viridis(1 - (i + 0.5) / steps)}"/>`);
  }
  out.push(`<rect class="scale" x="${px(barX)}" y="${px(top)}" width="12" height="${px(barH)}" fill="none" stroke="#999"/>`);
  const ticks = niceTicks(lo, hi, 4).ticks.filter((v) => v >= lo - 1e-12 && v <= hi + 1e-12);
  for (const v of ticks.length >= 2 ? ticks : [lo, hi]) {
    const y = top + barH * (1 - t(v));
    out.push(`<line x1="${px(barX + 12)}" x2="${px(barX + 16)}" y1="${px(y)}" y2="${px(y)}" stroke="#666"/>`);
    out.push(`<text x="${px(barX + 19)}" y="${px(y + 4)}" fill="#444">${escapeXml(formatNumber(v))}</text>`);
  }
  if (opts.scaleLabel) out.push(`<text x="${px(barX)}" y="${px(top + barH + 15)}" fill="#444">${escapeXml(opts.scaleLabel)}</text>`);
  out.push(`</svg>`);
  return out.join('\n');
}
