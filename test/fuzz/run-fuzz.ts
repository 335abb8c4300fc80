/**
 * Runs the hostile-input corpus and counts what happened: `npm run fuzz` (all cases) or
 * `runFuzz(cases)` from a test (a subset). Each case runs in a fresh folder inside a sandbox,
 * in a worker process; afterwards the sandbox is compared with what the case wrote before.
 *
 * Counts: tried, clean errors (exit 1 or 2 with `error:` lines and no stack), stack traces
 * (exit 70, a `    at ` line, or the worker dying), exit-code mismatches (against the case's
 * expected code), leftovers (anything a refused start left on disk, or a write outside the run
 * directory), timeouts, and the peak RSS of any worker.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fuzzCorpus, BASE_IMAGE, type FuzzCase, type SharedInputs } from './corpus.js';
import { writeFileSync } from 'node:fs';

export interface CaseResult {
  name: string;
  group: string;
  code: number | null;
  ms: number;
  verdict: 'ok' | 'stack' | 'mismatch' | 'leftover' | 'timeout';
  detail: string;
}

export interface FuzzCounts {
  tried: number;
  ok: number;
  cleanErrors: number;
  stackTraces: number;
  exitCodeMismatches: number;
  leftovers: number;
  timeouts: number;
  peakRssMb: number;
  /** The case after which a worker's peak RSS first passed 1 GB, if any. */
  firstOver1Gb: string | null;
  results: CaseResult[];
}

const WORKER = resolve(__dirname, 'worker.js');

/** Every path under `dir`, relative, folders with a trailing '/'. Symlinks are not followed. */
function listing(dir: string, rel = ''): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(join(dir, rel));
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    const p = `${rel}${n}`;
    const st = lstatSync(join(dir, p));
    if (st.isDirectory()) out.push(`${p}/`, ...listing(dir, `${p}/`));
    else out.push(p);
  }
  return out;
}

/** The run directories a successful case may create (relative to the case folder). */
function runDirOf(argv: string[]): string[] {
  const i = argv.indexOf('--out');
  return i >= 0 ? [`work/${argv[i + 1]}/`, 'work/runs/'] : ['work/runs/', 'work/report/'];
}

class Worker {
  child: ChildProcess;
  ready: Promise<void>;
  maxRssKb = 0;
  constructor() {
    this.child = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=4096'], env: { ...process.env, MTOJS_LOG_LEVEL: '', MTOJS_LOG_FORMAT: '', FORCE_COLOR: '0' } });
    this.child.stderr?.resume();
    this.ready = new Promise((res) => this.child.once('message', () => res()));
  }
  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** Runs `job` on `w`; resolves with the worker's reply, or null when it died or timed out. */
function runOn(w: Worker, job: { id: number; cwd: string; argv: string[] }, timeoutMs: number): Promise<{ reply: any; timedOut: boolean }> {
  return new Promise((res) => {
    const done = (reply: any, timedOut: boolean) => {
      clearTimeout(timer);
      w.child.off('message', onMsg);
      w.child.off('exit', onExit);
      res({ reply, timedOut });
    };
    const onMsg = (m: any) => m.id === job.id && done(m, false);
    const onExit = () => done(null, false);
    const timer = setTimeout(() => {
      w.kill();
      done(null, true);
    }, timeoutMs);
    w.child.on('message', onMsg);
    w.child.on('exit', onExit);
    w.child.send(job);
  });
}

function judge(c: FuzzCase, code: number, err: string): { verdict: CaseResult['verdict']; detail: string } | null {
  if (code === 70 || /\n\s+at .+:\d+:\d+\)?\n/.test(err)) return { verdict: 'stack', detail: err.split('\n').slice(0, 4).join(' | ') };
  const e = c.expect;
  const fits = e === 'either' ? code === 0 || code === 2 : code === e;
  if (!fits) return { verdict: 'mismatch', detail: `exit ${code}, expected ${e}: ${err.split('\n').filter((l) => l.startsWith('error:')).slice(0, 2).join(' | ') || err.slice(-300)}` };
  if (code !== 0 && !/^error: /m.test(err)) return { verdict: 'mismatch', detail: `exit ${code} without an error: line: ${err.slice(-300)}` };
  return null;
}

