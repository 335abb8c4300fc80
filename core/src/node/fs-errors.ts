import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RunFailure, UserError } from '../util/errors.js';

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
    EIO: 'input/output error',
    EMFILE: 'too many open files',
    ENFILE: 'too many open files in the system',
  };
  const path = err.path ? String(err.path) : '(unknown path)';
  return `${path.length > 300 ? path.slice(0, 300) + '…' : path}: cannot ${err.syscall} (${err.code}: ${what[err.code] ?? err.message.split('\n')[0]})`;
}

/** Errors of the machine, not of the path given: a full disk, an I/O error, no file handles left. */
const MACHINE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE', 'ENOMEM']);

/** Whether `e` is a file-system error of the machine (a full disk, an I/O error) rather than of the path given: a `RunFailure`. */
export function isMachineFsError(e: unknown): boolean {
  return MACHINE_ERRORS.has(String((e as NodeJS.ErrnoException | null)?.code));
}

/**
 * A file-system error as one line naming the path, prefixed with `context`: a `RunFailure`
 * (exit 1) when the machine is at fault (a full disk, an I/O error) or `exitCode` is 1, else a
 * UserError with `exitCode` (2: the path given is wrong: a file in the way, no permission, too
 * long a name). Null for an error that is not the file system's.
 */
export function fsUserError(e: unknown, context = '', exitCode = 2): UserError | null {
  const line = fsErrorLine(e);
  if (line === null) return null;
  return exitCode === 1 || isMachineFsError(e) ? new RunFailure(`${context}${line}`) : new UserError(`${context}${line}`, exitCode);
}

/** Runs `fn`; a file-system error becomes a UserError naming the path (see `fsUserError`), other errors pass. */
export function withFsErrors<T>(fn: () => T, exitCode = 2, context = ''): T {
  try {
    return fn();
  } catch (e) {
    throw fsUserError(e, context, exitCode) ?? e;
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
