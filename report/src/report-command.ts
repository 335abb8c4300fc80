import { existsSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { RunFailure, UserError, isMachineFsError, parseCommandArgs, usageError, writeFileAtomic, type CliCommand } from '@mtojs/core';
import { readRun } from './read-run.js';
import { renderReport, runLabels } from './page.js';
import { CSV_LAYOUTS, metricsCsv, type CsvLayout } from './csv.js';
import { eventFileBytes, eventFileName } from './tfevents.js';

export const REPORT_USAGE = `usage: mto report RUN_DIR [RUN_DIR...] [options]

Writes one self-contained HTML page (inline SVG charts, embedded images, no network needed):
a chart of every logged series (loss, evaluation with its baselines, MTO diagnostics, learning
rate, throughput, ...), the per-layer MTO heterogeneity profile over training, the
reconstruction sheets and the config. Several run directories make a comparison page with
the runs overlaid. --csv and --tensorboard export the metrics instead.

options:
  --out FILE        where to write the page (default: RUN_DIR/report.html for one run;
                    required for several)
  --title TEXT      the page's title
  --max-images N    most images embedded per run (default 12; 0 = none)
  --csv FILE        write the metrics as CSV to FILE ('-': stdout) instead of the page
                    (with --out as well: both)
  --csv-layout L    wide (default: a row per record, a column per metric) or long
                    (a row per value: ...,key,value)
  --tensorboard DIR write TensorBoard event files, one folder per run under DIR, instead
                    of the page (with --out as well: both); view: tensorboard --logdir DIR
  -h, --help        this text`;

/**
 * `mto report ARGV`; returns the exit code and throws UserError for bad input (as every
 * command: main() prints it). `write` receives what goes to stdout.
 */
export async function runReport(argv: string[], write: (text: string) => void = (t) => void process.stdout.write(t)): Promise<number> {
  const parsed = parseCommandArgs('report', argv, {
    out: { type: 'string' },
    title: { type: 'string' },
    'max-images': { type: 'string' },
    csv: { type: 'string' },
    'csv-layout': { type: 'string' },
    tensorboard: { type: 'string' },
  }, REPORT_USAGE, { positionals: true, write });
  if (!parsed) return 0;
  const { values: args, positionals: dirs } = parsed;
  if (!dirs.length) throw usageError('report', 'give at least one run directory');
  const csv = args.csv;
  if (csv === '') throw new UserError(`--csv: give a file name (or '-' for stdout)`, 2);
  if (args['csv-layout'] !== undefined && csv === undefined) throw new UserError(`--csv-layout needs --csv FILE`, 2);
  const layout = (args['csv-layout'] ?? 'wide') as CsvLayout;
  if (!CSV_LAYOUTS.includes(layout)) throw new UserError(`--csv-layout: expected ${CSV_LAYOUTS.join(' or ')}, got '${args['csv-layout']}'`, 2);
  const csvOut = csv === undefined || csv === '-' ? null : resolve(csv);
  if (csvOut && existsSync(csvOut) && statSync(csvOut).isDirectory()) throw new UserError(`--csv: ${csv} is a directory; give a file name (e.g. metrics.csv)`, 2);
  const tb = args.tensorboard;
  if (tb === '') throw new UserError(`--tensorboard: give a directory`, 2);
  const tbDir = tb === undefined ? null : resolve(tb);
  if (tbDir && existsSync(tbDir) && !statSync(tbDir).isDirectory()) throw new UserError(`--tensorboard: ${tb} is a file; give a directory (event files go in one folder per run under it)`, 2);
  const page = (csv === undefined && tb === undefined) || args.out !== undefined;
  if (page && dirs.length > 1 && !args.out) throw new UserError(`mto report: comparing ${dirs.length} runs needs --out FILE (a single run's page defaults to RUN_DIR/report.html)`, 2);
  let maxImages: number | undefined;
  if (args['max-images'] !== undefined) {
    maxImages = Number(args['max-images']);
    if (!Number.isInteger(maxImages) || maxImages < 0) throw new UserError(`--max-images: expected a whole number >= 0, got '${args['max-images']}'`, 2);
  }
  const out = resolve(args.out ?? join(dirs[0]!, 'report.html'));
  if (page && existsSync(out) && statSync(out).isDirectory()) throw new UserError(`--out: ${args.out ?? out} is a directory; give a file name (e.g. report.html)`, 2);
  if (page && csvOut === out) throw new UserError(`--csv and --out name the same file (${csv})`, 2);

  // Every run is read and checked before anything is written.
  const runs = dirs.map((d) => readRun(d));
  // TensorBoard: one folder per run (its runs), named by the run directory, made unique.
  const names = runs.map((r) => basename(r.dir));
  const folders = names.map((n, i) => (names.filter((m) => m === n).length > 1 ? `${n}-${i + 1}` : n));
  if (tbDir) {
    for (const f of folders) {
      const p = join(tbDir, f);
      if (existsSync(p) && !statSync(p).isDirectory()) throw new UserError(`--tensorboard: ${join(tb!, f)} is a file; the run's event file goes in a folder of that name`, 2);
    }
  }
  const shown = (path: string) => {
    const rel = relative(process.cwd(), path);
    return rel && !rel.startsWith('..') ? rel : path;
  };
  const save = (path: string, text: string | Uint8Array, what: string) => {
    try {
      writeFileAtomic(path, text);
    } catch (e) {
      const line = `cannot write ${what} ${shown(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      // A full disk is the machine's failure (exit 1); a path that cannot hold the file is the command line's (exit 2).
      throw isMachineFsError(e) ? new RunFailure(line) : new UserError(line, 2);
    }
  };
  // With the CSV on stdout, it stands alone there (so that it can be piped): no other lines.
  const say = csv === '-' ? () => {} : write;
  if (csv !== undefined) {
    const text = metricsCsv(runs, { layout, runLabels: runLabels(runs) });
    if (!csvOut) write(text);
    else {
      save(csvOut, text, 'the CSV');
      const rows = text.split('\n').length - 2;
      say(`csv: ${shown(csvOut)} (${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB, ${layout}, ${rows} rows)\n`);
    }
  }
  if (tbDir) {
    runs.forEach((r, i) => save(join(tbDir, folders[i]!, eventFileName(r)), eventFileBytes(r), 'the event file'));
    say(`tensorboard: ${shown(tbDir)} (${runs.length} run${runs.length > 1 ? 's' : ''}: ${folders.join(', ')}; view with tensorboard --logdir ${shown(tbDir)})\n`);
  }
  if (page) {
    const html = renderReport(runs, { title: args.title, limits: maxImages === undefined ? {} : { maxImagesPerRun: maxImages } });
    save(out, html, 'the page');
    say(`report: ${shown(out)} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)\n`);
  }
  return 0;
}

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'write an HTML report of one run, or compare several; export metrics (CSV, TensorBoard)',
  usage: REPORT_USAGE,
  run: (argv) => runReport(argv),
};