/** Runs `cases` (default: the whole corpus) on `workers` processes and returns the counts. */
export async function runFuzz(cases: FuzzCase[] = fuzzCorpus(), opts: { workers?: number; timeoutMs?: number; log?: (line: string) => void } = {}): Promise<FuzzCounts> {
  const sandbox = mkdtempSync(join(tmpdir(), 'mtojs-fuzz-'));
  const log = opts.log ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const counts: FuzzCounts = { tried: 0, ok: 0, cleanErrors: 0, stackTraces: 0, exitCodeMismatches: 0, leftovers: 0, timeouts: 0, peakRssMb: 0, firstOver1Gb: null, results: [] };
  const workers = Array.from({ length: opts.workers ?? 1 }, () => new Worker());
  try {
    // The finished run that checkpoint cases tamper with.
    const seedDir = join(sandbox, 'seed');
    mkdirSync(seedDir);
    writeFileSync(join(seedDir, 'config.json'), JSON.stringify(BASE_IMAGE));
    await workers[0]!.ready;
    const seeded = await runOn(workers[0]!, { id: -1, cwd: seedDir, argv: ['train', '--config', 'config.json', '--out', 'run', '--quiet'] }, 120_000);
    if (seeded.reply?.code !== 0) throw new Error(`fuzz: the seed run failed: ${seeded.reply?.err ?? 'the worker died'}`);
    const shared: SharedInputs = { goodRun: join(seedDir, 'run') };
    let next = 0;
    const loop = async (slot: number) => {
      for (;;) {
        const i = next++;
        if (i >= cases.length) return;
        const c = cases[i]!;
        const caseDir = join(sandbox, `case-${i}`);
        const work = join(caseDir, 'work');
        mkdirSync(work, { recursive: true });
        let argv: string[];
        try {
          argv = c.prepare(work, shared);
        } catch (e) {
          throw new Error(`fuzz: preparing '${c.name}' failed: ${(e as Error).stack}`);
        }
        const before = new Set(listing(caseDir));
        const w = workers[slot]!;
        await w.ready;
        const { reply, timedOut } = await runOn(w, { id: i, cwd: work, argv }, timeoutMs);
        counts.tried++;
        let r: CaseResult;
        if (!reply) {
          workers[slot] = new Worker();
          r = timedOut
            ? { name: c.name, group: c.group, code: null, ms: timeoutMs, verdict: 'timeout', detail: `no answer in ${timeoutMs / 1000} s` }
            : { name: c.name, group: c.group, code: null, ms: 0, verdict: 'stack', detail: 'the worker process died (abort or out of memory)' };
        } else {
          const rssMb = reply.maxRssKb / 1024;
          if (rssMb > counts.peakRssMb) counts.peakRssMb = rssMb;
          if (rssMb > 1024 && !counts.firstOver1Gb) counts.firstOver1Gb = c.name;
          const bad = judge(c, reply.code, reply.err + (reply.stack ? `\n${reply.stack}\n` : ''));
          const added = listing(caseDir).filter((p) => !before.has(p));
          const allowed = reply.code === 0 ? runDirOf(argv) : [];
          // A run directory, or the file an --out names (mto report writes one page).
          const stray = added.filter((p) => !allowed.some((a) => p.startsWith(a) || `${p}/` === a));
          r = { name: c.name, group: c.group, code: reply.code, ms: reply.ms, verdict: 'ok', detail: '' };
          if (bad) Object.assign(r, bad);
          else if (stray.length) Object.assign(r, { verdict: 'leftover', detail: `left ${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ` (+${stray.length - 5})` : ''}` });
          // A big case's memory stays with the worker: a fresh one keeps the next case's RSS its own.
          if (rssMb > 600) {
            w.kill();
            workers[slot] = new Worker();
          }
        }
        if (r.verdict === 'ok') {
          counts.ok++;
          if (r.code !== 0) counts.cleanErrors++;
        } else if (r.verdict === 'stack') counts.stackTraces++;
        else if (r.verdict === 'mismatch') counts.exitCodeMismatches++;
        else if (r.verdict === 'leftover') counts.leftovers++;
        else counts.timeouts++;
        counts.results.push(r);
        if (r.verdict !== 'ok') log(`${r.verdict.toUpperCase()} [${c.group}] ${c.name}: ${r.detail}`);
        if (counts.tried % 100 === 0) log(`... ${counts.tried} of ${cases.length} tried`);
        rmSync(caseDir, { recursive: true, force: true });
      }
    };
    await Promise.all(workers.map((_, slot) => loop(slot)));
  } finally {
    for (const w of workers) w.kill();
    rmSync(sandbox, { recursive: true, force: true });
  }
  return counts;
}

export function formatCounts(c: FuzzCounts): string {
  const byGroup: Record<string, number> = {};
  for (const r of c.results) byGroup[r.group] = (byGroup[r.group] ?? 0) + 1;
  return [
    `tried ${c.tried} (${Object.entries(byGroup).map(([g, n]) => `${n} ${g}`).join(', ')})`,
    `succeeded ${c.ok - c.cleanErrors}, clean errors ${c.cleanErrors}`,
    `stack traces ${c.stackTraces}, exit-code mismatches ${c.exitCodeMismatches}, leftovers ${c.leftovers}, timeouts ${c.timeouts}`,
    `peak RSS ${c.peakRssMb.toFixed(0)} MB${c.firstOver1Gb ? ` (first over 1 GB after: ${c.firstOver1Gb})` : ''}`,
  ].join('\n');
}

if (require.main === module) {
  const filter = process.argv[2];
  const all = fuzzCorpus();
  const cases = filter ? all.filter((c) => c.name.includes(filter) || c.group === filter) : all;
  const t0 = performance.now();
  runFuzz(cases, { workers: Number(process.env.MTOJS_FUZZ_WORKERS ?? 2), log: (l) => process.stdout.write(l + '\n') }).then(
    (c) => {
      process.stdout.write(`\n${formatCounts(c)}\n(${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
      const clean = c.stackTraces === 0 && c.exitCodeMismatches === 0 && c.leftovers === 0 && c.timeouts === 0 && c.peakRssMb < 1024;
      process.exitCode = clean ? 0 : 1;
    },
    (e) => {
      console.error(e);
      process.exitCode = 70;
    },
  );
}
