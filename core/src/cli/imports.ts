import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import type { Logger } from '../run/logger.js';

/** First-party packages the CLI loads when they are installed: each registers its parts. */
export const BUILTIN_PACKAGES = ['@mtojs/masking', '@mtojs/transformer', '@mtojs/image', '@mtojs/mto', '@mtojs/text', '@mtojs/audio', '@mtojs/report'];

function resolveFrom(spec: string, dirs: string[]): string | null {
  try {
    return require.resolve(spec, { paths: dirs });
  } catch {
    return null;
  }
}

/** Imports the installed first-party packages (silently skipping absent ones). */
export async function importBuiltins(logger?: Logger): Promise<string[]> {
  const loaded: string[] = [];
  for (const pkg of BUILTIN_PACKAGES) {
    const path = resolveFrom(pkg, [process.cwd(), __dirname]);
    if (!path) {
      logger?.debug(`package ${pkg} is not installed; its parts are unavailable`);
      continue;
    }
    await import(path);
    loaded.push(pkg);
  }
  return loaded;
}

/**
 * Imports the packages or files a config lists under `imports:`. Files (starting with '.' or
 * '/') resolve from the config's directory, package names from there, the working directory and
 * this package's own location.
 */
export async function importConfigured(specs: string[], baseDir: string, source: string): Promise<void> {
  for (const [i, spec] of specs.entries()) {
    const isFile = spec.startsWith('.') || isAbsolute(spec);
    // Package names also resolve beside this package, as the built-in ones do: a run directory's
    // config.json (read by mto export, from anywhere) names the packages its run imported.
    const path = isFile ? (existsSync(resolve(baseDir, spec)) ? resolveFrom(resolve(baseDir, spec), [baseDir]) : null) : resolveFrom(spec, [baseDir, process.cwd(), __dirname]);
    if (!path) {
      throw new UserError(`${source}: imports.${i}: cannot find ${isFile ? 'the file' : 'the package'} '${spec}'${isFile ? ` (resolved from ${baseDir})` : ' (is it installed?)'}`, 2);
    }
    try {
      await import(path);
    } catch (e) {
      throw new UserError(`${source}: imports.${i}: '${spec}' failed to load: ${String((e as Error).message).split('\n')[0]}`, 2);
    }
  }
}
