// The browser entry (`@mtojs/text` under the `browser` condition): the text adapter, the WordPiece
// tokenizer and the MLM head, no file data sources. Importing it makes the 'text' adapter available.
import { registry } from '@mtojs/core';
import { TextAdapter } from './text-adapter.js';

export * from './special-tokens.js';
export * from './tokenizer/normalize.js';
export * from './tokenizer/wordpiece.js';
export * from './tokenizer/train-vocab.js';
export * from './tokenizer/sequences.js';
export * from './text-stem.js';
export * from './text-adapter.js';
export * from './masked-token-eval.js';

registry.register('adapter', TextAdapter);
