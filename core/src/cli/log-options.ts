import { ConsoleLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../run/logger.js';
import { UserError } from '../util/errors.js';
import { usageError } from './commands.js';

/** Environment variables read when the flags do not say. */
export const LOG_LEVEL_ENV = 'MTOJS_LOG_LEVEL';
export const LOG_FORMAT_ENV = 'MTOJS_LOG_FORMAT';

/** The logging flags every command that logs takes (spread into its parseCommandArgs options). */
export const LOG_FLAGS = {
  quiet: { type: 'boolean' },
  verbose: { type: 'boolean' },
  'log-format': { type: 'string' },
} as const;

/** The usage lines for LOG_FLAGS, descriptions starting at `column`. */
export function logUsage(column = 20): string {
  const rows: [string, string][] = [
    ['--quiet', 'only warnings and errors'],
    ['--verbose', 'also debug lines'],
    ['--log-format F', 'text (default) | json: one {"level","msg","time"} object per line'],
  ];
  return rows.map(([flag, text]) => `  ${flag}`.padEnd(column) + text).join('\n') + `\n${''.padEnd(column)}(default level: $${LOG_LEVEL_ENV}, else info)`;
}


export interface LogFlagValues {
  quiet?: boolean;
  verbose?: boolean;
  'log-format'?: string;
}

function envChoice<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[]): T | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UserError(`${name}: expected one of ${allowed.join(', ')}, found '${v}'`, 2);
  return v as T;
}

/** The log format a command's flags and the environment ask for (the CLI formats its errors the same way). */
export function logFormatFrom(values: LogFlagValues, env: NodeJS.ProcessEnv = process.env, command = 'train'): LogFormat {
  const flag = values['log-format'];
  if (flag !== undefined && !(LOG_FORMATS as string[]).includes(flag)) throw usageError(command, `--log-format: expected ${LOG_FORMATS.join(' or ')}, found '${flag}'`);
  return (flag as LogFormat | undefined) ?? envChoice(env, LOG_FORMAT_ENV, LOG_FORMATS) ?? 'text';
}

/**
 * A command's logger on stderr. The level: --quiet (warn) or --verbose (debug), else
 * MTOJS_LOG_LEVEL (debug | info | warn | error | silent), else `fallback` (info, or warn where a
 * command's result is its output, e.g. `mto finetune --json`). The format: --log-format, else
 * MTOJS_LOG_FORMAT, else text.
 */
export function commandLogger(command: string, values: LogFlagValues, opts: { fallback?: LogLevel; env?: NodeJS.ProcessEnv } = {}): ConsoleLogger {
  const env = opts.env ?? process.env;
  if (values.quiet && values.verbose) throw usageError(command, '--quiet and --verbose contradict each other; give one');
  const level: LogLevel = values.quiet ? 'warn' : values.verbose ? 'debug' : (envChoice(env, LOG_LEVEL_ENV, LOG_LEVELS) ?? opts.fallback ?? 'info');
  const logger = new ConsoleLogger(level, undefined, logFormatFrom(values, env, command));
  if (logger.format === 'json') routeConsoleWarnings(logger);
  return logger;
}

/**
 * With JSON logs, libraries' console.warn / console.error lines (e.g. tfjs's cpu-backend notice)
 * would break the one-object-per-line stream: they go through the logger instead, as warnings.
 */
export function routeConsoleWarnings(logger: ConsoleLogger): void {
  const route = (...args: unknown[]) => {
    const text = args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');
    const msg = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^=+$/.test(l)).join(' ');
    if (msg) logger.warn(msg);
  };
  console.warn = route;
  console.error = route;
}
