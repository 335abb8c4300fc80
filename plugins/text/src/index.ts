import { registry } from '@mtojs/core';
import { SpamAssassinData } from './data/spam-assassin.js';
import { SotuData } from './data/sotu.js';
import { TextFileData } from './data/text-file.js';

export * from './browser.js';
export * from './data/text-corpus.js';
export * from './data/read-documents.js';
export * from './data/spam-assassin.js';
export * from './data/sotu.js';
export * from './data/text-file.js';

// Importing the package makes 'text', 'spam-assassin', 'sotu' and 'text-file' available to configs.
registry.register('data', SpamAssassinData);
registry.register('data', SotuData);
registry.register('data', TextFileData);
