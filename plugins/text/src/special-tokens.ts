/** BERT's special tokens, always the first ids of a vocabulary, in this order. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Ids of the special tokens (their index in SPECIAL_TOKENS). */
export const PAD_ID = 0;
export const UNK_ID = 1;
export const CLS_ID = 2;
export const SEP_ID = 3;
export const MASK_ID = 4;

/** Ids below this are special: never masked, predicted or fed as random tokens. */
export const FIRST_REGULAR_ID = SPECIAL_TOKENS.length;

/** WordPiece's prefix for a piece that continues a word. */
export const CONTINUATION_PREFIX = '##';
