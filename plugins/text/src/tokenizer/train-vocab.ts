import { ConfigError } from '@mtojs/core';
import { CONTINUATION_PREFIX, SPECIAL_TOKENS } from '../special-tokens.js';
import { normalizeText, preTokenize } from './normalize.js';
import { MAX_WORD_CHARS, WordPieceVocab } from './wordpiece.js';

export interface VocabOptions {
  /** Entries in the final vocabulary, specials included. */
  vocabSize: number;
  lowercase: boolean;
}

/** Share of the vocabulary the single characters (and their '##' forms) may take at most. */
const MAX_ALPHABET_SHARE = 0.5;

/**
 * Merges the trainer runs per vocabulary entry. Pruning keeps the vocabSize pieces the greedy
 * encoder uses most, so the candidates need to exceed vocabSize with room to choose, not to
 * reach the 30,000 of a BERT vocabulary: on SpamAssassin (vocabSize 1,000) 1x to 4x encode the
 * training emails in as few pieces (within 1%), 8x in 3% more, 30x in 12% more.
 */
export const MERGES_PER_VOCAB_ENTRY = 4;

/**
 * Trains a WordPiece vocabulary on `documents`: our deterministic WordPiece trainer
 * (`wordPieceMerges`) proposes candidate pieces, then the vocabulary is pruned to `vocabSize`.
 *
 * Pruning keeps the special tokens, every character (and its '##' continuation form; most
 * frequent first, up to half the vocabulary) so that greedy longest-match WordPiece can still
 * spell any word, then the pieces used most often when the training text is encoded with the
 * full candidate vocabulary.
 */
export function trainWordPiece(documents: readonly string[], options: VocabOptions): WordPieceVocab {
  const wordCounts = countWords(documents, options.lowercase);
  const candidates = wordPieceMerges(wordCounts, MERGES_PER_VOCAB_ENTRY * options.vocabSize);
  return pruneVocab(candidates, documents, options, wordCounts);
}

