import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../util/errors.js';
import { didYouMean } from '../util/did-you-mean.js';

/**
 * Sub-commands of the `mto` CLI. Packages add their own (e.g. `mto analyze` from the MTO
 * plugin) by calling `registerCommand` when imported.
 */
export interface CliCommand {
  name: string;
  /** One line for `mto --help`. */
  summary: string;
  /** Full text for `mto NAME --help`. */
  usage: string;
  /** Runs the command; returns the exit code. Throw UserError for user mistakes. */
  run(argv: string[]): Promise<number>;
}

const commands = new Map<string, CliCommand>();

export function registerCommand(cmd: CliCommand): void {
  commands.set(cmd.name, cmd);
}

export function getCommand(name: string): CliCommand | undefined {
  return commands.get(name);
}

export function listCommands(): CliCommand[] {
  return [...commands.values()].sort((a, b) => a.name.localeCompare(b.name));
}

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;

/** What `parseCommandArgs` returns: the flags (`help` included) and the positionals. */
export type ParsedCommandArgs<O extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP_FLAG; strict: true; allowPositionals: true }>>;

export interface ParseCommandArgsOptions {
  /** Accept positional arguments (e.g. `mto export RUN_DIR`); default false. */
  positionals?: boolean;
  /** Where `--help` prints the usage (default stdout). */
  write?: (text: string) => void;
}

/** The hint printed after a command's usage mistakes. */
export function helpHint(command: string): string {
  return `see 'mto ${command} --help'`;
}

/** A usage mistake of `mto COMMAND`: `error: mto COMMAND: MESSAGE`, then the one-line help hint; exit code 2. */
export function usageError(command: string, message: string): UserError {
  return new UserError(`mto ${command}: ${message}`, 2, { hint: helpHint(command) });
}

/**
 * Every command's argument parsing: strict flags plus `-h/--help`. Returns null once `--help`
 * printed `usage` (the command then returns 0). An unknown flag, a missing value or a stray
 * positional is a `usageError`: one line (with the closest flag when one is near), then the hint.
 */
export function parseCommandArgs<const O extends FlagOptions>(
  command: string,
  argv: string[],
  options: O,
  usage: string,
  opts: ParseCommandArgsOptions = {},
): ParsedCommandArgs<O> | null {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, ...HELP_FLAG }, strict: true, allowPositionals: opts.positionals ?? false });
  } catch (e) {
    const first = (e as Error).message.split('\n')[0]!;
    // Node's message: "Unknown option '--bogus'. To specify a positional argument ..."
    const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(first);
    if (unknown) {
      const flags = Object.keys(options).concat('help');
      throw usageError(command, `unknown option '${unknown[1]}${unknown[2]}'${didYouMean(unknown[2]!, flags).replace(/'([^']+)'\?$/, "'--$1'?")}`);
    }
    // Node's sentences, as one clause: "Unexpected argument 'x'. This command ..." -> "unexpected argument 'x'; this command ..."
    const clause = first.replace(/\.$/, '').replace(/\. (\w)/g, (_, c: string) => `; ${c.toLowerCase()}`);
    throw usageError(command, clause.replace(/^./, (c) => c.toLowerCase()));
  }
  if ((parsed.values as { help?: boolean }).help) {
    (opts.write ?? ((t) => void process.stdout.write(t)))(usage + '\n');
    return null;
  }
  return parsed as ParsedCommandArgs<O>;
}

/**
 * An integer-valued flag (`--labels 100`), undefined when absent; anything else than a whole
 * number >= `min` is a user error naming the flag and what it got.
 */
export function integerFlag(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new UserError(`${flag}: expected ${min === 0 ? 'a non-negative' : min === 1 ? 'a positive' : 'an'} integer, found '${value}'`, 2);
  }
  return n;
}
