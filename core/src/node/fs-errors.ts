import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../util/errors.js';

/** A file-system error (ENOTDIR, EPERM, ENAMETOOLONG, ...) as one line naming the path, for a UserError. */
export function fsErrorLine(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err.code !== 'string' || !/^E[A-Z]+$/.test(err.code) || typeof err.syscall !== 'string') return null;
  const what: Record<string, string> = {
    ENOTDIR: 'a part of the path is a file, not a folder',
    EEXIST: 'a file is in the way',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENAMETOOLONG: 'the name is too long',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENOENT: 'no such file or folder (and it cannot be created there)',
    EISDIR: 'a folder is in the way',
    EINVAL: 'invalid path',
  };
  const path = err.path ? String(err.path) : '(unknown path)';
  return `${path.length > 300 ? path.slice(0, 300) + '…' : path}: cannot ${err.syscall} (${err.code}: ${what[err.code] ?? err.message.split('\n')[0]})`;
}

/** Runs `fn`; a file-system error becomes a UserError (exit `exitCode`) naming the path, other errors pass. */
export function withFsErrors<T>(fn: () => T, exitCode = 2, context = ''): T {
  try {
    return fn();
  } catch (e) {
    const line = fsErrorLine(e);
    if (line === null) throw e;
    throw new UserError(`${context}${line}`, exitCode);
  }
}

/**
 * Creates `dir` and its missing parents one level at a time. Node's recursive mkdir loops
 * forever under some pseudo file systems (`/proc/x`); this fails at once with the first error.
 * Returns the folders it created, outermost first.
 */
export function makeDirs(dir: string): string[] {
  const missing: string[] = [];
  let d = resolve(dir);
  for (; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  if (existsSync(d) && !statSync(d).isDirectory()) {
    const e = new Error(`${d} is a file`) as NodeJS.ErrnoException;
    Object.assign(e, { code: 'ENOTDIR', syscall: 'mkdir', path: d });
    throw e;
  }
  for (const m of missing) mkdirSync(m);
  return missing;
}