/** How often each word occurs: the words the encoder sees (normalizeText, preTokenize). */
export function countWords(documents: readonly string[], lowercase: boolean): Map<string, number> {
  const counts = new Map<string, number>();
  for (const doc of documents) for (const w of preTokenize(normalizeText(doc, lowercase))) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** WordPiece candidates for `documents` after at most `maxMerges` merges (see wordPieceMerges). */
export function trainCandidates(documents: readonly string[], lowercase: boolean, maxMerges: number): string[] {
  return wordPieceMerges(countWords(documents, lowercase), maxMerges);
}

/**
 * Hugging Face's WordPiece trainer, deterministic. Like it (BPE over the words): the alphabet
 * is every character, each character seen inside a word also as its '##' form; a word starts
 * as its characters (all but the first '##'-prefixed); then the most frequent adjacent pair of
 * pieces (counted over all words, weighted by word count) is merged everywhere, left to right,
 * and the merged piece keeps '##' iff its left part has it ('##a' + '##b' = '##ab', 'a' + '##b'
 * = 'ab'). Unlike it, ties are broken by content, not by ids in hash-map order (the
 * `tokenizers` trainer is not reproducible across processes, huggingface/tokenizers#1794): the
 * highest count first, then the merged string, then the pair (left, then right), each compared
 * by UTF-16 code units (not locale).
 *
 * Stops after `maxMerges` merges or when no pair is left. Words longer than MAX_WORD_CHARS are
 * skipped: the encoder turns them into [UNK], so their pieces would never be used.
 *
 * Returns the alphabet (by code point), then the '##' characters (by code point), then the
 * merged pieces in merge order, each once; no special token.
 */
export function wordPieceMerges(wordCounts: ReadonlyMap<string, number>, maxMerges: number): string[] {
  if (!Number.isInteger(maxMerges) || maxMerges < 0) throw new RangeError(`maxMerges: expected an integer >= 0, got ${maxMerges}`);
  const symbols: string[] = [];
  const symbolIds = new Map<string, number>();
  const symbol = (s: string): number => {
    let id = symbolIds.get(s);
    if (id === undefined) {
      id = symbols.length;
      symbols.push(s);
      symbolIds.set(s, id);
    }
    return id;
  };
  const byCodePoint = (a: string, b: string) => a.codePointAt(0)! - b.codePointAt(0)!;
  const initial = new Set<string>();
  const inner = new Set<string>();
  const chars: string[][] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    const cs = Array.from(word);
    if (cs.length === 0 || cs.length > MAX_WORD_CHARS) continue;
    cs.forEach((c, i) => (i === 0 ? initial : inner).add(c));
    chars.push(cs);
    counts.push(count);
  }
  // A character seen only inside words is still a word-initial candidate (as in Hugging Face).
  const alphabet = [...new Set([...initial, ...inner])].sort(byCodePoint);
  const candidates = [...alphabet, ...[...inner].sort(byCodePoint).map((c) => CONTINUATION_PREFIX + c)];
  candidates.forEach(symbol);
  const words = chars.map((cs) => cs.map((c, i) => symbol(i === 0 ? c : CONTINUATION_PREFIX + c)));

  // Pairs of adjacent pieces get dense ids (left -> right -> id) so that counts live in arrays.
  const pairIds = new Map<number, Map<number, number>>();
  const pairLeft: number[] = [];
  const pairRight: number[] = [];
  const pairCount: number[] = [];
  // Words that may contain the pair: a word is added when the pair appears in it, never removed
  // (checked at merge time).
  const pairWords: number[][] = [];
  const pairId = (left: number, right: number): number => {
    let row = pairIds.get(left);
    if (!row) pairIds.set(left, (row = new Map()));
    let id = row.get(right);
    if (id === undefined) {
      id = pairLeft.length;
      row.set(right, id);
      pairLeft.push(left);
      pairRight.push(right);
      pairCount.push(0);
      pairWords.push([]);
    }
    return id;
  };
  for (let w = 0; w < words.length; w++) {
    const ids = words[w];
    for (let i = 0; i + 1 < ids.length; i++) {
      const p = pairId(ids[i], ids[i + 1]);
      pairCount[p] += counts[w];
      pairWords[p].push(w);
    }
  }
  const merged = (p: number) => symbols[pairLeft[p]] + symbols[pairRight[p]].slice(CONTINUATION_PREFIX.length);
  const heap = new MergeHeap((a, b) => {
    if (a.count !== b.count) return a.count > b.count;
    const [ma, mb] = [merged(a.pair), merged(b.pair)];
    if (ma !== mb) return ma < mb;
    const [la, lb] = [symbols[pairLeft[a.pair]], symbols[pairLeft[b.pair]]];
    if (la !== lb) return la < lb;
    return symbols[pairRight[a.pair]] < symbols[pairRight[b.pair]];
  });
  pairCount.forEach((count, pair) => heap.push({ count, pair }));

  // Every pair with count c > 0 has a heap entry with count >= c: an entry is pushed whenever a
  // pair's count rises, and an entry found stale at the top is pushed back with the current count.
  const visited = new Int32Array(words.length).fill(-1);
  for (let merges = 0; merges < maxMerges; ) {
    const top = heap.pop();
    if (!top) break;
    const pair = top.pair;
    if (pairCount[pair] !== top.count) {
      if (pairCount[pair] > 0) heap.push({ count: pairCount[pair], pair });
      continue;
    }
    const [left, right] = [pairLeft[pair], pairRight[pair]];
    const piece = merged(pair);
    if (!symbolIds.has(piece)) candidates.push(piece);
    const id = symbol(piece);
    const before = new Map<number, number>();
    const change = (p: number, delta: number) => {
      if (!before.has(p)) before.set(p, pairCount[p]);
      pairCount[p] += delta;
    };
    for (const w of pairWords[pair]) {
      if (visited[w] === merges) continue;
      visited[w] = merges;
      const ids = words[w];
      const out: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === left && ids[i + 1] === right) {
          out.push(id);
          i++;
        } else {
          out.push(ids[i]);
        }
      }
      if (out.length === ids.length) continue;
      // Recount the word's pairs; only those with the new piece can be new to it.
      for (let i = 0; i + 1 < ids.length; i++) change(pairId(ids[i], ids[i + 1]), -counts[w]);
      for (let i = 0; i + 1 < out.length; i++) {
        const p = pairId(out[i], out[i + 1]);
        change(p, counts[w]);
        if (out[i] === id || out[i + 1] === id) pairWords[p].push(w);
      }
      words[w] = out;
    }
    pairWords[pair] = [];
    for (const [p, old] of before) if (pairCount[p] > old) heap.push({ count: pairCount[p], pair: p });
    merges++;
  }
  // Only caller-made word counts can hold '[PAD]' etc. (preTokenize splits off the brackets).
  const specials = new Set<string>(SPECIAL_TOKENS);
  return candidates.filter((t) => !specials.has(t));
}

