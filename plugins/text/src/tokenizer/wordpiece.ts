import { CONTINUATION_PREFIX, FIRST_REGULAR_ID, SPECIAL_TOKENS, UNK_ID } from '../special-tokens.js';
import { normalizeText, preTokenize } from './normalize.js';

/** Words longer than this (in characters) become [UNK], as in BERT. */
export const MAX_WORD_CHARS = 100;

/** Text as ids, with the flags whole-word masking needs. */
export interface Encoded {
  ids: number[];
  /** 1 where the token starts a word, 0 for a '##' continuation. */
  wordStarts: number[];
}

/**
 * A WordPiece vocabulary and its greedy longest-match-first encoder (BERT's algorithm). The
 * special tokens are ids 0..4. Encoding is synchronous plain TypeScript so that data sources
 * can re-encode in `setState` (restoring a checkpoint's vocabulary); the vocabulary itself is
 * trained by our WordPiece trainer (see train-vocab.ts).
 */
export class WordPieceVocab {
  private readonly index = new Map<string, number>();
  private readonly cache = new Map<string, { ids: number[]; starts: number[] }>();

  constructor(
    readonly tokens: readonly string[],
    readonly lowercase = true,
  ) {
    SPECIAL_TOKENS.forEach((t, i) => {
      if (tokens[i] !== t) throw new Error(`vocabulary: token ${i} must be ${t}, found '${tokens[i]}'`);
    });
    tokens.forEach((t, i) => {
      if (this.index.has(t)) throw new Error(`vocabulary: the token '${t}' appears twice (ids ${this.index.get(t)} and ${i})`);
      this.index.set(t, i);
    });
  }

  get size(): number {
    return this.tokens.length;
  }

  id(token: string): number | undefined {
    return this.index.get(token);
  }

  /** Normalises, splits into words, and encodes each word greedily (no [CLS]/[SEP]). */
  encode(text: string): Encoded {
    const ids: number[] = [];
    const wordStarts: number[] = [];
    for (const word of preTokenize(normalizeText(text, this.lowercase))) {
      const w = this.encodeWord(word);
      for (let k = 0; k < w.ids.length; k++) {
        ids.push(w.ids[k]);
        wordStarts.push(w.starts[k]);
      }
    }
    return { ids, wordStarts };
  }

  /** Greedy longest-match pieces of one word; the whole word is [UNK] if any part cannot be matched. */
  encodeWord(word: string): { ids: number[]; starts: number[] } {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const chars = Array.from(word);
    let result: { ids: number[]; starts: number[] } = { ids: [UNK_ID], starts: [1] };
    if (chars.length <= MAX_WORD_CHARS) {
      const ids: number[] = [];
      let start = 0;
      let ok = true;
      while (start < chars.length) {
        let end = chars.length;
        let found = -1;
        while (end > start) {
          const piece = (start > 0 ? CONTINUATION_PREFIX : '') + chars.slice(start, end).join('');
          const id = this.index.get(piece);
          if (id !== undefined && id >= FIRST_REGULAR_ID) {
            found = id;
            break;
          }
          end--;
        }
        if (found < 0) {
          ok = false;
          break;
        }
        ids.push(found);
        start = end;
      }
      if (ok) result = { ids, starts: ids.map((_, k) => (k === 0 ? 1 : 0)) };
    }
    if (this.cache.size < 200_000) this.cache.set(word, result);
    return result;
  }

  /** Ids -> text: pieces joined, '##' continuations glued to their word; specials skipped unless asked. */
  decode(ids: ArrayLike<number>, opts: { keepSpecial?: boolean } = {}): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < FIRST_REGULAR_ID && !opts.keepSpecial) continue;
      const token = this.tokens[id] ?? SPECIAL_TOKENS[UNK_ID];
      if (token.startsWith(CONTINUATION_PREFIX) && id >= FIRST_REGULAR_ID) out += token.slice(CONTINUATION_PREFIX.length);
      else out += (out ? ' ' : '') + token;
    }
    return out;
  }

  /** One token per line (BERT's vocab.txt format). */
  toText(): string {
    return this.tokens.join('\n') + '\n';
  }
}
