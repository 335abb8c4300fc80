import type { z } from 'zod';

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

/**
 * Turns zod issues into one readable line per problem: the field path, what was found and
 * what was expected.
 */
export function formatZodIssues(error: z.ZodError, prefix = '', input?: unknown): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((s) => s !== '').join('.');
      const where = path || '(top level)';
      const found = (issue as { input?: unknown }).input ?? (input !== undefined ? valueAt(input, issue.path) : undefined);
      if (issue.code === 'unrecognized_keys') {
        const keys = (issue as { keys: string[] }).keys;
        return `${where}: unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')}`;
      }
      return `${where}: ${issue.message}${found !== undefined || issue.code === 'invalid_type' ? ` (found ${describe(found)})` : ''}`;
    })
    .join('\n');
}
