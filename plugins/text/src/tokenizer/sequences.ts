import { CLS_ID, PAD_ID, SEP_ID } from '../special-tokens.js';
import type { WordPieceVocab } from './wordpiece.js';

/** How a document longer than one sequence is treated: its first sequence only, or all of it in consecutive sequences. */
export type SequenceMode = 'truncate' | 'chunk';

/** Pieces (at most seqLen - 2) as one sequence of seqLen ids: [CLS] pieces [SEP] [PAD]... */
export function framedSequence(pieces: ArrayLike<number>, seqLen: number): Int32Array {
  if (pieces.length > seqLen - 2) throw new Error(`framedSequence: ${pieces.length} pieces do not fit a sequence of ${seqLen} with [CLS] and [SEP]`);
  const seq = new Int32Array(seqLen).fill(PAD_ID);
  seq[0] = CLS_ID;
  seq.set(pieces, 1);
  seq[1 + pieces.length] = SEP_ID;
  return seq;
}

/**
 * A document as sequences of seqLen ids, [CLS] pieces [SEP] then padding: one sequence of its
 * first seqLen - 2 pieces ('truncate'), or consecutive sequences of seqLen - 2 pieces, the last
 * one padded ('chunk'). Text with no pieces gives no sequence. The text data sources encode
 * their documents with it, and the text adapter users' strings, so both agree exactly.
 */
export function encodeDocument(vocab: WordPieceVocab, text: string, seqLen: number, mode: SequenceMode): Int32Array[] {
  const pieces = vocab.encode(text).ids;
  if (pieces.length === 0) return [];
  const body = seqLen - 2;
  const chunks = mode === 'chunk' ? Math.ceil(pieces.length / body) : 1;
  const out: Int32Array[] = [];
  for (let c = 0; c < chunks; c++) out.push(framedSequence(pieces.slice(c * body, (c + 1) * body), seqLen));
  return out;
}
