import { registry } from '@mtojs/core';
import { TextAdapter } from './text-adapter.js';
import { SpamAssassinData } from './data/spam-assassin.js';
import { SotuData } from './data/sotu.js';
import { TextFileData } from './data/text-file.js';

export * from './special-tokens.js';
export * from './tokenizer/normalize.js';
export * from './tokenizer/wordpiece.js';
export * from './tokenizer/sequences.js';
export * from './tokenizer/train-vocab.js';
export * from './text-stem.js';
export * from './text-adapter.js';
export * from './masked-token-eval.js';
export * from './data/text-corpus.js';
export * from './data/read-documents.js';
export * from './data/spam-assassin.js';
export * from './data/sotu.js';
export * from './data/text-file.js';

// Importing the package makes 'text', 'spam-assassin', 'sotu' and 'text-file' available to configs.
registry.register('adapter', TextAdapter);
registry.register('data', SpamAssassinData);
registry.register('data', SotuData);
registry.register('data', TextFileData);
