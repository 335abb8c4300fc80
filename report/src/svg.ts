/** Small helpers shared by the SVG charts: escaping, number formatting, axis ticks, colours. */

/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Coordinates rounded to 0.01 px: keeps the SVG small and stable across platforms. */
export function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** A tick or value label: short, no float noise (0.30000000000000004 → 0.3, 12000 → 12k). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 && a < 1e9) {
    const k = a >= 1e6 ? [1e6, 'M'] as const : [1e3, 'k'] as const;
    return `${Number((v / k[0]).toPrecision(3))}${k[1]}`;
  }
  if (a >= 1e-3 && a < 1e9) return String(Number(v.toPrecision(4)));
  return v.toExponential(2).replace(/\.?0+e/, 'e');
}

/**
 * Labels for a set of axis ticks: formatNumber's, with plain decimals padded to the same number
 * of places (0.0010, 0.0015, 0.0020 rather than 0.001, 0.0015, 0.002).
 */
export function tickLabels(ticks: number[], format: (v: number) => string = formatNumber): string[] {
  const labels = ticks.map(format);
  if (!labels.every((l) => /^-?\d+(\.\d+)?%?$/.test(l))) return labels;
  const places = Math.max(...labels.map((l) => (l.includes('.') ? l.replace('%', '').split('.')[1]!.length : 0)));
  if (places === 0) return labels;
  return labels.map((l) => {
    const pct = l.endsWith('%') ? '%' : '';
    const [int, dec = ''] = l.replace('%', '').split('.');
    return `${int}.${dec.padEnd(places, '0')}${pct}`;
  });
}

/**
 * A table cell: `digits` significant digits with trailing zeros kept, so that a column reads
 * evenly (1.000, 0.4844, 12.35); exponent notation below 0.001 and from 1e9.
 */
export function formatSignificant(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return (0).toFixed(digits - 1);
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e9) return v.toExponential(digits - 1);
  return v.toPrecision(digits);
}

/** A fraction as a percentage with `decimals` decimals (0.4844 → 48.4%), as `mto train` prints accuracies. */
export function formatPercent(v: number, decimals = 1): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(decimals)}%` : String(v);
}

/**
 * "Nice" tick positions (1, 2, 2.5, 5 × 10^k) covering [lo, hi], about `target` of them;
 * `integer`: whole-number steps only (1, 2, 5, 10, 20, 25, ...), for counts such as steps and epochs.
 */
export function niceTicks(lo: number, hi: number, target = 5, integer = false): { ticks: number[]; lo: number; hi: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { ticks: [0, 1], lo: 0, hi: 1 };
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  // Whole numbers only: below 1 the step is 1, and 2.5 becomes 2 (more ticks rather than fewer).
  if (integer) step = mag < 1 ? 1 : step === 2.5 ? 2 : step;
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-9; i++) ticks.push(Number((first + i * step).toPrecision(12)));
  return { ticks, lo: first, hi: last };
}

/**
 * Distinct series colours (Okabe–Ito, readable by the colour-blind, then a few extra); the
 * i-th series gets the i-th colour so a run keeps its colour across every chart of a report.
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442', '#7F3C8D', '#11A579', '#8C564B', '#999999'];

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** Rough width of a label in px for an 11 px sans-serif font (no layout engine here). */
export function textWidth(s: string, fontPx = 11): number {
  return s.length * fontPx * 0.58;
}
