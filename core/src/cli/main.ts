import 'reflect-metadata';
import { registerCommand, getCommand, listCommands } from './commands.js';
import { didYouMean } from '../util/did-you-mean.js';
import { formatLogLine } from '../run/logger.js';
import { LOG_FORMAT_ENV } from './log-options.js';
import { trainCommand } from './train-command.js';
import { listCommand } from './list-command.js';
import { exportCommand } from './export-command.js';
import { finetuneCommand } from './finetune-command.js';
import { importBuiltins } from './imports.js';
import { UserError } from '../util/errors.js';

registerCommand(trainCommand);
registerCommand(exportCommand);
registerCommand(listCommand);
registerCommand(finetuneCommand);

function mainUsage(): string {
  const cmds = listCommands()
    .map((c) => `  ${c.name.padEnd(10)} ${c.summary}`)
    .join('\n');
  return `usage: mto <command> [options]

Masked-modeling pre-training on TensorFlow.js, with Masked Token Optimization.

commands:
${cmds}

Run 'mto <command> --help' for a command's options.`;
}

/** Whether the command line (or MTOJS_LOG_FORMAT) asks for JSON log lines: errors then come as JSON too. */
function jsonErrors(argv: string[]): boolean {
  const i = argv.indexOf('--log-format');
  const flag = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--log-format='))?.slice('--log-format='.length);
  return (flag ?? process.env[LOG_FORMAT_ENV]) === 'json';
}

/** One `error:` line per line of the message (a config's problems come together), then the hint as it is. */
function printError(message: string, hint: string | undefined, json: boolean): void {
  const lines = message.split('\n').filter((l) => l.trim() !== '');
  if (json) {
    process.stderr.write(lines.map((l) => formatLogLine('error', l, 'json') + '\n').join('') + (hint ? formatLogLine('info', hint, 'json') + '\n' : ''));
    return;
  }
  process.stderr.write(lines.map((l) => `error: ${l}\n`).join('') + (hint ? `${hint}\n` : ''));
}

/** Runs the CLI; returns the exit code. A UserError (RunFailure included) prints one line, no stack trace; a bug is thrown. */
export async function main(argv: string[]): Promise<number> {
  try {
    await importBuiltins(); // packages may add commands (e.g. analyze)
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(mainUsage() + '\n');
      return name ? 0 : 2;
    }
    if (name === '--version' || name === '-v') {
      process.stdout.write(require('../../package.json').version + '\n');
      return 0;
    }
    const cmd = getCommand(name);
    if (!cmd) {
      const names = listCommands().map((c) => c.name);
      throw new UserError(`unknown command '${name}'${didYouMean(name, names)}`, 2, { hint: `commands: ${names.join(', ')}; see 'mto --help'` });
    }
    return await cmd.run(rest);
  } catch (e) {
    // 2: a mistake in what was given; 1: a RunFailure (the disk, a worker, a non-finite loss).
    if (e instanceof UserError) {
      printError(e.message, e.hint, jsonErrors(argv));
      return e.exitCode;
    }
    throw e;
  }
}
