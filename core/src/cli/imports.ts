import { isAbsolute, join, resolve } from 'node:path';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { UserError } from '../util/errors.js';
import type { Logger } from '../run/logger.js';

/** First-party packages the CLI loads when they are installed: each registers its parts. */
export const BUILTIN_PACKAGES = ['@mtojs/masking', '@mtojs/transformer', '@mtojs/image', '@mtojs/mto', '@mtojs/text', '@mtojs/audio', '@mtojs/report'];

// The conditions `import()` matches in Node, in its order of preference within an exports map.
const IMPORT_CONDITIONS = new Set(['node', 'import', 'default']);

/** An `imports:` entry that names a file (relative or absolute) rather than a package. */
export function isFileImport(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec);
}

/** Splits 'pkg/sub/path' or '@scope/pkg/sub' into the package name and the exports subpath ('.' or './sub'). */
function splitPackageSpec(spec: string): { name: string; subpath: string } | null {
  const parts = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  if (parts.length < n || parts.slice(0, n).some((p) => p === '')) return null;
  const rest = parts.slice(n).join('/');
  return { name: parts.slice(0, n).join('/'), subpath: rest ? `./${rest}` : '.' };
}

/** The target an exports value gives under the import conditions (strings, condition objects, fallback arrays). */
function conditionalTarget(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = conditionalTarget(v);
      if (t) return t;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [cond, v] of Object.entries(value)) {
      if (!IMPORT_CONDITIONS.has(cond)) continue;
      const t = conditionalTarget(v);
      if (t) return t;
    }
  }
  return null;
}

/** Node's PACKAGE_EXPORTS_RESOLVE for the import conditions: exact subpaths, then '*' patterns (longest prefix first). */
function exportsTarget(exportsField: unknown, subpath: string): string | null {
  const isSubpathMap = exportsField !== null && typeof exportsField === 'object' && !Array.isArray(exportsField) && Object.keys(exportsField).some((k) => k.startsWith('.'));
  const map: Record<string, unknown> = isSubpathMap ? (exportsField as Record<string, unknown>) : { '.': exportsField };
  if (subpath in map && !subpath.includes('*')) return conditionalTarget(map[subpath]);
  const patterns = Object.keys(map)
    .filter((k) => k.split('*').length === 2)
    .sort((a, b) => b.indexOf('*') - a.indexOf('*'));
  for (const key of patterns) {
    const [prefix, suffix] = key.split('*');
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length) {
      const target = conditionalTarget(map[key]);
      if (target) return target.split('*').join(subpath.slice(prefix.length, subpath.length - suffix.length));
    }
  }
  return null;
}

/** The folder of package `name` as Node would find it from `dir` (node_modules up the tree, NODE_PATH). */
function findPackageDir(name: string, dir: string): string | null {
  const lookup = createRequire(join(dir, 'noop.js')).resolve.paths(name) ?? [];
  for (const base of lookup) {
    const pkgDir = join(base, name);
    if (existsSync(join(pkgDir, 'package.json'))) return pkgDir;
  }
  return null;
}

/**
 * The file `import(spec)` would load, looked up from `dirs` in order: packages through their
 * `exports` map under the import conditions (so ESM-only packages resolve), or `main` /
 * index.js when they have none; files as paths relative to the first dir. Null when not found.
 */
export function resolveImport(spec: string, dirs: string[]): string | null {
  if (isFileImport(spec)) {
    const path = resolve(dirs[0] ?? process.cwd(), spec);
    if (!existsSync(path)) return null;
    if (statSync(path).isFile()) return realpathSync(path);
    try {
      return realpathSync(createRequire(join(path, 'noop.js')).resolve(path));
    } catch {
      return null;
    }
  }
  const parsed = splitPackageSpec(spec);
  if (!parsed) return null;
  for (const dir of dirs) {
    const pkgDir = findPackageDir(parsed.name, dir);
    if (!pkgDir) continue;
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { exports?: unknown };
    if (pkg.exports !== undefined) {
      const target = exportsTarget(pkg.exports, parsed.subpath);
      if (target && existsSync(join(pkgDir, target))) return realpathSync(join(pkgDir, target));
      continue;
    }
    try {
      return realpathSync(createRequire(join(dir, 'noop.js')).resolve(spec));
    } catch {
      continue;
    }
  }
  return null;
}

/** Imports one resolved file (ES module or CommonJS), as `import()` would. */
async function importFile(path: string): Promise<unknown> {
  return import(pathToFileURL(path).href);
}

/** Imports the installed first-party packages (silently skipping absent ones). */
export async function importBuiltins(logger?: Logger): Promise<string[]> {
  const loaded: string[] = [];
  for (const pkg of BUILTIN_PACKAGES) {
    const path = resolveImport(pkg, [process.cwd(), __dirname]);
    if (!path) {
      logger?.debug(`package ${pkg} is not installed; its parts are unavailable`);
      continue;
    }
    await importFile(path);
    loaded.push(pkg);
  }
  return loaded;
}

/**
 * The `imports:` of a config as they read from anywhere: files become absolute paths (they
 * were relative to `baseDir`, the config's folder), package names stay names. A run
 * directory's config.json holds these, so commands reading it work from any folder.
 */
export function absoluteImports(specs: string[], baseDir: string): string[] {
  return specs.map((s) => (isFileImport(s) ? resolve(baseDir, s) : s));
}

/**
 * Imports one package or file as `import()` would, after resolving it (files from `baseDir`,
 * packages from there, the working directory and this package's own location). `where` prefixes error messages, e.g.
 * 'run.yaml: imports.0'.
 */
export async function importSpec(spec: string, baseDir: string, where: string): Promise<void> {
  const isFile = isFileImport(spec);
  // Package names also resolve beside this package, as the built-in ones do: a run directory's
  // config.json (read by mto export, from anywhere) names the packages its run imported.
  const dirs = isFile ? [baseDir] : [baseDir, process.cwd(), __dirname];
  const path = resolveImport(spec, dirs);
  if (!path) {
    const pkg = isFile ? null : splitPackageSpec(spec);
    const installed = pkg !== null && dirs.some((d) => findPackageDir(pkg.name, d) !== null);
    throw new UserError(
      `${where}: ` +
        (isFile
          ? `cannot find the file '${spec}' (resolved from ${baseDir})`
          : installed
            ? `the package '${spec}' is installed but exports no entry for import() (check its package.json 'exports')`
            : `cannot find the package '${spec}' (is it installed?)`),
      2,
    );
  }
  try {
    await importFile(path);
  } catch (e) {
    throw new UserError(`${where}: '${spec}' failed to load: ${String((e as Error).message).split('\n')[0]}`, 2);
  }
}

/**
 * Imports the packages or files a config lists under `imports:`. Files (starting with '.' or
 * '/') resolve from the config's directory, package names from there and the working
 * directory, both as `import()` resolves them (ESM-only packages included).
 */
export async function importConfigured(specs: string[], baseDir: string, source: string): Promise<void> {
  for (const [i, spec] of specs.entries()) await importSpec(spec, baseDir, `${source}: imports.${i}`);
}
