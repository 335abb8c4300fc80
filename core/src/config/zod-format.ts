import type { z } from 'zod';
import { didYouMean } from '../util/did-you-mean.js';

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: any = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[k as any];
  }
  return v;
}

/** The schema inside wrappers (default, optional, nullable, pipe, ...): what validates the value itself. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s: any = schema;
  for (let i = 0; i < 20 && s?._zod; i++) {
    const def = s._zod.def;
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined) ?? (def.type === 'lazy' ? def.getter?.() : undefined);
    if (!inner) break;
    s = inner;
  }
  return s;
}

/** The field names an object schema accepts at `path` (through lists and wrappers), if that is an object schema. */
export function schemaKeysAt(schema: z.ZodType | undefined, path: PropertyKey[] = []): string[] | undefined {
  let s: any = unwrap(schema);
  for (const key of path) {
    const def = s?._zod?.def;
    if (def?.type === 'object') s = unwrap(def.shape[key as string]);
    else if (def?.type === 'array') s = unwrap(def.element);
    else return undefined;
  }
  const def = s?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape) : undefined;
}

/**
 * Turns zod issues into one readable line per problem: the field path, what was found and
 * what was expected. Given the schema, an unknown field names the closest known one.
 */
export function formatZodIssues(error: z.ZodError, prefix = '', input?: unknown, schema?: z.ZodType): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((s) => s !== '').join('.');
      const where = path || '(top level)';
      const found = (issue as { input?: unknown }).input ?? (input !== undefined ? valueAt(input, issue.path) : undefined);
      if (issue.code === 'unrecognized_keys') {
        const keys = (issue as { keys: string[] }).keys;
        // With the schema, a typo names the field it was meant to be: `unknown field 'widht'; did you mean 'width'?`
        const known = schemaKeysAt(schema, issue.path) ?? [];
        if (keys.length === 1) return `${where}: unknown field '${keys[0]}'${didYouMean(keys[0]!, known)}`;
        return `${where}: unknown fields ${keys.map((k) => `'${k}'${didYouMean(k, known).replace(/^; did you mean (.*)\?$/, ' (did you mean $1?)')}`).join(', ')}`;
      }
      return `${where}: ${issue.message}${found !== undefined || issue.code === 'invalid_type' ? ` (found ${describe(found)})` : ''}`;
    })
    .join('\n');
}
