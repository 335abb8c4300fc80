import type { AnalysisReport } from './analysis-report.js';

const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '--' : x.toFixed(digits));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const pValue = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/** The report as the text `mto analyze` prints: the profile table, then one paragraph per property. */
export function formatReport(r: AnalysisReport): string {
  const lines: string[] = [];
  const m = r.mixingModule;
  if (r.checkpoint) lines.push(`checkpoint: ${r.checkpoint.dir} (step ${r.checkpoint.step}, epoch ${r.checkpoint.epoch})`);
  lines.push(`run '${r.run.name}': model ${r.run.model}, masking ${r.run.masking.name}, plugins [${r.run.plugins.join(', ')}], backend ${r.run.backend}`);
  lines.push(`sample: the first ${r.sample.examples} examples of the ${r.sample.split} split, masked with seed ${r.sample.seed}`);
  lines.push('');
  lines.push(`heterogeneity profile of the ${m.name} (${m.layers} layers, ${m.tokens} tokens; entropies in nats, at most ln ${m.tokens} = ${num(m.maxEntropy)})`);
  const measures = Object.keys(r.profile[0]?.het ?? {});
  const header = ['layer', ...measures.map((n) => `Het ${n}`), 'vis->mask', 'H masked', 'H visible'];
  const rows = r.profile.map((l) => [`L${l.layer}`, ...measures.map((n) => num(l.het[n])), num(l.vis2mask), num(l.entropyMasked), num(l.entropyVisible)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows]) lines.push('  ' + row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  lines.push('');

  const a = r.properties.spatialRandomness;
  lines.push(`(a) spatial randomness: ${a.uniform ? 'uniform' : 'NOT uniform'}`);
  lines.push(
    `    ${a.rows} masks of ${a.positions} positions (${a.maskedPerRow.min === a.maskedPerRow.max ? a.maskedPerRow.min : `${a.maskedPerRow.min}-${a.maskedPerRow.max}`} masked per mask); ` +
      `per-position rate min ${num(a.rate.min)} / mean ${num(a.rate.mean)} / max ${num(a.rate.max)}, expected ${num(a.expectedRate)}` +
      (a.configuredRatio !== null ? ` (configured ratio ${a.configuredRatio})` : ''),
  );
  lines.push(
    `    max relative deviation ${pct(a.maxRelativeDeviation)}; max |z| ${num(a.maxAbsZ, 2)}, Bonferroni p ${pValue(a.maxZPValue)}; ` +
      `chi-square ${num(a.chiSquare, 1)} on ${a.df} df, p ${pValue(a.chiSquarePValue)}`,
  );

  const b = r.properties.substitutionalConsistency;
  lines.push(`(b) substitutional consistency: ${b.consistent ? 'consistent' : 'NOT consistent'}`);
  lines.push(
    `    mask token '${b.maskToken.name ?? '(not among the model variables)'}' [${b.maskToken.shape.join(', ')}]; ` +
      `mask-token variables: ${b.maskTokenVariables.length ? b.maskTokenVariables.join(', ') : 'none'}`,
  );
  lines.push(b.maxDeviation !== null ? `    ${b.maskedPositions} masked positions receive it with max |difference| ${b.maxDeviation}` : `    ${b.note}`);

  const c = r.properties.dataSingularity;
  if (!c.available) {
    lines.push(`(c) data singularity: not measured: ${c.reason}`);
  } else {
    lines.push(`(c) data singularity: ${c.distinct && !c.collides ? 'distinct' : 'NOT distinct'} (in the ${m.name} input space, ${c.width} features, before positional encodings)`);
    lines.push(
      `    mask token vs ${c.realTokens} real tokens: nearest distance ${num(c.maskToken.nearestDistance)} (mean ${num(c.maskToken.meanDistance)}), ` +
        `nearest cosine ${num(c.maskToken.nearestCosine)} (mean ${num(c.maskToken.meanCosine)}); norm ${num(c.maskToken.norm)} vs real ${num(c.real.meanNorm)}`,
    );
    lines.push(
      `    real tokens' nearest-neighbour distance: p10 ${num(c.real.nearestDistance.p10)} / median ${num(c.real.nearestDistance.median)} / p90 ${num(c.real.nearestDistance.p90)}; ` +
        `the mask token is more isolated than ${pct(c.isolation)} of real tokens (distance ratio ${num(c.distanceRatio, 2)})`,
    );
    lines.push(
      `    ${c.collides ? 'WARNING: ' : ''}${c.near.count} of ${c.realTokens} real tokens (${pct(c.near.fraction)}) lie within ${num(c.near.threshold)} of the mask token ` +
        `(${c.near.radius} x the real tokens' spread ${num(c.near.spread)})${c.collides ? ': the mask token is hard to tell from them (e.g. blank patches that all embed to the stem bias)' : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}
