import YAML from 'yaml';
import { ConfigError } from '../util/errors.js';
import { configTextProblem } from './config-text.js';

/**
 * Applies `--set a.b=value` overrides. Values are read as YAML scalars or flow collections
 * (`3`, `true`, `1e-3`, `[1, 2]`, `{a: 1}`, `text`). A segment may index a list by position
 * (`plugins.0.lambdaE`) or pick a component of a list by its name (`plugins.mto.lambdaE`).
 */
/** What one `--set` changed: the field's path with list entries as indices, and its value before. */
export interface AppliedOverride {
  /** e.g. ['plugins', '0', 'lambdaE'] for `plugins.mto.lambdaE`. */
  path: string[];
  value: unknown;
  previous: unknown;
}

/** Names that would reach an object's prototype instead of a config field. */
const RESERVED_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

export function applyOverride(config: Record<string, unknown>, assignment: string): AppliedOverride {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${assignment}: expected KEY=VALUE, e.g. --set trainer.epochs=3`);
  const key = assignment.slice(0, eq).trim();
  const raw = assignment.slice(eq + 1);
  const tooBig = configTextProblem(raw);
  if (tooBig) throw new ConfigError(`--set ${key.slice(0, 100)}=...: the value has ${tooBig}`);
  let value: unknown;
  try {
    const doc = raw === '' ? null : YAML.parseDocument(raw);
    // An unknown tag or a parse error: the text is taken as it is, a plain string.
    value = doc === null ? '' : doc.errors.length || doc.warnings.length ? raw : doc.toJS({ maxAliasCount: 100 });
  } catch {
    value = raw;
  }
  const parts = key.split('.');
  if (parts.some((p) => p === '')) throw new ConfigError(`--set ${assignment}: '${key}' has an empty path segment`);
  const reserved = parts.find((p) => RESERVED_SEGMENTS.has(p));
  if (reserved !== undefined) throw new ConfigError(`--set ${assignment}: '${reserved}' is not a config field (a reserved name)`);
  let node: any = config;
  const path: string[] = [];
  for (let i = 0; i < parts.length - 1; i++) {
    const seg = parts[i];
    let next: any;
    if (Array.isArray(node)) {
      const index = /^\d+$/.test(seg) ? Number(seg) : node.findIndex((c: any) => c && typeof c === 'object' && c.name === seg);
      next = index < 0 ? undefined : node[index];
      path.push(String(index));
      if (next === undefined) {
        throw new ConfigError(`--set ${assignment}: '${parts.slice(0, i + 1).join('.')}' matches no entry of the list (give an index or the name of a listed component)`);
      }
    } else {
      next = node[seg];
      if (next === undefined || next === null) next = node[seg] = {};
      path.push(seg);
    }
    if (typeof next !== 'object') throw new ConfigError(`--set ${assignment}: '${parts.slice(0, i + 1).join('.')}' is ${JSON.stringify(next)}, not an object`);
    node = next;
  }
  const last = parts[parts.length - 1];
  if (Array.isArray(node)) {
    if (!/^\d+$/.test(last)) throw new ConfigError(`--set ${assignment}: '${last}' is not an index of the list at '${parts.slice(0, -1).join('.')}'`);
    // An index past the end would make a sparse list of that length (a huge one stalls validation).
    if (Number(last) > node.length) {
      throw new ConfigError(`--set ${assignment}: index ${last} is past the end of '${parts.slice(0, -1).join('.')}' (${node.length} entries; ${node.length} appends one)`);
    }
    const previous = node[Number(last)];
    node[Number(last)] = value;
    return { path: [...path, last], value, previous };
  }
  const previous = node[last];
  node[last] = value;
  return { path: [...path, last], value, previous };
}
