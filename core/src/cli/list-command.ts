import { registry, PART_KINDS } from '../registry/registry.js';
import type { CliCommand } from './commands.js';

export const listCommand: CliCommand = {
  name: 'list',
  summary: 'list the registered parts (models, adapters, masking strategies, ...)',
  usage: 'usage: mto list\n\nLists every registered part by kind, with its description.',
  async run(argv) {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(this.usage + '\n');
      return 0;
    }
    for (const kind of PART_KINDS) {
      process.stdout.write(`${kind}:\n`);
      for (const cls of registry.entries(kind)) process.stdout.write(`  ${cls.className.padEnd(16)} ${cls.description ?? ''}\n`);
    }
    return 0;
  },
};
