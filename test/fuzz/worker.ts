/**
 * A fuzz worker: a child process that runs `mto` cases in-process, one at a time, and reports
 * each one's exit code, output and the process's peak RSS to its parent. A case that crashes
 * the process (an abort, an out-of-memory kill) is seen by the parent as the worker dying.
 */
import 'reflect-metadata';
import { runCli } from '@mtojs/core';

interface Job {
  id: number;
  cwd: string;
  argv: string[];
}

const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);

async function runJob(job: Job): Promise<void> {
  let out = '';
  let err = '';
  const cap = (s: string, add: unknown) => (s.length < 20_000 ? s + String(add) : s);
  process.stdout.write = ((chunk: unknown) => ((out = cap(out, chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => ((err = cap(err, chunk)), true)) as typeof process.stderr.write;
  let code: number;
  let stack: string | null = null;
  const t0 = performance.now();
  try {
    process.chdir(job.cwd);
    code = await runCli(job.argv);
  } catch (e) {
    // What bin.js prints with a stack and exit 70: a bug, not a user mistake.
    code = 70;
    stack = (e as Error)?.stack ?? String(e);
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  const ms = performance.now() - t0;
  process.send!({ id: job.id, code, stack, out, err, ms, maxRssKb: process.resourceUsage().maxRSS });
}

process.on('message', (job: Job) => {
  void runJob(job);
});
process.send!({ ready: true });
