import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer, WordPiece, bertNormalizer, bertPreTokenizer } from 'tokenizers';
import { ConfigError } from '@mtojs/core';
import { CONTINUATION_PREFIX, SPECIAL_TOKENS } from '../special-tokens.js';
import { normalizeText, preTokenize } from './normalize.js';
import { WordPieceVocab } from './wordpiece.js';

export interface VocabOptions {
  /** Entries in the final vocabulary, specials included. */
  vocabSize: number;
  lowercase: boolean;
}

/** Share of the vocabulary the single characters (and their '##' forms) may take at most. */
const MAX_ALPHABET_SHARE = 0.5;

/**
 * Trains a WordPiece vocabulary on `documents`: Hugging Face `tokenizers` (its native binding)
 * trains the candidate pieces, then the vocabulary is pruned to `vocabSize`.
 *
 * The binding's Node API exposes no trainer options: it always yields about 30,000 pieces, far
 * too many for small CPU runs (the output layer is vocabSize wide). Pruning keeps the special
 * tokens, every character (and its '##' continuation form; most frequent first, up to half the
 * vocabulary) so that greedy longest-match WordPiece can still spell any word, then the pieces
 * used most often when the training text is encoded with the full candidate vocabulary.
 */
export function trainWordPiece(documents: readonly string[], options: VocabOptions): WordPieceVocab {
  const candidates = trainCandidates(documents, options.lowercase);
  return pruneVocab(candidates, documents, options);
}

/** The `tokenizers` WordPiece trainer's vocabulary (specials excluded), in its id order. */
export function trainCandidates(documents: readonly string[], lowercase: boolean): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-wordpiece-'));
  try {
    const file = join(dir, 'corpus.txt');
    writeFileSync(file, documents.map((d) => d.replace(/\s+/g, ' ')).join('\n'));
    const tokenizer = new Tokenizer(WordPiece.empty());
    tokenizer.setNormalizer(bertNormalizer({ lowercase, stripAccents: true, cleanText: true, handleChineseChars: true }));
    tokenizer.setPreTokenizer(bertPreTokenizer());
    tokenizer.train([file]);
    const vocab = tokenizer.getVocab(false);
    const specials = new Set<string>(SPECIAL_TOKENS);
    return Object.entries(vocab)
      .sort((a, b) => a[1] - b[1])
      .map(([token]) => token)
      .filter((t) => !specials.has(t));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prunes candidate pieces to `vocabSize` entries (see trainWordPiece). */
export function pruneVocab(candidates: readonly string[], documents: readonly string[], options: VocabOptions): WordPieceVocab {
  const wordCounts = new Map<string, number>();
  for (const doc of documents) for (const w of preTokenize(normalizeText(doc, options.lowercase))) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
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
