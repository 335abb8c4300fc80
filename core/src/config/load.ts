import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../util/errors.js';
import { applyOverride } from './overrides.js';
import { runConfigSchema, type RunConfig } from './schema.js';
import { formatZodIssues } from './zod-format.js';
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
  let data: unknown;
  try {
    data = ext === '.json' ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (e) {
    const msg = String((e as Error).message).split('\n')[0];
    throw new ConfigError(`${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${msg}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${file}: expected a mapping of fields (name, data, adapter, masking, model, ...) at the top level`);
  }
  return data as Record<string, unknown>;
}

/** Validates the top level of a config (parts' own options are checked by `validateParts`). */
export function parseRunConfig(raw: unknown, source = 'config'): RunConfig {
  const parsed = runConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      formatZodIssues(parsed.error, '', raw)
        .split('\n')
        .map((l) => `${source}: ${l}`)
        .join('\n'),
    );
  }
  return parsed.data;
}

/** Checks every part's name and options against the registry, so errors appear before any run directory exists. */
export function validateParts(config: RunConfig, source = 'config', reg: Registry = defaultRegistry): RunConfig {
  const parts: [PartKind, ComponentConfig, string][] = [
    ['data', config.data as ComponentConfig, 'data'],
    ['adapter', config.adapter as ComponentConfig, 'adapter'],
    ['masking', config.masking as ComponentConfig, 'masking'],
    ['model', config.model as ComponentConfig, 'model'],
    ['optimizer', config.optimizer as ComponentConfig, 'optimizer'],
    ['schedule', config.schedule as ComponentConfig, 'schedule'],
    ...config.plugins.map((p, i) => ['plugin', p as ComponentConfig, `plugins.${i}`] as [PartKind, ComponentConfig, string]),
  ];
  const resolved: Record<string, unknown> = { ...config };
  const plugins: ComponentConfig[] = [];
  for (const [kind, comp, path] of parts) {
    try {
      const { options } = reg.parseOptions(kind, comp, path);
      const full = { name: comp.name, ...options };
      if (kind === 'plugin') plugins.push(full);
      else resolved[path] = full;
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`${source}: ${e.message.replace(/\n/g, `\n${source}: `)}`);
      throw e;
    }
  }
  resolved.plugins = plugins;
  return resolved as RunConfig;
}

export interface LoadedConfig {
  file: string;
  /** Directory of the config file: relative imports and data paths resolve from here. */
  baseDir: string;
  config: RunConfig;
}

/** Reads, applies `--set` overrides, and validates the top level. */
export function loadConfig(file: string, overrides: string[] = []): LoadedConfig {
  const path = resolve(file);
  const raw = readConfigFile(path);
  for (const o of overrides) applyOverride(raw, o);
  return { file: path, baseDir: resolve(path, '..'), config: parseRunConfig(raw, file) };
}