interface MergeEntry {
  count: number;
  pair: number;
}

/** Max-heap of candidate merges; `before(a, b)`: a is merged first. */
class MergeHeap {
  private readonly items: MergeEntry[] = [];

  constructor(private readonly before: (a: MergeEntry, b: MergeEntry) => boolean) {}

  push(e: MergeEntry): void {
    const items = this.items;
    items.push(e);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): MergeEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.before(items[l], items[best])) best = l;
        if (r < items.length && this.before(items[r], items[best])) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }
}

/**
 * Prunes candidate pieces to `vocabSize` entries (see trainWordPiece). `wordCounts`, when given,
 * must be countWords(documents, options.lowercase) (saves normalising the text twice).
 */
export function pruneVocab(
  candidates: readonly string[],
  documents: readonly string[],
  options: VocabOptions,
  wordCounts: ReadonlyMap<string, number> = countWords(documents, options.lowercase),
): WordPieceVocab {
  const charCounts = new Map<string, number>();
  const full = new WordPieceVocab([...SPECIAL_TOKENS, ...candidates], options.lowercase);
  const pieceCounts = new Map<number, number>();
  for (const [word, count] of wordCounts) {
    for (const ch of word) charCounts.set(ch, (charCounts.get(ch) ?? 0) + count);
    for (const id of full.encodeWord(word).ids) pieceCounts.set(id, (pieceCounts.get(id) ?? 0) + count);
  }
  const room = options.vocabSize - SPECIAL_TOKENS.length;
  const minimum = SPECIAL_TOKENS.length + 2 * Math.min(charCounts.size, 26);
  if (room < 2 * Math.min(charCounts.size, 26)) {
    throw new ConfigError(`data.vocabSize: ${options.vocabSize} is too small for this corpus; it needs at least ${minimum} (specials and the most common characters)`);
  }
  const byCount = <T>(counts: Map<T, number>, key: (t: T) => string) => [...counts.entries()].sort((a, b) => b[1] - a[1] || (key(a[0]) < key(b[0]) ? -1 : 1)).map(([t]) => t);
  const kept: string[] = [];
  const seen = new Set<string>(SPECIAL_TOKENS);
  const keep = (t: string) => {
    if (seen.has(t) || kept.length >= room) return;
    seen.add(t);
    kept.push(t);
  };
  const alphabetRoom = Math.floor((room * MAX_ALPHABET_SHARE) / 2);
  for (const ch of byCount(charCounts, (c) => c).slice(0, alphabetRoom)) {
    keep(ch);
    keep(CONTINUATION_PREFIX + ch);
  }
  for (const id of byCount(pieceCounts, (i) => full.tokens[i])) if (id >= SPECIAL_TOKENS.length) keep(full.tokens[id]);
  // Candidates never used by the greedy encoder still fill any room left, in trainer order.
  for (const t of candidates) keep(t);
  return new WordPieceVocab([...SPECIAL_TOKENS, ...kept], options.lowercase);
}
