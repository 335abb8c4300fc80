import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../util/errors.js';
import type { z } from 'zod';
import { applyOverride, type AppliedOverride } from './overrides.js';
import { configTextProblem, jsonTextProblem } from './config-text.js';
import { runConfigSchema, type RunConfig } from './schema.js';
import { formatZodIssues, schemaKeysAt } from './zod-format.js';
import { registry as defaultRegistry, type Registry, type PartKind, type ComponentConfig } from '../registry/registry.js';

/** Reads a YAML or JSON file into a plain object; errors name the file. */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`${file}: cannot read the config file (${code === 'ENOENT' ? 'no such file' : code ?? String(e)})`);
  }
  const ext = extname(file).toLowerCase();
  const tooBig = configTextProblem(text);
  if (tooBig) throw new ConfigError(`${file}: ${tooBig}`);
  let data: unknown;
  try {
    if (ext === '.json') {
      data = JSON.parse(text);
    } else {
      // Warnings are refusals: an unknown tag (!!js/function), an unsupported %YAML version.
      const doc = YAML.parseDocument(text, { prettyErrors: true });
      const problem = doc.errors[0] ?? doc.warnings[0];
      if (problem) throw problem;
      data = doc.toJS({ maxAliasCount: 100 });
    }
  } catch (e) {
    const msg = String((e as Error).message).split('\n')[0];
    throw new ConfigError(`${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${msg}`);
  }
  const jsonProblem = ext === '.json' ? jsonTextProblem(text) : null;
  if (jsonProblem) throw new ConfigError(`${file}: ${jsonProblem}`);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${file}: expected a mapping of fields (name, data, adapter, masking, model, ...) at the top level`);
  }
  return data as Record<string, unknown>;
}

/** The top level's problems, one line each, prefixed by the source (the parts' own options are checked by `checkParts`). */
function topLevelIssues(raw: unknown, source: string): { config?: RunConfig; issues: string[] } {
  const parsed = runConfigSchema.safeParse(raw);
  if (parsed.success) return { config: parsed.data, issues: [] };
  return { issues: formatZodIssues(parsed.error, '', raw, runConfigSchema).split('\n').map((l) => `${source}: ${l}`) };
}

/** Validates the top level of a config (parts' own options are checked by `validateParts`). */
export function parseRunConfig(raw: unknown, source = 'config'): RunConfig {
  const { config, issues } = topLevelIssues(raw, source);
  if (!config) throw new ConfigError(issues);
  return config;
}

/**
 * A part whose name a `--set PATH.name=NEW` changed: its old options that NEW does not take are
 * dropped (and said so) instead of failing; options set by `--set` themselves are kept.
 */
export interface PartSwitch {
  /** The part's field path: 'schedule', 'plugins.0'. */
  path: string;
  from: string;
  to: string;
  /** Options of this part that `--set` assigned (kept even when NEW does not take them, so the error shows). */
  explicit: Set<string>;
}

const PART_FIELDS = ['data', 'adapter', 'masking', 'model', 'optimizer', 'schedule'];

function isPartPath(path: string[]): boolean {
  return (path.length === 1 && PART_FIELDS.includes(path[0]!)) || (path.length === 2 && path[0] === 'plugins' && /^\d+$/.test(path[1]!));
}

/** Applies every `--set`; each bad one is an issue (the others still apply). */
export function applyOverrides(raw: Record<string, unknown>, overrides: string[]): { issues: string[]; switches: PartSwitch[] } {
  const issues: string[] = [];
  const applied: AppliedOverride[] = [];
  for (const o of overrides) {
    try {
      applied.push(applyOverride(raw, o));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues);
    }
  }
  const switches = new Map<string, PartSwitch>();
  for (const a of applied) {
    const part = a.path.slice(0, -1);
    if (a.path[a.path.length - 1] !== 'name' || !isPartPath(part) || typeof a.previous !== 'string' || typeof a.value !== 'string' || a.previous === a.value) continue;
    const path = part.join('.');
    const earlier = switches.get(path);
    switches.set(path, { path, from: earlier?.from ?? a.previous, to: a.value, explicit: new Set() });
  }
  for (const a of applied) {
    const sw = switches.get(a.path.slice(0, -1).join('.'));
    if (sw && a.path[a.path.length - 1] !== 'name') sw.explicit.add(a.path[a.path.length - 1]!);
  }
  return { issues, switches: [...switches.values()] };
}

/** The parts a config names, as [kind, component, field path]; absent optimizer/schedule take their defaults. */
function partEntries(config: Record<string, unknown>): [PartKind, unknown, string][] {
  const plugins = Array.isArray(config.plugins) ? config.plugins : [];
  return [
    ['data', config.data, 'data'],
    ['adapter', config.adapter, 'adapter'],
    ['masking', config.masking, 'masking'],
    ['model', config.model, 'model'],
    ['optimizer', config.optimizer ?? { name: 'adamw' }, 'optimizer'],
    ['schedule', config.schedule ?? { name: 'warmup-cosine' }, 'schedule'],
    ...plugins.map((p, i) => ['plugin', p, `plugins.${i}`] as [PartKind, unknown, string]),
  ];
}

export interface PartsCheck {
  /** The config with every part's options validated and defaulted (parts that failed left as they were). */
  config: Record<string, unknown>;
  /** One line per problem, every part's, prefixed by the source. */
  issues: string[];
  /** One line per part switched by `--set NAME.name=...` whose old options were dropped. */
  notes: string[];
}

/**
 * Checks every part's name and options against the registry and reports all problems at once.
 * Entries that are not `{ name: string, ... }` are skipped (the top-level check reports them).
 */
export function checkParts(config: Record<string, unknown>, source = 'config', reg: Registry = defaultRegistry, switches: PartSwitch[] = []): PartsCheck {
  const resolved: Record<string, unknown> = { ...config };
  const plugins: unknown[] = [];
  const issues: string[] = [];
  const notes: string[] = [];
  for (const [kind, entry, path] of partEntries(config)) {
    let comp = entry as ComponentConfig;
    const keep = () => (kind === 'plugin' ? plugins.push(entry) : (resolved[path] = entry));
    if (comp === null || typeof comp !== 'object' || Array.isArray(comp) || typeof comp.name !== 'string') {
      keep();
      continue;
    }
    try {
      const sw = switches.find((s) => s.path === path);
      if (sw && reg.has(kind, comp.name)) {
        const known = schemaKeysAt(reg.get(kind, comp.name).optionsSchema as z.ZodType);
        const dropped = known ? Object.keys(comp).filter((k) => k !== 'name' && !known.includes(k) && !sw.explicit.has(k)) : [];
        if (dropped.length) {
          comp = Object.fromEntries(Object.entries(comp).filter(([k]) => !dropped.includes(k))) as ComponentConfig;
          notes.push(`${path}: --set ${path}.name=${sw.to} replaced '${sw.from}'; dropped ${dropped.join(', ')} (not ${dropped.length > 1 ? 'options' : 'an option'} of ${sw.to})`);
        }
      }
      const { options } = reg.parseOptions(kind, comp, path);
      const full = { name: comp.name, ...options };
      if (kind === 'plugin') plugins.push(full);
      else resolved[path] = full;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues.map((l) => `${source}: ${l}`));
      keep();
    }
  }
  resolved.plugins = plugins;
  return { config: resolved, issues, notes };
}

/** Checks every part's name and options against the registry, so errors appear before any run directory exists; all problems in one ConfigError. */
export function validateParts(config: RunConfig, source = 'config', reg: Registry = defaultRegistry): RunConfig {
  const checked = checkParts(config, source, reg);
  if (checked.issues.length) throw new ConfigError(checked.issues);
  return checked.config as RunConfig;
}

export interface LoadedConfig {
  file: string;
  /** Directory of the config file: relative imports and data paths resolve from here. */
  baseDir: string;
  config: RunConfig;
}

export interface TopLevelCheck {
  /** The config as read, overrides applied. */
  raw: Record<string, unknown>;
  /** The validated top level, when it is valid. */
  config?: RunConfig;
  /** Every problem of the overrides and of the top level, one line each. */
  issues: string[];
  switches: PartSwitch[];
}

/** Applies the overrides and checks the top level, collecting every problem instead of stopping at the first. */
export function checkTopLevel(raw: Record<string, unknown>, overrides: string[], source = 'config'): TopLevelCheck {
  const { issues, switches } = applyOverrides(raw, overrides);
  const top = topLevelIssues(raw, source);
  return { raw, config: top.config, issues: [...issues, ...top.issues], switches };
}

/** Reads, applies `--set` overrides, and validates the top level (every problem in one ConfigError). */
export function loadConfig(file: string, overrides: string[] = []): LoadedConfig {
  const path = resolve(file);
  const checked = checkTopLevel(readConfigFile(path), overrides, file);
  if (checked.issues.length || !checked.config) throw new ConfigError(checked.issues);
  return { file: path, baseDir: resolve(path, '..'), config: checked.config };
}
