import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '@mtojs/core';

/** One document read from a file, with the 1-based line it came from. */
export interface RawDocument {
  text: string;
  label?: string;
  line: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What a text file may hold unless the data options say more (`maxBytes`, `maxLineBytes`). */
export const TEXT_FILE_LIMITS = { maxBytes: 64 * 1024 * 1024, maxLineBytes: 1024 * 1024 };

/**
 * The bytes of a regular file of at most `maxBytes`, read with that cap (a device such as
 * /dev/zero, or a file that grows while read, never fills memory).
 */
function readCapped(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new UserError(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UserError(`${file}: is a folder; expected a text file`);
    if (!st.isFile()) throw new UserError(`${file}: is not a regular file (a device, pipe or socket); expected a text file`);
    if (st.size > maxBytes) throw new UserError(`${file}: ${st.size} bytes, more than data.maxBytes (${maxBytes}); raise it to read a larger file`);
    const buf = Buffer.alloc(Math.min(maxBytes + 1, st.size + 1));
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
    if (n > maxBytes) throw new UserError(`${file}: more than data.maxBytes (${maxBytes}) bytes; raise it to read a larger file`);
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a plain-text (one document per line) or JSONL (one JSON object per line, the text in
 * `textField`, an optional label in `labelField`) file. Blank lines are skipped. An empty file,
 * binary content (NUL bytes), invalid UTF-8, malformed JSON, or a missing or empty text field
 * is a UserError naming the file and line.
 */
export function readDocuments(
  file: string,
  format: 'text' | 'jsonl',
  fields: { textField: string; labelField?: string },
  limits: { maxBytes?: number; maxLineBytes?: number } = {},
): RawDocument[] {
  const maxBytes = limits.maxBytes ?? TEXT_FILE_LIMITS.maxBytes;
  const maxLineBytes = limits.maxLineBytes ?? TEXT_FILE_LIMITS.maxLineBytes;
  const bytes = readCapped(file, maxBytes);
  if (bytes.length === 0) throw new UserError(`${file}: the file is empty; expected one document per line`);
  const docs: RawDocument[] = [];
  let start = 0;
  let line = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    line++;
    const raw = bytes.subarray(start, end);
    start = end + 1;
    if (raw.length > maxLineBytes) throw new UserError(`${file}:${line}: a line of ${raw.length} bytes, more than data.maxLineBytes (${maxLineBytes}); one document per line (raise the limit for longer documents)`);
    if (raw.includes(0)) throw new UserError(`${file}:${line}: contains a NUL byte; this looks like a binary file, not text`);
    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      throw new UserError(`${file}:${line}: is not valid UTF-8 text; re-encode the file as UTF-8`);
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') continue;
    docs.push(format === 'jsonl' ? parseJsonLine(file, line, text, fields) : { text, line });
  }
  if (docs.length === 0) throw new UserError(`${file}: has no documents (only blank lines)`);
  return docs;
}

function parseJsonLine(file: string, line: number, text: string, fields: { textField: string; labelField?: string }): RawDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}:${line}: is not valid JSON (${(e as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${file}:${line}: expected a JSON object like {"${fields.textField}": "..."}`);
  const record = value as Record<string, unknown>;
  const body = record[fields.textField];
  if (typeof body !== 'string') throw new UserError(`${file}:${line}: the field '${fields.textField}' is ${body === undefined ? 'missing' : `a ${typeof body}, not a string`}`);
  if (body.trim() === '') throw new UserError(`${file}:${line}: the field '${fields.textField}' is empty`);
  const doc: RawDocument = { text: body, line };
  if (fields.labelField) {
    const label = record[fields.labelField];
    if (typeof label !== 'string' && typeof label !== 'number') {
      throw new UserError(`${file}:${line}: the label field '${fields.labelField}' is ${label === undefined ? 'missing' : `a ${typeof label}`}; expected a string or number`);
    }
    doc.label = String(label);
  }
  return doc;
}
