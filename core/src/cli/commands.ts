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
