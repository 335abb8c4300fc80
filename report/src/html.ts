import { escapeXml } from './svg.js';

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = escapeXml;

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; background: #fff; margin: 0; }
main { max-width: 1020px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.meta, p.note, figcaption, .skipped { color: #555; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; display: block; max-width: 100%; overflow-x: auto; }
td code { white-space: pre-wrap; overflow-wrap: anywhere; }
td:first-child code { white-space: nowrap; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.charts > figure, figure.chart { margin: 0; }
.charts > figure { flex: 0 1 calc(50% - 6px); min-width: 300px; }
svg.mto-chart { max-width: 100%; height: auto; display: block; border: 1px solid #eee; }
.images { display: flex; flex-wrap: wrap; gap: 12px; }
.images figure { margin: 0; max-width: 460px; }
.images img { display: block; max-width: 100%; height: auto; image-rendering: pixelated; border: 1px solid #ddd; }
pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: 10px; overflow: auto; font-size: 12px; max-height: 480px; }
details > summary { cursor: pointer; margin: 6px 0; }
code { font-size: 12.5px; }
`;

/** A whole HTML document: no scripts, no external references, inline style only. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
