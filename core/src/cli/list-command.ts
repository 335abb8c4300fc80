import { registry, PART_KINDS } from '../registry/registry.js';
import { loadConfig } from '../config/load.js';
import { UserError } from '../util/errors.js';
import { importConfigured, importSpec } from './imports.js';
import { parseCommandArgs, type CliCommand } from './commands.js';

export const LIST_USAGE = `usage: mto list [options]

Lists every registered part by kind, with its description: the installed first-party
packages' parts, plus those of the packages or files named below.

options:
  --import SPEC     also import a package or file (relative to the working directory)
                    that registers parts; repeatable
  --config FILE     also import the packages and files the config lists under imports:
  -h, --help        this text`;

async function runList(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('list', argv, {
    import: { type: 'string', multiple: true },
    config: { type: 'string' },
  }, LIST_USAGE);
  if (!parsed) return 0;
  const args = parsed.values;
  // The first-party packages were imported by the CLI's entry before any command runs.
  if (args.config) {
    const loaded = loadConfig(args.config);
    await importConfigured(loaded.config.imports, loaded.baseDir, args.config);
  }
  for (const spec of args.import ?? []) await importSpec(spec, process.cwd(), `--import ${spec}`);
  for (const kind of PART_KINDS) {
    process.stdout.write(`${kind}:\n`);
    for (const cls of registry.entries(kind)) process.stdout.write(`  ${cls.className.padEnd(16)} ${cls.description ?? ''}\n`);
  }
  return 0;
}

export const listCommand: CliCommand = {
  name: 'list',
  summary: 'list the registered parts (models, adapters, masking strategies, ...)',
  usage: LIST_USAGE,
  run: runList,
};
